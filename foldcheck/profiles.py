"""Group profiles: each group as a sparse vector over the columns the split balances.

Columns, for C classes: the annotation count of each class (0..C-1), the number of the group's
images containing each class (C..2C-1), the group's image count (2C), annotation count (2C+1)
and images without annotations (2C+2), so that those are spread evenly too. Targets are an
equal share per fold; weights make deviations relative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foldcheck.dataset import Dataset
from foldcheck.groups import Groups

STRATIFY_MODES = ("both", "annotations", "images")
# Weight of annotation-count and image-presence columns for each mode; "favours" means the
# other kind still breaks ties rather than being ignored.
_MODE_WEIGHTS = {"both": (1.0, 1.0), "annotations": (1.0, 0.05), "images": (0.05, 1.0)}


@dataclass(frozen=True, eq=False)
class Profiles:
    """Group x column matrix in compressed sparse rows."""

    indptr: np.ndarray  # intp [groups + 1]
    columns: np.ndarray  # intp [nnz]
    values: np.ndarray  # float64 [nnz]
    weights: np.ndarray  # float64 [columns]
    targets: np.ndarray  # float64 [columns]: total / K
    largest: np.ndarray  # float64 [columns]: the largest single group's value

    @property
    def n_groups(self) -> int:
        return len(self.indptr) - 1

    def row_of_entries(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_groups), np.diff(self.indptr))

    def row_sums(self, per_entry: np.ndarray) -> np.ndarray:
        """Sum of a per-entry quantity over each group's entries."""
        return np.bincount(self.row_of_entries(), weights=per_entry, minlength=self.n_groups)

    def entries(self, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(position of the group in ``groups``, column, value) of the groups' entries."""
        lengths = np.diff(self.indptr)[groups]
        rows = np.repeat(np.arange(len(groups)), lengths)
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        index = self.indptr[groups][rows] + offsets
        return rows, self.columns[index], self.values[index]

    def loads(self, fold_of_group: np.ndarray, k: int) -> np.ndarray:
        """[k, columns]: the sum of each fold's profiles."""
        n_columns = len(self.targets)
        cell = fold_of_group[self.row_of_entries()] * n_columns + self.columns
        return np.bincount(cell, weights=self.values, minlength=k * n_columns).reshape(k, -1)

    def objective(self, fold_of_group: np.ndarray, k: int) -> float:
        deviation = self.loads(fold_of_group, k) - self.targets
        return float((deviation**2 @ self.weights).sum())


def build_profiles(dataset: Dataset, groups: Groups, k: int, stratify: str) -> Profiles:
    n_classes, n_groups = dataset.n_classes, groups.count
    ann_group = groups.of_image[dataset.ann_image]
    # (group, class) -> annotations
    ann_keys, ann_counts = np.unique(
        ann_group.astype(np.int64) * n_classes + dataset.ann_class, return_counts=True
    )
    # (image, class) pairs, then (group, class) -> images containing the class
    image_class = np.unique(dataset.ann_image.astype(np.int64) * n_classes + dataset.ann_class)
    presence_keys, presence_counts = np.unique(
        groups.of_image[image_class // n_classes].astype(np.int64) * n_classes
        + image_class % n_classes,
        return_counts=True,
    )
    images_per_group = np.bincount(groups.of_image, minlength=n_groups)
    anns_per_group = np.bincount(ann_group, minlength=n_groups)
    has_anns = np.flatnonzero(anns_per_group)
    unannotated = np.bincount(dataset.ann_image, minlength=dataset.n_images) == 0
    empty_per_group = np.bincount(groups.of_image[unannotated], minlength=n_groups)
    has_empty = np.flatnonzero(empty_per_group)

    group = np.concatenate(
        [
            ann_keys // n_classes,
            presence_keys // n_classes,
            np.arange(n_groups),
            has_anns,
            has_empty,
        ]
    )
    column = np.concatenate(
        [
            ann_keys % n_classes,
            n_classes + presence_keys % n_classes,
            np.full(n_groups, 2 * n_classes),
            np.full(len(has_anns), 2 * n_classes + 1),
            np.full(len(has_empty), 2 * n_classes + 2),
        ]
    )
    value = np.concatenate(
        [
            ann_counts,
            presence_counts,
            images_per_group,
            anns_per_group[has_anns],
            empty_per_group[has_empty],
        ]
    ).astype(np.float64)
    order = np.lexsort((column, group))
    group, column, value = group[order], column[order], value[order]

    n_columns = 2 * n_classes + 3
    targets = np.bincount(column, weights=value, minlength=n_columns) / k
    ann_weight, image_weight = _MODE_WEIGHTS[stratify]
    mode = np.concatenate(
        [np.full(n_classes, ann_weight), np.full(n_classes, image_weight), [1.0, 1.0, 1.0]]
    )
    largest = np.zeros(n_columns)
    np.maximum.at(largest, column, value)
    # Deviations are relative to what a group-respecting split can reach: a column whose
    # largest group alone exceeds an equal share cannot do better than that group, and must
    # not drown the columns that can be balanced.
    weights = mode / np.maximum.reduce([targets, largest, np.ones(n_columns)]) ** 2
    indptr = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=n_groups))])
    return Profiles(
        indptr.astype(np.intp), column.astype(np.intp), value, weights, targets, largest
    )
