"""The dataset a path names: a YOLO ``data.yaml`` (by its suffix), else a COCO file."""

from __future__ import annotations

from pathlib import Path

from foldcheck.core.dataset import Dataset

YAML_SUFFIXES = (".yaml", ".yml")


def is_yolo(path: str | Path) -> bool:
    return Path(path).suffix.lower() in YAML_SUFFIXES


def read_dataset(path: str | Path) -> Dataset:
    if is_yolo(path):
        from foldcheck.formats.yolo.reader import load_yolo_dataset

        return load_yolo_dataset(path)
    from foldcheck.formats.coco.reader import load_dataset

    return load_dataset(path)
