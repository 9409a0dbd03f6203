"""Per-fold balance: counts, shares and deviations, with the tolerance applied.

Tolerance T is relative: the validation fold of class c should hold e_c = n_c / K of it,
give or take T * e_c. Rare classes and coarse groups would fail any such test (3 boxes cannot
be spread over 5 folds; a video of 40 boxes moves all 40 at once), so the allowed deviation is
never tighter than one group's worth: max(T * e_c, the largest count of c in a single group).
The same rule applies to annotation counts, image counts per class, box-size buckets and fold
sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from foldcheck.core.assignment import FoldAssignment
from foldcheck.core.dataset import SIZE_BUCKETS


@dataclass(frozen=True, eq=False)
class Table:
    """One quantity counted per row (class, bucket or fold size) and fold."""

    title: str
    rows: tuple[str, ...]
    counts: np.ndarray  # float64 [rows, k]
    allowed: np.ndarray  # float64 [rows]: the absolute deviation tolerated

    @property
    def totals(self) -> np.ndarray:
        totals: np.ndarray = self.counts.sum(axis=1)
        return totals

    @property
    def expected(self) -> np.ndarray:
        expected: np.ndarray = self.totals / self.counts.shape[1]
        return expected

    @property
    def deviation(self) -> np.ndarray:
        """Relative deviation from the expected count, [rows, k] (0 where nothing expected)."""
        expected = self.expected[:, None]
        deviation: np.ndarray = np.divide(
            self.counts - expected, expected, out=np.zeros_like(self.counts), where=expected > 0
        )
        return deviation

    @property
    def out_of_tolerance(self) -> np.ndarray:
        beyond: np.ndarray = np.abs(self.counts - self.expected[:, None]) > self.allowed[:, None]
        return beyond

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "rows": [
                {
                    "name": name,
                    "total": int(total),
                    "expected": round(float(expected), 3),
                    "allowed_deviation": round(float(allowed), 3),
                    "counts": [int(c) for c in counts],
                    "deviation": [round(float(d), 4) for d in deviation],
                    "out_of_tolerance": [bool(o) for o in out],
                }
                for name, total, expected, allowed, counts, deviation, out in zip(
                    self.rows,
                    self.totals,
                    self.expected,
                    self.allowed,
                    self.counts,
                    self.deviation,
                    self.out_of_tolerance,
                    strict=True,
                )
            ],
        }


@dataclass(frozen=True, eq=False)
class Balance:
    k: int
    tolerance: float
    annotations: Table  # per class
    images: Table  # images containing each class
    box_sizes: Table  # annotations per COCO size bucket
    fold_sizes: Table  # images and annotations per fold

    @property
    def tables(self) -> tuple[Table, ...]:
        return (self.annotations, self.images, self.box_sizes, self.fold_sizes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "tolerance": self.tolerance,
            "tables": [table.to_dict() for table in self.tables],
        }


def compute_balance(assignment: FoldAssignment, tolerance: float) -> Balance:
    """Balance of the images assigned to folds 0..k-1 (images with fold -1 are left out)."""
    dataset, fold_of_image, k = assignment.dataset, assignment.fold_of_image, assignment.k
    group_of_image = assignment.groups.of_image
    names = dataset.category_names
    ann_fold = fold_of_image[dataset.ann_image]
    pair_image, pair_class = dataset.image_class_pairs

    def table(
        title: str, rows: tuple[str, ...], row: np.ndarray, fold: np.ndarray, group: np.ndarray
    ) -> Table:
        inside = fold >= 0
        row, fold, group = row[inside], fold[inside], group[inside]
        counts = np.bincount(row * k + fold, minlength=len(rows) * k).reshape(len(rows), k)
        return Table(
            title,
            rows,
            counts.astype(np.float64),
            _allowed(counts, row, group, len(rows), tolerance),
        )

    ann_group = group_of_image[dataset.ann_image]
    sized = dataset.ann_size >= 0
    image_rows = np.zeros(dataset.n_images, dtype=np.intp)
    ann_rows = np.ones(dataset.n_annotations, dtype=np.intp)
    size_row = np.concatenate([image_rows, ann_rows])
    size_fold = np.concatenate([fold_of_image, ann_fold])
    size_group = np.concatenate([group_of_image, ann_group])
    return Balance(
        k,
        tolerance,
        table("annotations per class", names, dataset.ann_class, ann_fold, ann_group),
        table(
            "images per class",
            names,
            pair_class,
            fold_of_image[pair_image],
            group_of_image[pair_image],
        ),
        table(
            "annotations per box size",
            tuple(name for name, _ in SIZE_BUCKETS),
            dataset.ann_size[sized],
            ann_fold[sized],
            ann_group[sized],
        ),
        table("fold size", ("images", "annotations"), size_row, size_fold, size_group),
    )


def _allowed(
    counts: np.ndarray, row: np.ndarray, group: np.ndarray, n_rows: int, tolerance: float
) -> np.ndarray:
    expected = counts.sum(axis=1) / counts.shape[1]
    largest_group = np.zeros(n_rows)
    if len(row):
        pairs, per_pair = np.unique(
            row.astype(np.int64) * (int(group.max()) + 1) + group, return_counts=True
        )
        np.maximum.at(largest_group, pairs // (int(group.max()) + 1), per_pair)
    allowed: np.ndarray = np.maximum(tolerance * expected, largest_group)
    return allowed
