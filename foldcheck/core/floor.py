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

from typing import NamedTuple

import numpy as np

# A worst deviation within this of the floor counts as at it (float rounding only: counts
# are integers, so a real gap is at least 1 / e).
AT_FLOOR_SLACK = 1e-9

# Images of a class holding this many of its boxes or more count as holding this many in the
# fewest-box fill of ``conflict_floor`` (a lower count keeps the bound valid, and the fill
# rarely reaches the crowded images).
_FILL_CAP = 64
# check refuses a count further than its allowance from the share; a count this much further
# still counts as accepted here (float rounding of the share: a wider range keeps the bound)
_ACCEPT_SLACK = 1e-9


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


class ClassCells(NamedTuple):
    """(group, class) cells: each cell's class, its boxes of the class and its images
    containing the class."""

    cls: np.ndarray
    boxes: np.ndarray
    images: np.ndarray


def conflict_floor(
    ann_expected: np.ndarray,
    img_expected: np.ndarray,
    cells: ClassCells,
    allowed: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """[classes]: a lower bound on the larger of a class's two deviations (annotations and
    images containing it) that no group-respecting split can beat, from its crowded groups.

    Each kind alone may be near its own floor, but not both at once when a group packs many
    boxes into few images (coco-half seed 11: one image holds 119 of a class's 614 boxes): the
    fold holding a group of b boxes in i images gets I >= i of the class's images, and the
    I - i beyond the group's own bring at least the boxes of the class's I - i fewest-box
    images, S(I - i) (a group's images counted at its whole boxes per image, rounded down: a
    lower bound on any images it can give), so it gets B >= b + S(I - i) boxes. The image
    deviation |I - e_img| / e_img falls as I grows to e_img while the box excess
    (B - e_ann) / e_ann rises, so the least of the larger of the two is where they cross,
    found by bisection. The group is the class's most crowded (the most boxes beyond one per
    image).

    ``allowed``: ``check``'s allowance of each class's two rows (annotations, images: how far
    from an equal share a fold's count may be), when the splits that matter are those check
    accepts (``split`` writes no other where one exists). The fold holding the group then has
    I within e_img +- the image allowance, and B within the box allowance: the bound is over
    those I alone, and over every I where no such split exists.
    """
    e_ann = np.asarray(ann_expected, dtype=np.float64)
    e_img = np.asarray(img_expected, dtype=np.float64)
    n_classes = len(e_ann)
    cls = np.asarray(cells.cls, dtype=np.intp)
    boxes = np.asarray(cells.boxes, dtype=np.int64)
    images = np.asarray(cells.images, dtype=np.int64)
    fill = _FewestBoxFill(cls, boxes, images, n_classes)
    crowded_boxes, crowded_images = _most_crowded(cls, boxes, images, n_classes)
    return _group_bound(e_ann, e_img, crowded_boxes, crowded_images, fill, allowed)


class _FewestBoxFill:
    """S_c(m): the fewest boxes of class c that m of its images can hold, from a histogram of
    its images' box counts (a group's images at its boxes per image, rounded down)."""

    def __init__(
        self, cls: np.ndarray, boxes: np.ndarray, images: np.ndarray, n_classes: int
    ) -> None:
        per_image = np.minimum(boxes // np.maximum(images, 1), _FILL_CAP - 1)
        histogram = np.bincount(
            cls * _FILL_CAP + per_image, weights=images, minlength=n_classes * _FILL_CAP
        ).reshape(n_classes, _FILL_CAP)
        self.values = np.arange(_FILL_CAP)
        zero = np.zeros((n_classes, 1))
        # [classes, value + 1]: the images (and their boxes) holding fewer than ``value`` boxes
        self.images_below = np.hstack([zero, np.cumsum(histogram, axis=1)])
        self.boxes_below = np.hstack([zero, np.cumsum(histogram * self.values, axis=1)])

    def __call__(self, cls: np.ndarray, count: np.ndarray) -> np.ndarray:
        below = self.images_below[cls]
        value = (below[:, 1:] < count[:, None]).sum(axis=1)
        rows = np.arange(len(cls))
        filled: np.ndarray = self.boxes_below[cls, value] + (count - below[rows, value]) * value
        return filled


def _most_crowded(
    cls: np.ndarray, boxes: np.ndarray, images: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """[classes] x 2: the boxes and images of each class's most crowded group (the most boxes
    beyond one per image; of those, the most images); 0 and 0 for a class no group holds."""
    extra = boxes - images
    most = np.full(n_classes, -1, np.int64)
    np.maximum.at(most, cls, extra)
    top = extra == most[cls]
    crowded_images = np.zeros(n_classes, np.int64)
    np.maximum.at(crowded_images, cls[top], images[top])
    return np.maximum(most, 0) + crowded_images, crowded_images


def _group_bound(
    e_ann: np.ndarray,
    e_img: np.ndarray,
    boxes: np.ndarray,
    images: np.ndarray,
    fill: _FewestBoxFill,
    allowed: tuple[np.ndarray, np.ndarray] | None,
) -> np.ndarray:
    """[classes]: min over the I the fold holding the group may have of max(|I - e_img| /
    e_img, (boxes + S(I - images) - e_ann)+ / e_ann) (``conflict_floor``); 0 where undefined."""
    valid = (e_ann > 0) & (e_img > 0) & (images > 0)
    cls = np.flatnonzero(valid)
    ann, img = e_ann[cls], e_img[cls]
    b, i = boxes[cls].astype(np.float64), images[cls].astype(np.float64)

    def boxes_with(held: np.ndarray) -> np.ndarray:
        filled: np.ndarray = b + fill(cls, held - i)
        return filled

    def larger(held: np.ndarray) -> np.ndarray:
        box_excess = np.maximum(boxes_with(held) - ann, 0.0) / ann
        worse: np.ndarray = np.maximum(box_excess, np.abs(held - img) / img)
        return worse

    # Past ceil(e_img) both deviations grow with I: the fold never gains from more.
    least, most = i, np.maximum(np.ceil(img), i)
    if allowed is not None:
        ann_allowed, img_allowed = allowed[0][cls], allowed[1][cls]
        least_accepted = np.maximum(i, np.ceil(img - img_allowed - _ACCEPT_SLACK))
        most_accepted = np.minimum(most, np.floor(img + img_allowed + _ACCEPT_SLACK))
        accepted = (least_accepted <= most_accepted) & (
            boxes_with(np.minimum(least_accepted, most)) <= ann + ann_allowed + _ACCEPT_SLACK
        )
        least = np.where(accepted, least_accepted, least)
        most = np.where(accepted, most_accepted, most)
    # Below e_img the image deviation falls as I grows and the box excess does not: bisect
    # for the least I in [least, floor(e_img)] where the box excess reaches it (hi: none does).
    lo, hi = least.copy(), np.maximum(np.floor(img), least - 1) + 1
    while (lo < hi).any():
        searching = lo < hi
        mid = np.where(searching, np.floor((lo + hi) / 2), least)
        crossed = np.maximum(boxes_with(mid) - ann, 0.0) / ann >= (img - mid) / img
        hi = np.where(searching & crossed, mid, hi)
        lo = np.where(searching & ~crossed, mid + 1, lo)
    best = larger(least)
    for candidate in (lo - 1, lo, np.floor(img), most):
        best = np.minimum(best, larger(np.clip(candidate, least, most)))
    floor = np.zeros(len(e_ann))
    floor[cls] = best
    return floor


def class_cells(
    group: np.ndarray, cls: np.ndarray, boxes: np.ndarray, n_classes: int, by_image: bool
) -> ClassCells:
    """The (group, class) cells of (image, class) pairs, from each pair's box count and the
    group of its image (``by_image``: each group is one image, the pairs are the cells)."""
    if by_image:
        return ClassCells(cls, boxes, np.ones(len(cls), np.int64))
    keys, where = np.unique(group.astype(np.int64) * n_classes + cls, return_inverse=True)
    cell_boxes = np.bincount(where, weights=boxes, minlength=len(keys)).astype(np.int64)
    return ClassCells(keys % n_classes, cell_boxes, np.bincount(where, minlength=len(keys)))
