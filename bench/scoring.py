"""Score a fold-per-image array: class balance, group leakage, dropped images, fold sizes.

Two kinds of per-class count are scored alike: ``ann``, the annotations of class c, and
``img``, the images containing c. For a class with n_c counted items and e_c = n_c / K,

    dev_c = max over folds f of |n_fc - e_c| / e_c,

and a split's score is the worst dev_c over classes with n_c >= MIN_CLASS_COUNT. Items of
images placed in no fold count toward n_c but toward no fold: they are lost, and it shows.

The floor is a lower bound on dev_c that every split keeping each group in one fold must pay:

* rounding: the fold counts are integers summing to n_c, so when e_c is fractional some fold
  holds at least ceil(e_c) and some fold at most floor(e_c):
  dev_c >= max(ceil(e_c) - e_c, e_c - floor(e_c)) / e_c;
* the largest group: the fold holding group j holds at least its g_cj items of class c:
  dev_c >= (max_j g_cj - e_c) / e_c.

The floor of a class is the larger of the two (``foldcheck.core.floor``, the function the
balance tables and ``check`` use); the reported floor is the worst over the same
eligible classes, so a method's score can be compared against it directly.

Each kind's floor holds alone, but where a group packs many of a class's boxes into few images
the two kinds cannot both reach theirs: ``conflict_floor`` bounds the larger of the two
deviations. A split's *over target* ratio for a kind is the worst over eligible classes of
dev_c / max(F, t_c): F is the kind's floor as above (worst over classes), t_c the class's own
floor raised to its conflict floor. A class is judged against its own conflict only, so one
crowded rare class cannot lift every other class's bar. The conflict floor is over the splits
``check`` accepts at the tolerance the splits are made for (CHECK_TOLERANCE), as the balance
tables give it: split writes no other where one exists.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

import procs  # noqa: F401  (puts this checkout first on sys.path, for foldcheck.core.floor)
from columns import Columns

MIN_CLASS_COUNT = 50
# check's default tolerance, which the bench's splits run with (foldcheck.config)
CHECK_TOLERANCE = 0.1


class Items(NamedTuple):
    """Counted items (annotations, or image x class presences) by their image and class."""

    image: np.ndarray  # intp [items]
    cls: np.ndarray  # intp [items]


class Scores(NamedTuple):
    ann: float  # worst relative deviation of per-fold annotation counts, eligible classes
    img: float  # the same for per-fold counts of images containing the class
    leaked_groups: int  # groups whose images land in more than one fold
    dropped_images: int  # images placed in no fold
    image_spread: float  # max |images in fold - n_images / K| / (n_images / K)
    ann_spread: float  # the same for annotations
    ann_over_target: float  # worst dev_c / max(floor, the class's conflict-raised floor)
    img_over_target: float


class Floor(NamedTuple):
    ann: float  # each kind's own floor, worst over eligible classes
    img: float
    conflict: float  # the highest conflict floor above both of its class's own floors (or 0)


def items_by_kind(columns: Columns) -> dict[str, Items]:
    pairs = np.unique(columns.ann_image.astype(np.int64) * columns.n_classes + columns.ann_class)
    presence = Items(
        (pairs // columns.n_classes).astype(np.intp), (pairs % columns.n_classes).astype(np.intp)
    )
    return {"ann": Items(columns.ann_image, columns.ann_class), "img": presence}


def score(columns: Columns, fold_of_image: np.ndarray, k: int) -> Scores:
    if fold_of_image.shape != (columns.n_images,):
        raise ValueError(f"expected {columns.n_images} folds, got shape {fold_of_image.shape}")
    if fold_of_image.size and not -1 <= fold_of_image.min() <= fold_of_image.max() < k:
        raise ValueError(f"fold values outside -1..{k - 1}")
    kinds = items_by_kind(columns)
    placed = fold_of_image >= 0
    targets = class_targets(columns, k)
    deviations = {
        kind: _class_deviations(kinds[kind], fold_of_image, k, columns.n_classes)
        for kind in ("ann", "img")
    }

    def over_target(kind: str) -> float:
        floor, target, totals = targets[kind]
        bar = np.maximum(_worst(floor, totals), target)
        return _worst(deviations[kind] / np.maximum(bar, 1e-300), totals)

    return Scores(
        ann=_worst(deviations["ann"], targets["ann"][2]),
        img=_worst(deviations["img"], targets["img"][2]),
        leaked_groups=_leaked_groups(columns.image_group[placed], fold_of_image[placed], k),
        dropped_images=int(np.count_nonzero(~placed)),
        image_spread=_spread(fold_of_image, k),
        ann_spread=_spread(fold_of_image[columns.ann_image], k),
        ann_over_target=over_target("ann"),
        img_over_target=over_target("img"),
    )


def floor(columns: Columns, k: int) -> Floor:
    targets = class_targets(columns, k)
    (ann_floor, ann_target, ann_totals), (img_floor, img_target, img_totals) = (
        targets["ann"],
        targets["img"],
    )
    conflicted = (ann_target > ann_floor) & (img_target > img_floor)
    return Floor(
        ann=_worst(ann_floor, ann_totals),
        img=_worst(img_floor, img_totals),
        conflict=_worst(np.where(conflicted, ann_target, 0.0), ann_totals),
    )


def class_targets(columns: Columns, k: int) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per kind, [classes] x 3: each class's floor, that floor raised to the class's conflict
    floor (``foldcheck.core.floor``), and the class's count of the kind (eligibility)."""
    from foldcheck.core.floor import class_cells, conflict_floor

    kinds = items_by_kind(columns)
    floors = {
        kind: _class_floors(kinds[kind], columns.image_group, k, columns.n_classes)
        for kind in ("ann", "img")
    }
    (ann_floor, ann_totals, ann_largest), (img_floor, img_totals, img_largest) = (
        floors["ann"],
        floors["img"],
    )
    presence = kinds["img"]
    boxes = np.unique(  # boxes of each (image, class) pair, in the pairs' order
        columns.ann_image.astype(np.int64) * columns.n_classes + columns.ann_class,
        return_counts=True,
    )[1]
    cells = class_cells(
        columns.image_group[presence.image],
        presence.cls,
        boxes,
        columns.n_classes,
        by_image=len(np.unique(columns.image_group)) == columns.n_images,
    )
    # over the splits check accepts at the tolerance split aims for (conflict_floor)
    allowed = tuple(
        np.maximum(CHECK_TOLERANCE * totals / k, largest)
        for totals, largest in ((ann_totals, ann_largest), (img_totals, img_largest))
    )
    joint = conflict_floor(ann_totals / k, img_totals / k, cells, allowed)
    return {
        "ann": (ann_floor, np.maximum(ann_floor, joint), ann_totals),
        "img": (img_floor, np.maximum(img_floor, joint), img_totals),
    }


