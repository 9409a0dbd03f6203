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
    """The folds of a dataset, and its held-out test set when there is one.

    The folds cover :attr:`fold_rows`; :attr:`fold_of_image` and :attr:`image_ids` are
    aligned with them, so ``image_ids[fold_of_image != f]`` are fold ``f``'s training images
    and ``image_ids[fold_of_image == f]`` its validation images. The held-out images
    (:attr:`holdout_ids`, :attr:`holdout_rows`) are in neither, under any idiom.
    """

    dataset: Dataset
    groups: Groups  # the grouping the folds respect (its key is recorded in the manifest)
    k: int
    # intp [images], aligned with dataset.image_ids: each image's validation fold, or -1 for
    # an image in no fold (held out, or left out of the files read). Internal: a -1 row is
    # selected by ``!= fold``, so the public view is fold_of_image over fold_rows only.
    fold_of_row: np.ndarray
    seed: int | None = None  # how a split made it; None when read from files
    stratify: str | None = None
    holdout: Holdout | None = None  # its images are in no fold

    @cached_property
    def fold_rows(self) -> np.ndarray:
        """Dataset rows (indices into ``dataset.image_ids``) of the images in a fold, in
        dataset order: every image but the held-out ones (and any the files left out)."""
        return np.flatnonzero(self.fold_of_row >= 0)

    @cached_property
    def fold_of_image(self) -> np.ndarray:
        """The validation fold of each image in :attr:`fold_rows`, aligned with
        :attr:`image_ids`. Held-out images are not in it (see :attr:`holdout_ids`), so
        ``fold_of_image != f`` never selects a test image; with a holdout its length is not
        the dataset's, and ``dataset.image_ids[fold_of_image != f]`` fails loudly instead."""
        folds: np.ndarray = self.fold_of_row[self.fold_rows]
        return folds

    @cached_property
    def image_ids(self) -> np.ndarray:
        """Ids of the images in a fold (``dataset.image_ids[fold_rows]``), aligned with
        :attr:`fold_of_image`. A YOLO image's id is its row in the data.yaml's lists."""
        ids: np.ndarray = self.dataset.image_ids[self.fold_rows]
        return ids

    @cached_property
    def holdout_rows(self) -> np.ndarray:
        """Dataset rows of the held-out test images (empty without a holdout)."""
        if self.holdout is None:
            return np.empty(0, dtype=np.intp)
        return np.flatnonzero(self.holdout.mask)

    @cached_property
    def holdout_ids(self) -> np.ndarray:
        """Ids of the held-out test images, in dataset order (empty without a holdout)."""
        ids: np.ndarray = self.dataset.image_ids[self.holdout_rows]
        return ids

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
        return self.dataset.image_keys(self.fold_of_row == fold)

    def val_image_ids(self, fold: int) -> list[int]:
        """Sorted ids of fold ``fold``'s validation images."""
        return sorted(self.dataset.image_ids[self.fold_of_row == fold].tolist())

    @cached_property
    def sparse_classes(self) -> dict[str, int]:
        """Classes held by fewer groups than folds, with that number (0: no annotations)."""
        held = self.groups.classes_held(self.dataset)
        names = self.dataset.category_names
        return {names[c]: int(held[c]) for c in np.flatnonzero(held < self.k)}
