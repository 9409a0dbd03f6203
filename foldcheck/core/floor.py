"""The balance floor: the least relative deviation any group-respecting split must pay.

For a row (a class, a size bucket, a fold-size count) with total n over K folds, each fold's
equal share is e = n / K, and a split's deviation of the row is max over folds of
|count - e| / e. Two things no split can beat:

* rounding: counts are integers summing to n, so when e is fractional some fold holds at
  least ceil(e) and some at most floor(e): deviation >= max(ceil(e) - e, e - floor(e)) / e;
* the largest group: the fold holding a group holds at least its m items of the row:
  deviation >= (m - e) / e.

The floor is the larger of the two. It is a bound, not the optimum: a row at the floor is as
even as it can be; one above it may or may not be improvable. ``bench/scoring.py`` scores
against this same function.
"""

from __future__ import annotations

import numpy as np

# A worst deviation within this of the floor counts as at it (float rounding only: counts
# are integers, so a real gap is at least 1 / e).
AT_FLOOR_SLACK = 1e-9


def deviation_floor(expected: np.ndarray, largest: np.ndarray) -> np.ndarray:
    """[rows]: the relative deviation floor of rows with these equal shares (total / K) and
    largest single-group counts; 0 where nothing is expected."""
    expected = np.asarray(expected, dtype=np.float64)
    rounding = np.maximum(np.ceil(expected) - expected, expected - np.floor(expected))
    absolute = np.maximum(rounding, np.asarray(largest, dtype=np.float64) - expected)
    floor: np.ndarray = np.divide(
        absolute, expected, out=np.zeros_like(expected), where=expected > 0
    )
    return floor


def conflict_floor(
    ann_expected: np.ndarray,
    img_expected: np.ndarray,
    crowded_boxes: np.ndarray,
    crowded_images: np.ndarray,
) -> np.ndarray:
    """[classes]: a lower bound on the larger of a class's two deviations (annotations and
    images containing it) that no group-respecting split can beat, from one group of the class
    holding ``crowded_boxes`` of its boxes in ``crowded_images`` images.

    Each kind alone may be near its own floor, but not both at once when a group packs many
    boxes into few images (coco-half seed 11: one image holds 119 of a class's 614 boxes): the
    fold holding that group gets I >= i of the class's images, and every image beyond the
    group's own brings at least one box, so it gets B >= b + (I - i) boxes. The image deviation
    |I - e_img| / e_img falls as I grows to e_img while the box excess (b + I - i - e_ann) / e_ann
    rises, so the least of the larger of the two is where they cross: checking the integers
    either side of the crossing and either side of e_img finds it.
    """
    e_ann = np.asarray(ann_expected, dtype=np.float64)
    e_img = np.asarray(img_expected, dtype=np.float64)
    boxes = np.asarray(crowded_boxes, dtype=np.float64)
    images = np.asarray(crowded_images, dtype=np.float64)
    valid = (e_ann > 0) & (e_img > 0) & (images > 0)
    safe_ann = np.where(valid, e_ann, 1.0)
    safe_img = np.where(valid, e_img, 1.0)
    extra = boxes - images  # boxes beyond one per image: what crowding adds
    # (e_img - I) / e_img = (extra + I - e_ann) / e_ann, solved for I
    crossing = (safe_img * safe_ann - safe_img * (extra - safe_ann)) / (safe_ann + safe_img)
    best = np.full(e_ann.shape, np.inf)
    for candidate in (
        np.floor(crossing),
        np.ceil(crossing),
        np.floor(safe_img),
        np.ceil(safe_img),
    ):
        held = np.maximum(candidate, images)  # the fold holds at least the group's images
        image_dev = np.abs(held - safe_img) / safe_img
        box_dev = np.maximum(extra + held - safe_ann, 0.0) / safe_ann
        best = np.minimum(best, np.maximum(image_dev, box_dev))
    floor: np.ndarray = np.where(valid, best, 0.0)
    return floor


def most_crowded(
    group: np.ndarray, cls: np.ndarray, boxes: np.ndarray, n_classes: int, by_image: bool
) -> tuple[np.ndarray, np.ndarray]:
    """[classes] x 2: the boxes and images of each class's most crowded group (the most boxes
    beyond one per image; of those, the most images), from (image, class) pairs with their
    box counts and the group of each pair's image (``by_image``: each group is one image)."""
    if by_image:  # the pairs are the (group, class) cells already
        images = np.ones(len(cls), np.int64)
    else:
        keys, where = np.unique(group.astype(np.int64) * n_classes + cls, return_inverse=True)
        boxes = np.bincount(where, weights=boxes, minlength=len(keys)).astype(np.int64)
        images = np.bincount(where, minlength=len(keys))
        cls = keys % n_classes
    return most_crowded_cells(cls, boxes, images, n_classes)


def most_crowded_cells(
    cls: np.ndarray, boxes: np.ndarray, images: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """``most_crowded`` from (group, class) cells: each cell's class, its boxes and its
    images containing the class."""
    extra = boxes - images
    most = np.full(n_classes, -1, np.int64)
    np.maximum.at(most, cls, extra)
    top = extra == most[cls]
    crowded_images = np.zeros(n_classes, np.int64)
    np.maximum.at(crowded_images, cls[top], images[top])
    return np.maximum(most, 0) + crowded_images, crowded_images
