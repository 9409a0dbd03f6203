"""Per-fold COCO train/val files, YOLO fold YAMLs with their image lists, and the fold CSV.

COCO exports keep every top-level key and every field of the original records, in file
order, so MMDetection, Detectron2 (``register_coco_instances``) and pycocotools read them as
they read the original.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from foldcheck.choices import EXPORT_FORMATS
from foldcheck.core.assignment import FoldAssignment
from foldcheck.core.dataset import Dataset
from foldcheck.core.groups import IdLabels
from foldcheck.formats.coco.writer import coco_subset_pieces
from foldcheck.formats.export_names import (
    EXPORT_NAME,
    FINGERPRINTS_NAME,
    FOLD_CSV,
    HOLDOUT_COCO,
    HOLDOUT_CSV,
    HOLDOUT_NAMES,
)
from foldcheck.io import textcolumns
from foldcheck.io.atomic import CommitSet


def parse_export_formats(text: str) -> tuple[str, ...]:
    from foldcheck.errors import InputError

    formats = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [f for f in formats if f not in EXPORT_FORMATS]
    if unknown:
        raise InputError(
            f"--export: unknown format {unknown[0]!r} (choose from "
            f"{', '.join(EXPORT_FORMATS)}, comma-separated)"
        )
    return formats


def native_formats(dataset: Dataset, formats: tuple[str, ...]) -> tuple[str, ...]:
    """The formats to write: a YOLO dataset always gets its fold YAMLs (what Ultralytics
    trains on) and cannot be exported as COCO, nor a COCO file as YOLO."""
    from foldcheck.errors import InputError

    wrong = "coco" if dataset.keys_are_names else "yolo"
    if wrong in formats:
        kind = "a YOLO data.yaml" if wrong == "coco" else "a COCO file"
        raise InputError(f"--export {wrong}: {dataset.path} is {kind}")
    if dataset.keys_are_names and "yolo" not in formats:
        return ("yolo", *formats)
    return formats


def export_paths(out: Path, formats: tuple[str, ...], k: int, holdout: bool = False) -> list[Path]:
    paths = []
    if "coco" in formats:
        for fold in range(k):
            paths += [out / f"train_fold{fold}.json", out / f"val_fold{fold}.json"]
        if holdout:
            paths.append(out / HOLDOUT_COCO)
    if "yolo" in formats:
        from foldcheck.formats.yolo.folds import yolo_paths

        paths += yolo_paths(out, k, holdout)
    if "csv" in formats:
        paths.append(out / FOLD_CSV)
        if holdout:
            paths.append(out / HOLDOUT_CSV)
    return paths


def previous_set_files(
    out: Path, new: list[Path], *, whole_set: bool, k: int, had_holdout: bool = False
) -> list[Path]:
    """Files an earlier run wrote in ``out`` that the new set lacks, to delete with it.

    For a split (``whole_set``) that is every export by foldcheck's names not in ``new``
    (the held-out test files only when the previous manifest had a holdout: ``test.json``
    is a common name); for an export from an unchanged manifest only per-fold files of folds
    beyond ``k`` (an export not asked for this time still matches the manifest, so it stays).
    """
    keep = {path.name for path in new}
    try:
        names = sorted(entry.name for entry in os.scandir(out) if entry.is_file())
    except OSError:  # not there yet, or unreadable: the commit reports what matters
        return []
    stale = []
    for name in names:
        if name in keep:
            continue
        if name == FINGERPRINTS_NAME:  # a record of the manifest's images: a new one replaces it
            if whole_set:
                stale.append(out / name)
            continue
        if name in HOLDOUT_NAMES:
            if whole_set and had_holdout:
                stale.append(out / name)
            continue
        match = EXPORT_NAME.match(name)
        if match is None:
            continue
        fold = match["coco"] or match["yolo"]
        if whole_set or (fold is not None and int(fold) >= k):
            stale.append(out / name)
    return stale


def write_exports(
    staged: CommitSet, assignment: FoldAssignment, out: Path, formats: tuple[str, ...]
) -> None:
    fold_of_row, dataset = assignment.fold_of_row, assignment.dataset
    held = assignment.holdout.mask if assignment.holdout else np.zeros(dataset.n_images, bool)
    if "coco" in formats:
        for fold in range(assignment.k):
            train, val = (fold_of_row >= 0) & (fold_of_row != fold), fold_of_row == fold
            for name, in_part in (("train", train), ("val", val)):
                staged.write_pieces(
                    out / f"{name}_fold{fold}.json", coco_subset_pieces(dataset, in_part)
                )
        if assignment.holdout is not None:
            staged.write_pieces(out / HOLDOUT_COCO, coco_subset_pieces(dataset, held))
    if "yolo" in formats:
        from foldcheck.formats.yolo.folds import yolo_files

        yolo = getattr(dataset, "yolo", None)
        assert yolo is not None, "native_formats lets only YOLO datasets export yolo"
        paths = yolo.paths
        test = [paths[i] for i in np.flatnonzero(held)] if assignment.holdout else None
        for path, payload in yolo_files(
            yolo.data, paths, fold_of_row, out, assignment.k, test
        ).items():
            staged.write(path, payload)
    if "csv" in formats:
        staged.write_pieces(out / FOLD_CSV, fold_csv(assignment))
        if assignment.holdout is not None:
            staged.write_pieces(out / HOLDOUT_CSV, holdout_csv(assignment))


def coco_subset(dataset: Dataset, image_mask: np.ndarray) -> bytes:
    """The dataset restricted to the masked images and their annotations."""
    return b"".join(coco_subset_pieces(dataset, image_mask))


_CSV_ROWS = 65_536  # rows per piece: the text is streamed, never held whole
# A field holding one of these is quoted by the csv module; none in any field: no quoting at all.
_CSV_SPECIAL = re.compile(r'[,"\r\n]')


def fold_csv(assignment: FoldAssignment) -> Iterator[bytes]:
    """folds.csv, a block of rows at a time: image_id, file_name, group, fold (a YOLO image
    has no id: its path, relative to the root, is its key), for the images in a fold only,
    so that ``df[df.fold != f]`` is fold f's training set under any idiom."""
    return _image_csv(assignment, assignment.fold_rows, with_fold=True)


