"""The one fold-assignment type: the validation fold of every image of a dataset.

A split makes one; a manifest, a COCO train/val pair set and a fold CSV are each read into
one; the balance tables, the exports and the checks all take one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sized
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from foldcheck.core.dataset import Dataset
from foldcheck.core.groups import Groups

# An image's side before a change (``split --update``, ``--from``): a fold, or one of these.
NEW = -1  # it had none
HELD = -2  # it was held out


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

    For training: :meth:`train_image_ids` and :meth:`val_image_ids` per fold,
    :meth:`train_indices` and :meth:`val_indices` (positions in :attr:`image_ids`), and
    :meth:`split`, which yields ``(train_indices, val_indices)`` per fold as scikit-learn's
    splitters do; :meth:`to_dataframe` where pandas is installed. ``k`` is the number of
    folds, ``dataset`` and ``groups`` what they were made of, ``holdout`` the test set (None
    without one); ``seed`` and ``stratify`` how a split made them (None when read from files).
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

    def train_indices(self, fold: int) -> np.ndarray:
        """Positions in :attr:`image_ids` (and :attr:`fold_of_image`, and the rows of
        :meth:`to_dataframe`) of fold ``fold``'s training images; never a held-out one."""
        return np.flatnonzero(self.fold_of_image != self._fold(fold))

    def val_indices(self, fold: int) -> np.ndarray:
        """Positions in :attr:`image_ids` of fold ``fold``'s validation images."""
        return np.flatnonzero(self.fold_of_image == self._fold(fold))

    def train_image_ids(self, fold: int) -> np.ndarray:
        """Ids of fold ``fold``'s training images, in dataset order; never a held-out one."""
        ids: np.ndarray = self.image_ids[self.train_indices(fold)]
        return ids

    def val_image_ids(self, fold: int) -> np.ndarray:
        """Ids of fold ``fold``'s validation images, in dataset order."""
        ids: np.ndarray = self.image_ids[self.val_indices(fold)]
        return ids

    def split(
        self, X: Sized | None = None, y: object = None, groups: object = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(train_indices(f), val_indices(f))`` for each fold, as scikit-learn's splitters
        yield them: ``cross_val_score(model, X, y, cv=assignment)`` works when the rows of
        ``X`` are the fold images, in :attr:`image_ids` order (``y`` and ``groups`` are
        accepted for scikit-learn and not used: the folds are already made)."""
        if X is not None and len(X) != len(self.image_ids):
            held = f" ({len(self.holdout_rows)} held out)" if len(self.holdout_rows) else ""
            raise ValueError(
                f"X has {len(X)} rows but the folds hold {len(self.image_ids)} images{held}: "
                "build X in the order of assignment.image_ids"
            )
        for fold in range(self.k):
            yield self.train_indices(fold), self.val_indices(fold)

    def get_n_splits(self, X: object = None, y: object = None, groups: object = None) -> int:
        """The number of folds (scikit-learn's splitter protocol)."""
        return self.k

    def to_dataframe(self, holdout: bool = False) -> Any:  # a pandas.DataFrame
        """One row per fold image (with ``holdout=True``: per held-out image, and no fold
        column): ``image_id`` (COCO), ``file_name``, ``group`` and ``fold``, in the order of
        :attr:`image_ids`. Needs pandas, which foldcheck does not install."""
        try:
            import pandas  # type: ignore[import-untyped, import-not-found, unused-ignore]
        except ImportError:
            raise ImportError(
                "FoldAssignment.to_dataframe needs pandas (pip install pandas); the same "
                "columns are numpy arrays without it: image_ids, fold_of_image"
            ) from None
        rows = self.holdout_rows if holdout else self.fold_rows
        names, labels = self.dataset.file_names, self.groups.labels
        columns: dict[str, Any] = {}
        if not self.dataset.keys_are_names:
            columns["image_id"] = self.dataset.image_ids[rows]
        columns["file_name"] = [names[row] for row in rows.tolist()]
        columns["group"] = [labels[g] for g in self.groups.of_image[rows].tolist()]
        if not holdout:
            columns["fold"] = self.fold_of_image
        return pandas.DataFrame(columns)

    def _fold(self, fold: int) -> int:
        if not 0 <= fold < self.k:
            raise IndexError(f"fold {fold} out of range: the folds are 0..{self.k - 1}")
        return fold

    @cached_property
    def groups_per_class(self) -> np.ndarray:
        """[classes]: the groups of the folds (not of a held-out test set) holding each."""
        held_out = None if self.holdout is None else self.holdout.mask
        return self.groups.classes_held(self.dataset, held_out)

    @cached_property
    def sparse_classes(self) -> dict[str, int]:
        """Classes held by fewer groups of the folds than folds, with that number (0: no
        annotations in the folds)."""
        held = self.groups_per_class
        names = self.dataset.category_names
        return {names[c]: int(held[c]) for c in np.flatnonzero(held < self.k)}
