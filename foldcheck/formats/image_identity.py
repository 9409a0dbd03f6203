"""Which images of several COCO fold files are the same image.

foldcheck's own exports, and most hand-made fold files, cut one dataset: an image id means
the same image in every file. Exports from a labelling service (Roboflow's train/valid/test)
number each file's images from 0: there id 0 is a different picture in each file, and only
the file name says which images are the same. The files themselves tell the two apart: when
one id names different file names in different files, the ids are per file.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from foldcheck.formats.fold_set import Side


def ids_per_file(sides: list[Side]) -> str | None:
    """Why the sides' image ids cannot identify images across files (an id naming two file
    names), or None when they can."""
    files = {side.path: side for side in sides if side.dataset is not None}
    if len(files) < 2:
        return None
    datasets = [side.dataset for side in files.values() if side.dataset is not None]
    names = [name for dataset in datasets for name in dataset.file_names]
    if not any(names):
        return None  # no names to match by: ids are all there is
    ids = np.concatenate([dataset.image_ids for dataset in datasets])
    file_of = np.repeat(np.arange(len(datasets)), [d.n_images for d in datasets])
    _, code = np.unique(np.asarray(names, dtype=object), return_inverse=True)
    order = np.lexsort((code, ids))
    ids, code, file_of = ids[order], code[order], file_of[order]
    clash = (ids[1:] == ids[:-1]) & (code[1:] != code[:-1]) & (file_of[1:] != file_of[:-1])
    if not clash.any():
        return None
    at = int(np.flatnonzero(clash)[0])
    paths = [path.name for path in files]
    first, second = (names[int(order[i])] for i in (at, at + 1))
    return (
        f"{paths[file_of[at]]} and {paths[file_of[at + 1]]} number their images "
        f"independently (image {int(ids[at])} is {first!r} in one, {second!r} in the other): "
        "images are matched by file name"
    )


def by_file_name(sides: list[Side]) -> list[Side]:
    """The sides with their images keyed by file name: each distinct name gets one id across
    all of them (the union and the checks then match by name), and findings name the file."""
    names = sorted({name for side in sides if side.dataset for name in side.dataset.file_names})
    number = {name: index for index, name in enumerate(names)}
    keyed = []
    for side in sides:
        dataset = side.dataset
        assert dataset is not None
        ids = np.asarray([number[name] for name in dataset.file_names], dtype=np.int64)
        keyed.append(replace(side, image_ids=None, dataset=replace(dataset, image_ids=ids)))
    return keyed
