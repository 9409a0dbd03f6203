"""Group profiles: each group as a sparse vector over the columns the split balances.

Columns, for C classes: the annotation count of each class, the number of the group's images
containing each class, the group's image count, annotation count, images without annotations
(so those are spread evenly too) and annotations per COCO box-size bucket. Targets are an
equal share per fold; weights make deviations relative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foldcheck.core.dataset import SIZE_BUCKETS, Dataset
from foldcheck.core.groups import Groups

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

    def compact(self, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The distinct columns among ``columns`` (sorted) and each one's index among them:
        ``np.unique(columns, return_inverse=True)`` without the sort."""
        present = np.bincount(columns, minlength=len(self.targets)) > 0
        used = np.flatnonzero(present)
        position = np.cumsum(present) - 1
        return used, position[columns]

    def loads(self, fold_of_group: np.ndarray, k: int) -> np.ndarray:
        """[k, columns]: the sum of each fold's profiles."""
        n_columns = len(self.targets)
        cell = fold_of_group[self.row_of_entries()] * n_columns + self.columns
        return np.bincount(cell, weights=self.values, minlength=k * n_columns).reshape(k, -1)

    def cost(self, load: np.ndarray) -> float:
        """J of fold loads: the weighted squared deviations from an equal share."""
        return float(((load - self.targets) ** 2 @ self.weights).sum())

    def objective(self, fold_of_group: np.ndarray, k: int) -> float:
        return self.cost(self.loads(fold_of_group, k))


def build_profiles(dataset: Dataset, groups: Groups, k: int, stratify: str) -> Profiles:
    n_classes = dataset.n_classes
    ann_group = groups.of_image[dataset.ann_image]
    pair_image, pair_class = dataset.image_class_pairs
    unannotated = np.bincount(dataset.ann_image, minlength=dataset.n_images) == 0
    sized = dataset.ann_size >= 0
    ann_weight, image_weight = _MODE_WEIGHTS[stratify]
    # Column blocks: (group of each counted item, its column in the block, width, weight).
    blocks = [
        (ann_group, dataset.ann_class, n_classes, ann_weight),  # annotations per class
        (
            groups.of_image[pair_image],
            pair_class,
            n_classes,
            image_weight,
        ),  # images containing each class
        (groups.of_image, 0, 1, 1.0),  # images
        (ann_group, 0, 1, 1.0),  # annotations
        (groups.of_image[unannotated], 0, 1, 1.0),  # images without annotations
        (ann_group[sized], dataset.ann_size[sized], len(SIZE_BUCKETS), 1.0),  # box sizes
    ]
    n_columns = sum(width for _, _, width, _ in blocks)
    keys, mode, offset = [], [], 0
    for group, column, width, weight in blocks:
        keys.append(group.astype(np.int64) * n_columns + offset + column)
        mode.append(np.full(width, weight))
        offset += width
    # One sort gives each group's entries in column order: compressed sparse rows.
    cells, counts = np.unique(np.concatenate(keys), return_counts=True)
    group, column = cells // n_columns, cells % n_columns
    value = counts.astype(np.float64)

    targets = np.bincount(column, weights=value, minlength=n_columns) / k
    largest = np.zeros(n_columns)
    np.maximum.at(largest, column, value)
    # Deviations are relative to what a group-respecting split can reach: a column whose
    # largest group alone exceeds an equal share cannot do better than that group, and must
    # not drown the columns that can be balanced.
    weights = np.concatenate(mode) / np.maximum.reduce([targets, largest, np.ones(n_columns)]) ** 2
    indptr = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=groups.count))])
    return Profiles(
        indptr.astype(np.intp), column.astype(np.intp), value, weights, targets, largest
    )
