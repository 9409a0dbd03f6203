"""YOLO fold sets as found on disk, read into the shape every check rule sees.

Understood: foldcheck's own ``fold{i}.yaml`` (with its ``fold{i}_train.txt``/``_val.txt``),
and the layout Ultralytics' K-fold guide writes: ``split_{n}/split_{n}_dataset.yaml`` with
copied ``train/images`` and ``val/images`` folders. Each fold YAML is resolved by the same
rules as a ``data.yaml``. Images named by list files are keyed by their absolute path; copies
in the guide's folders by their file name, which is all that ties a copy to its original.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from foldcheck.errors import InputError
from foldcheck.formats.fold_set import FoldSet, Side
from foldcheck.formats.yolo.data_yaml import read_data_yaml
from foldcheck.formats.yolo.images import Listed, list_images

_FOLD_YAML = re.compile(r"^fold(\d+)\.ya?ml$")
_GUIDE_FOLDER = re.compile(r"^split_(\d+)$")


def yolo_set_at(path: Path) -> FoldSet | None:
    """The YOLO fold set a folder holds, or a YAML of one names; None if it is none."""
    if path.is_dir():
        if _fold_yamls(path):
            return read_fold_yamls(path)
        if _guide_yamls(path):
            return read_guide_layout(path)
        return None
    if _FOLD_YAML.match(path.name):
        return read_fold_yamls(path.parent)
    if _GUIDE_FOLDER.match(path.parent.name) and path.suffix in (".yaml", ".yml"):
        return read_guide_layout(path.parent.parent)
    return None


def _fold_yamls(folder: Path) -> dict[int, Path]:
    found: dict[int, Path] = {}
    for path in sorted(folder.glob("fold*.y*ml")):
        match = _FOLD_YAML.match(path.name)
        if match:
            found.setdefault(int(match[1]), path)
    return found


def _guide_yamls(folder: Path) -> dict[int, Path]:
    found: dict[int, Path] = {}
    for sub in sorted(folder.iterdir()):
        match = _GUIDE_FOLDER.match(sub.name)
        if match and sub.is_dir():
            yamls = sorted([*sub.glob("*.yaml"), *sub.glob("*.yml")])
            if yamls:
                found[int(match[1]) - 1] = yamls[0]
    return found


def _numbered(found: dict[int, Path], folder: Path, what: str) -> list[Path]:
    folds = sorted(found)
    if folds != list(range(len(folds))):
        missing = sorted(set(range(max(folds) + 1)) - set(folds))[0]
        raise InputError(f"{what} are numbered {folds}: fold {missing} is missing", folder)
    if len(folds) < 2:
        raise InputError(f"only one {what[:-1]} here: a fold set needs two or more", folder)
    return [found[f] for f in folds]


def read_fold_yamls(folder: Path) -> FoldSet:
    yamls = _numbered(_fold_yamls(folder), folder, "fold YAMLs")
    return _yaml_set(folder, yamls, "yolo", by_name=False)


def read_guide_layout(folder: Path) -> FoldSet:
    yamls = _numbered(_guide_yamls(folder), folder, "split folders")
    return _yaml_set(folder, yamls, "yolo-guide", by_name=True)


def _yaml_set(folder: Path, yamls: list[Path], kind: str, by_name: bool) -> FoldSet:
    val, train = [], []
    names: tuple[str, ...] = ()
    holdout = None
    for path in yamls:
        data = read_data_yaml(path)
        names = names or data.names
        val.append(_side(path, list_images(data.sources["val"], data.root), by_name))
        train.append(_side(path, list_images(data.sources["train"], data.root), by_name))
        if holdout is None and "test" in data.sources:
            holdout = _side(path, list_images(data.sources["test"], data.root), by_name)
    return FoldSet(folder, kind, val, train, class_names=names, holdout=holdout)


def _side(yaml_path: Path, listed: list[Listed], by_name: bool) -> Side:
    origin = listed[0].origin if listed else yaml_path
    is_list = bool(listed) and listed[0].line is not None
    keys = [Path(item.path).name if by_name else _absolute(item.path) for item in listed]
    lines = np.asarray([item.line or 0 for item in listed], dtype=np.int64)

    def locate(i: int) -> tuple[int | None, int | None]:
        return (int(lines[i]), 1) if is_list and lines[i] else (None, None)

    return Side(
        origin if is_list else yaml_path,
        None,
        keys,
        locate,
        match="basename" if by_name else "path",
        image_paths=[item.path for item in listed],
    )


def _absolute(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))