def _worst(per_class: np.ndarray, totals: np.ndarray) -> float:
    eligible = totals >= MIN_CLASS_COUNT
    return float(per_class[eligible].max()) if eligible.any() else float("nan")


def _class_deviations(
    items: Items, fold_of_image: np.ndarray, k: int, n_classes: int
) -> np.ndarray:
    """[classes]: dev_c, the largest relative deviation of a class's per-fold count."""
    totals = np.bincount(items.cls, minlength=n_classes)
    fold = fold_of_image[items.image]
    placed = fold >= 0
    per_fold = np.bincount(
        fold[placed] * n_classes + items.cls[placed], minlength=k * n_classes
    ).reshape(k, n_classes)
    expected = totals / k
    deviation: np.ndarray = np.abs(per_fold - expected).max(axis=0) / np.maximum(expected, 1e-300)
    return deviation


def _class_floors(
    items: Items, image_group: np.ndarray, k: int, n_classes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """[classes] x 3: each class's floor for these items, its item count and its largest
    group's count."""
    totals = np.bincount(items.cls, minlength=n_classes)
    from foldcheck.core.floor import deviation_floor  # procs put this checkout on sys.path

    keys, counts = np.unique(
        image_group[items.image].astype(np.int64) * n_classes + items.cls, return_counts=True
    )
    largest_group = np.zeros(n_classes)
    np.maximum.at(largest_group, keys % n_classes, counts)
    return deviation_floor(totals / k, largest_group), totals, largest_group


def _leaked_groups(image_group: np.ndarray, fold: np.ndarray, k: int) -> int:
    pairs = np.unique(image_group.astype(np.int64) * k + fold)
    return int(np.count_nonzero(np.bincount(pairs // k) > 1))


def _spread(fold_of_item: np.ndarray, k: int) -> float:
    """Max relative deviation of items per fold from total / K (unplaced items count in total)."""
    expected = len(fold_of_item) / k
    per_fold = np.bincount(fold_of_item[fold_of_item >= 0], minlength=k)
    return float(np.abs(per_fold - expected).max() / expected) if expected else 0.0
