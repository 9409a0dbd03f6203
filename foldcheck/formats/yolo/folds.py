"""Fold files Ultralytics trains from directly, with no image copied, that keep working when
the folder (or the dataset with it) is moved or cloned.

Per fold ``fold{i}.yaml`` with ``train: fold{i}_train.txt`` and ``val: fold{i}_val.txt``, the
source's ``names`` and its other keys, and a ``test:``: the held-out ``test.txt`` with
``--holdout`` and the source's own ``test:`` (made relative to the output folder). No
``path:``: Ultralytics' ``check_det_dataset`` then takes the YAML's own folder as the root
(a relative ``path:`` would be taken from the working folder). Every list line is ``./`` and
the image's path relative to the list's folder: Ultralytics' ``get_img_files`` replaces the
leading ``./`` with that folder, and only the first one since PR #24429 (8.4.190 has it), so
``./../images/a.jpg`` climbs out of it; other relative lines would be taken from the working
folder. Only an image no relative path reaches (another Windows drive) is written absolute.
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


def relative_to(path: str | Path, folder: Path) -> str:
    """``path`` from ``folder``, '/'-separated, both with their links resolved (Ultralytics
    resolves the folder, and the file system resolves a ``..`` from the real folder); the
    absolute path when no relative one exists."""
    real = os.path.realpath(path)
    try:
        return Path(os.path.relpath(real, os.path.realpath(folder))).as_posix()
    except ValueError:  # another drive
        return Path(real).as_posix()


def list_text(images: Sequence[str], folder: Path) -> bytes:
    """One line per image, as Ultralytics resolves them from the list's folder."""
    lines = []
    for image in images:
        relative = relative_to(image, folder)
        lines.append(relative if os.path.isabs(relative) else "./" + relative)
    return ("".join(line + "\n" for line in lines)).encode("utf-8")


def fold_yaml(data: DataYaml, out: Path, fold: int, k: int, holdout: bool) -> bytes:
    import yaml

    body: dict[str, Any] = {"train": f"fold{fold}_train.txt", "val": f"fold{fold}_val.txt"}
    # The held-out list and the source's own test split: neither is trained on.
    tests = [TEST_LIST] if holdout else []
    tests += [relative_to(source, out) for source in data.sources.get("test", [])]
    if tests:
        body["test"] = tests[0] if len(tests) == 1 else tests
    body["names"] = dict(enumerate(data.names))
    body.update(data.extra)
    header = (
        f"# fold {fold} of {k}, written by foldcheck split from "
        f"{relative_to(data.path, out)}. Paths are relative to this file's folder, which\n"
        f"# can move with the dataset. Train with:\n"
        f'#   YOLO("yolo11n.pt").train(data="<this folder>/fold{fold}.yaml")\n'
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
