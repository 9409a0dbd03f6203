"""What each fold and the held-out test set hold, side by side: the counts a report shows
beside the balance tables (which judge folds only, so they leave the held-out set out)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foldcheck.core.assignment import FoldAssignment
from foldcheck.core.dataset import SIZE_BUCKETS

OVERVIEW_ROWS = ("images", "boxes", "groups", *(f"{name} boxes" for name, _ in SIZE_BUCKETS))


@dataclass(frozen=True, eq=False)
class Overview:
    """Counts per column: folds 0..k-1, then the held-out set (always present, maybe empty).

    ``sizes`` is [len(OVERVIEW_ROWS), k + 1]; ``held_boxes`` and ``held_images`` are the
    held-out set's annotations and images per class (the balance tables' held-out column).
    """

    k: int
    sizes: np.ndarray  # int64 [rows, k + 1]
    held_boxes: np.ndarray  # int64 [classes]
    held_images: np.ndarray  # int64 [classes]


def fold_overview(assignment: FoldAssignment) -> Overview:
    dataset, k = assignment.dataset, assignment.k
    # Column of each image: its fold, k for a held-out image, -1 for one in neither.
    column = assignment.fold_of_row.astype(np.int64)
    column[assignment.holdout_rows] = k
    placed = column >= 0
    columns = k + 1

    def per_column(cols: np.ndarray) -> np.ndarray:
        counted: np.ndarray = np.bincount(cols[cols >= 0], minlength=columns)
        return counted

    ann_column = column[dataset.ann_image]
    images = per_column(column)
    if assignment.groups.count == dataset.n_images:  # one image per group: no search needed
        groups = images
    else:  # the distinct (group, column) cells, counted per column
        cells = np.unique(
            assignment.groups.of_image[placed].astype(np.int64) * columns + column[placed]
        )
        groups = per_column(cells % columns)
    # Boxes per size bucket and column in one count: bucket * columns + column (an unsized
    # box, bucket -1, and a box in no column fall below 0 and are left out).
    sized = dataset.ann_size
    cell = np.where((sized >= 0) & (ann_column >= 0), sized * columns + ann_column, -1)
    buckets = np.bincount(cell[cell >= 0], minlength=len(SIZE_BUCKETS) * columns)
    sizes = np.concatenate(
        [
            np.stack([images, per_column(ann_column), groups]),
            buckets.reshape(len(SIZE_BUCKETS), columns),
        ]
    )
    held_ann = ann_column == k
    pair_image, pair_class = dataset.image_class_pairs
    return Overview(
        k,
        sizes.astype(np.int64),
        np.bincount(dataset.ann_class[held_ann], minlength=dataset.n_classes),
        np.bincount(pair_class[column[pair_image] == k], minlength=dataset.n_classes),
    )
