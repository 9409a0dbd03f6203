"""What each fold and the held-out test set hold, side by side: the counts a report shows
beside the balance tables (which judge folds only, so they leave the held-out set out).

Every count is made once per column (folds 0..k-1, then the held-out set) in one pass over
the annotations, the image-class pairs or the images: the balance tables read their fold
columns from the same counts (``ColumnCounts``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foldcheck.core.assignment import FoldAssignment
from foldcheck.core.dataset import SIZE_BUCKETS
from foldcheck.core.distinct import distinct

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


@dataclass(frozen=True, eq=False)
class ColumnCounts:
    """Per row and column (folds 0..k-1, then the held-out set), int64."""

    k: int
    class_boxes: np.ndarray  # [classes, k + 1]: annotations of each class
    class_images: np.ndarray  # [classes, k + 1]: images containing each class
    size_boxes: np.ndarray  # [SIZE_BUCKETS, k + 1]: annotations of each COCO size bucket
    images: np.ndarray  # [k + 1]
    groups: np.ndarray  # [k + 1]: the groups with an image in the column

    @property
    def boxes(self) -> np.ndarray:
        """[k + 1]: annotations (every annotation has a class)."""
        boxes: np.ndarray = self.class_boxes.sum(axis=0)
        return boxes

    def overview(self) -> Overview:
        sizes = np.concatenate([np.stack([self.images, self.boxes, self.groups]), self.size_boxes])
        return Overview(
            self.k,
            sizes.astype(np.int64),
            self.class_boxes[:, self.k],
            self.class_images[:, self.k],
        )


def column_counts(assignment: FoldAssignment) -> ColumnCounts:
    dataset, k = assignment.dataset, assignment.k
    columns = k + 1
    # Column of each image: its fold, k for a held-out image, -1 for one in neither (a byte
    # when it fits: each per-pair copy is then 1 byte, not 8).
    column = assignment.fold_of_row.astype(np.int8 if columns < 127 else np.intp)
    column[assignment.holdout_rows] = k
    placed = column >= 0
    every = bool(placed.all())  # the usual case: no entry to leave out

    pair_image, pair_class, per_pair = dataset.image_class_counts
    image_column = column if every else column[placed]
    images = np.bincount(image_column, minlength=columns)
    if assignment.groups.count == dataset.n_images:  # one image per group: no search needed
        groups = images
    else:  # the distinct (group, column) cells, counted per column
        cells = distinct(
            assignment.groups.of_image[placed].astype(np.int64) * columns + column[placed]
        )
        groups = np.bincount(cells % columns, minlength=columns)
    # A class's images and its boxes from the image-class pairs and their box counts, the
    # size buckets from each image's: a fraction of the annotations (the pairs are 0.23 of
    # them in Open Images' shape) to go over.
    pair_column = column[pair_image]
    if not every:
        in_column = pair_column >= 0
        pair_class, per_pair, pair_column = (
            pair_class[in_column],
            per_pair[in_column],
            pair_column[in_column],
        )
    cells = np.multiply(pair_class, columns, dtype=np.intp)  # made in place: no second column
    cells += pair_column
    shape, n_cells = (dataset.n_classes, columns), dataset.n_classes * columns
    class_images = np.bincount(cells, minlength=n_cells).reshape(shape)
    # float64 sums of integers: exact below 2**53
    class_boxes = np.bincount(cells, per_pair, minlength=n_cells).reshape(shape)
    image_sizes = dataset.image_size_counts if every else dataset.image_size_counts[placed]
    size_boxes = np.stack(
        [
            np.bincount(image_column, image_sizes[:, bucket], minlength=columns)
            for bucket in range(len(SIZE_BUCKETS))
        ]
    ).astype(np.int64)
    return ColumnCounts(
        k,
        class_boxes.astype(np.int64),
        class_images.astype(np.int64),
        size_boxes,
        images.astype(np.int64),
        groups.astype(np.int64),
    )