def holdout_csv(assignment: FoldAssignment) -> Iterator[bytes]:
    """holdout.csv: the held-out test images, with folds.csv's columns but the fold (they
    have none, so no fold value can put one on a training side)."""
    return _image_csv(assignment, assignment.holdout_rows, with_fold=False)


def _image_csv(assignment: FoldAssignment, rows: np.ndarray, *, with_fold: bool) -> Iterator[bytes]:
    dataset, groups = assignment.dataset, assignment.groups
    header = ["image_id", "file_name", "group", "fold"][dataset.keys_are_names : 3 + with_fold]
    names, labels = dataset.file_names, groups.labels
    # Integer labels (one-image groups: the image id) never need quotes.
    label_text = () if isinstance(labels, IdLabels) else labels
    plain = not any(map(_CSV_SPECIAL.search, ("".join(names), "".join(label_text))))
    yield (",".join(header) + "\n").encode("utf-8")
    for start in range(0, len(rows), _CSV_ROWS):
        block = rows[start : start + _CSV_ROWS]
        block_names = _names_of(names, block)
        text = _plain_rows(assignment, block, block_names, with_fold) if plain else None
        yield _text_rows(assignment, block, block_names, with_fold, plain) if text is None else text


def _names_of(names: list[str], rows: np.ndarray) -> list[str]:
    first, last = (int(rows[0]), int(rows[-1])) if len(rows) else (0, -1)
    if last - first == len(rows) - 1:  # rows rise (flatnonzero's): these are consecutive
        return names[first : last + 1]
    return list(map(names.__getitem__, rows.tolist()))


def _text_rows(
    assignment: FoldAssignment, block: np.ndarray, names: list[str], with_fold: bool, plain: bool
) -> bytes:
    """The CSV rows of the images ``block`` as csv.writer writes them (fields that need it
    quoted, unless ``plain``), made as Python strings."""
    dataset, groups = assignment.dataset, assignment.groups
    columns = [names, groups.labels_of(groups.of_image[block])]
    if with_fold:
        columns.append(list(map(str, assignment.fold_of_row[block].tolist())))
    if not dataset.keys_are_names:
        columns.insert(0, list(map(str, dataset.image_ids[block].tolist())))
    if plain:
        text = "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"
    else:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(zip(*columns, strict=True))
        text = buffer.getvalue()
    return text.encode("utf-8")


def _plain_rows(
    assignment: FoldAssignment, block: np.ndarray, names: list[str], with_fold: bool
) -> bytes | None:
    """The CSV rows of the images ``block`` (rows of the dataset) when no field needs quotes,
    each column written at numpy speed (``io.textcolumns``); None if a name or a label is not
    ASCII (those rows are joined as text)."""
    dataset, groups = assignment.dataset, assignment.groups
    group_of = groups.of_image[block]
    ids = None if dataset.keys_are_names else dataset.image_ids[block]
    columns = [textcolumns.ascii_strings(names)]
    if ids is not None:
        columns.insert(0, textcolumns.decimal(ids))
    label_ids = groups.labels.ids[group_of] if isinstance(groups.labels, IdLabels) else None
    if label_ids is None:
        columns.append(textcolumns.ascii_strings(groups.labels_of(group_of)))
    elif ids is not None and np.array_equal(label_ids, ids):  # an image's own id: made once
        columns.append(columns[0])
    else:
        columns.append(textcolumns.decimal(label_ids))
    if with_fold:
        columns.append(textcolumns.decimal(assignment.fold_of_row[block]))
    written = [column for column in columns if column is not None]
    if len(written) < len(columns):
        return None
    return textcolumns.rows_text(written, b",", b"\n")
