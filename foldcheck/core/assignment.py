"""The one fold-assignment type: the validation fold of every image of a dataset.

A split makes one; a manifest, a COCO train/val pair set and a fold CSV are each read into
one; the balance tables, the exports and the checks all take one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from foldcheck.core.dataset import Dataset
from foldcheck.core.groups import Groups


@dataclass(frozen=True, eq=False)
class FoldAssignment:
    dataset: Dataset
    groups: Groups  # the grouping the folds respect (its key is recorded in the manifest)
    k: int
    fold_of_image: np.ndarray  # intp [images]: validation fold of each image, -1 for none
    seed: int | None = None  # how a split made it; None when read from files
    stratify: str | None = None

    @classmethod
    def from_folds(cls, dataset: Dataset, groups: Groups, folds: list[list[int]]) -> FoldAssignment:
        """From lists of validation image ids (a manifest's); unknown ids are left out and an
        image listed twice keeps its first fold."""
        fold = np.full(dataset.n_images, -1, dtype=np.intp)
        for index in reversed(range(len(folds))):
            rows = [dataset.image_index.get(i) for i in folds[index]]
            fold[[r for r in rows if r is not None]] = index
        return cls(dataset, groups, len(folds), fold)

    def val_image_ids(self, fold: int) -> list[int]:
        """Sorted ids of fold ``fold``'s validation images."""
        return sorted(self.dataset.image_ids[self.fold_of_image == fold].tolist())

    @cached_property
    def sparse_classes(self) -> dict[str, int]:
        """Classes held by fewer groups than folds, with that number (0: no annotations)."""
        held = self.groups.classes_held(self.dataset)
        names = self.dataset.category_names
        return {names[c]: int(held[c]) for c in np.flatnonzero(held < self.k)}
