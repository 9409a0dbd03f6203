"""The one fold-assignment type: the validation fold of every image of a dataset.

A split makes one; a manifest, a COCO train/val pair set and a fold CSV are each read into
one; the balance tables, the exports and the checks all take one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from foldcheck.core.dataset import Dataset
from foldcheck.core.groups import Groups


@dataclass(frozen=True, eq=False)
class Holdout:
    """A held-out test set: in no fold, neither side (``split --holdout``)."""

    mask: np.ndarray  # bool [images]
    fraction: float | None = None  # as asked (--holdout)
    source: str | None = None  # the file that listed it (--holdout-from)
    pulled_in: int = 0  # images added because a listed image's group holds them


@dataclass(frozen=True, eq=False)
class FoldAssignment:
    dataset: Dataset
    groups: Groups  # the grouping the folds respect (its key is recorded in the manifest)
    k: int
    fold_of_image: np.ndarray  # intp [images]: validation fold of each image, -1 for none
    seed: int | None = None  # how a split made it; None when read from files
    stratify: str | None = None
    holdout: Holdout | None = None  # its images have fold -1

    @classmethod
    def from_folds(
        cls,
        dataset: Dataset,
        groups: Groups,
        folds: list[list[Any]],
        holdout: list[Any] | None = None,
    ) -> FoldAssignment:
        """From lists of validation image keys (a manifest's: ids, or YOLO paths); unknown
        keys are left out and an image listed twice keeps its first fold."""
        fold = np.full(dataset.n_images, -1, dtype=np.intp)
        index_of = dataset.key_index
        for index in reversed(range(len(folds))):
            rows = [index_of.get(key) for key in folds[index]]
            fold[[r for r in rows if r is not None]] = index
        held = None
        if holdout is not None:
            mask = np.zeros(dataset.n_images, bool)
            rows = [index_of.get(key) for key in holdout]
            mask[[r for r in rows if r is not None]] = True
            held = Holdout(mask)
        return cls(dataset, groups, len(folds), fold, holdout=held)

    def image_keys(self, fold: int) -> list[Any]:
        """Fold ``fold``'s validation images as the manifest records them."""
        return self.dataset.image_keys(self.fold_of_image == fold)

    def val_image_ids(self, fold: int) -> list[int]:
        """Sorted ids of fold ``fold``'s validation images."""
        return sorted(self.dataset.image_ids[self.fold_of_image == fold].tolist())

    @cached_property
    def sparse_classes(self) -> dict[str, int]:
        """Classes held by fewer groups than folds, with that number (0: no annotations)."""
        held = self.groups.classes_held(self.dataset)
        names = self.dataset.category_names
        return {names[c]: int(held[c]) for c in np.flatnonzero(held < self.k)}
