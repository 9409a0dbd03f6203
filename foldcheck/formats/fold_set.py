"""The one shape every fold set is read into, whatever its files: K folds, each a
validation side and, where the files have one, a train side. The readers (``foldsets`` for
manifests, COCO pairs and CSVs; ``yolo.foldsets`` for fold YAMLs) build it; the checks read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from foldcheck.core.dataset import Dataset
from foldcheck.formats.manifest import Manifest


@dataclass(frozen=True, eq=False)
class Side:
    """The images one file lists for one side of one fold."""

    path: Path
    image_ids: np.ndarray | None  # int64 per listed image, or None when listed by file name
    file_names: list[str] | None  # per listed image, when the file has them
    locate: Callable[[int], tuple[int | None, int | None]]  # line, column of listed image i
    dataset: Dataset | None = field(default=None, repr=False)  # a COCO side's own columns
    groups: list[str] | None = None  # a CSV's own group column, per listed image
    # How file_names name images: as the dataset keys them ("key"), by absolute path (YOLO
    # lists: relative to a YOLO dataset's root they are its keys), or by file name alone
    # ("basename": copies, as Ultralytics' K-fold guide makes them).
    match: str = "key"
    image_paths: list[str] | None = None  # YOLO: the paths Ultralytics opens, per listed image

    def __len__(self) -> int:
        if self.image_ids is not None:
            return len(self.image_ids)
        return len(self.file_names or ())


@dataclass(frozen=True, eq=False)
class FoldSet:
    origin: Path  # the manifest, CSV or folder that holds the set
    kind: str  # "manifest" | "coco" | "csv"
    val: list[Side]
    train: list[Side] | None = None
    manifest: Manifest | None = None
    holdout: Side | None = None  # the held-out test set the files name (a fold YAML's test:)
    class_names: tuple[str, ...] = ()  # YOLO: the fold YAMLs' names
    first_fold: int = 0  # the number the files give their first fold (1: numbered 1..K)
    notes: tuple[str, ...] = ()  # how the files were read, for the user (which image identity)

    @property
    def k(self) -> int:
        return len(self.val)
