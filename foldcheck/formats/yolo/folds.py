"""Fold files Ultralytics trains from directly, with no image copied.

Per fold ``fold{i}.yaml`` (absolute ``path:`` = the output folder, so it works from any working
folder) with ``train: fold{i}_train.txt`` and ``val: fold{i}_val.txt``, the source's ``names``
and its other keys; with a held-out set, ``test: test.txt`` in every fold YAML. A list line is
``./rel`` when the image is inside the output folder, else absolute: Ultralytics replaces
*every* ``./`` of a ``./`` line, so ``./../images/a.jpg`` would break, and other relative
lines are taken from the working folder.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from foldcheck.formats.yolo.data_yaml import DataYaml

TEST_LIST = "test.txt"


def yolo_paths(out: Path, k: int, holdout: bool) -> list[Path]:
    paths = []
    for fold in range(k):
        paths += [
            out / f"fold{fold}.yaml",
            out / f"fold{fold}_train.txt",
            out / f"fold{fold}_val.txt",
        ]
    if holdout:
        paths.append(out / TEST_LIST)
    return paths


def list_text(images: Sequence[str], folder: Path) -> bytes:
    """One line per image, as Ultralytics resolves them from any working folder."""
    base = os.path.abspath(folder) + os.sep
    lines = []
    for image in images:
        absolute = os.path.normpath(os.path.abspath(image))
        inside = absolute.startswith(base)
        lines.append(
            "./" + Path(absolute[len(base) :]).as_posix() if inside else Path(absolute).as_posix()
        )
    return ("".join(line + "\n" for line in lines)).encode("utf-8")


def fold_yaml(data: DataYaml, out: Path, fold: int, k: int, holdout: bool) -> bytes:
    import yaml

    body: dict[str, Any] = {
        "path": Path(os.path.abspath(out)).as_posix(),
        "train": f"fold{fold}_train.txt",
        "val": f"fold{fold}_val.txt",
    }
    if holdout:
        body["test"] = TEST_LIST
    body["names"] = dict(enumerate(data.names))
    body.update(data.extra)
    here = Path(os.path.abspath(out)).as_posix()
    header = (
        f"# fold {fold} of {k}, written by foldcheck split from {data.path.name}; train with\n"
        f'#   YOLO("yolo11n.pt").train(data="{here}/fold{fold}.yaml")\n'
    )
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return (header + text).encode("utf-8")


def yolo_files(
    data: DataYaml,
    paths: Sequence[str],
    fold_of_image: np.ndarray,
    out: Path,
    k: int,
    holdout_paths: Sequence[str] | None,
) -> dict[Path, bytes]:
    """Every file of the fold set: path -> bytes (written together by the caller)."""
    files: dict[Path, bytes] = {}
    holdout = holdout_paths is not None
    for fold in range(k):
        files[out / f"fold{fold}.yaml"] = fold_yaml(data, out, fold, k, holdout)
        for side, chosen in (("train", fold_of_image != fold), ("val", fold_of_image == fold)):
            chosen &= fold_of_image >= 0
            picked = [paths[int(i)] for i in np.flatnonzero(chosen)]
            files[out / f"fold{fold}_{side}.txt"] = list_text(picked, out)
    if holdout_paths is not None:
        files[out / TEST_LIST] = list_text(holdout_paths, out)
    return files
