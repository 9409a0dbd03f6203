"""COCO lint rules FC501-FC518: annotation records that training or evaluation code chokes on.

Each rule's docstring says which framework crashes or miscounts, and how: ``error`` is for
what crashes or silently changes a count, ``warning`` for what is suspicious but harmless.
Every rule is numpy over the annotation columns; Python runs only per reported record.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property, lru_cache

import numpy as np

from foldcheck.checks.lint import Hits, LintSettings, lint_rule
from foldcheck.formats.coco.lint import (
    BAD_LENGTH,
    MISSING,
    OK,
    SEG_BAD,
    SEG_POLYGONS,
    SEG_RLE,
    SEG_RLE_COMPRESSED,
    LintTable,
)

AREA_SLACK = 0.10  # relative: pycocotools rasterises polygons, the shoelace does not


class Boxes:
    """Box geometry shared by several rules, computed once per table. Most boxes lie wholly
    inside their image and are a pixel wide and high at least: FC508-FC511 flag none of them
    (FC511's tolerance is >= 0), so those rules look only at the other usable boxes, the
    ``rows`` whose geometry is kept here."""

    def __init__(self, t: LintTable) -> None:
        c = t.lint
        x, y, w, h = c.bbox.T
        image_w, image_h = c.image_width[t.ann_image], c.image_height[t.ann_image]
        with np.errstate(invalid="ignore"):
            plain = (x >= 0) & (y >= 0) & (w >= 1) & (h >= 1)
            plain &= (x + w <= image_w) & (y + h <= image_h)  # NaN (no image size): not plain
        usable = c.bbox_state == OK
        self.rows = rows = np.flatnonzero(usable & ~plain)
        self.x, self.y, self.w, self.h = x[rows], y[rows], w[rows], h[rows]
        self.image_w, self.image_h = image_w[rows], image_h[rows]
        with np.errstate(invalid="ignore"):
            self.positive = (self.w > 0) & (self.h > 0)  # of ``rows``
        self.all_positive = usable  # of every annotation: usable and width, height > 0
        self.all_positive[rows] = self.positive

    @cached_property
    def centre_outside(self) -> np.ndarray:
        """Of ``rows``: a positive box whose centre lies outside its image."""
        cx, cy = self.x + self.w / 2, self.y + self.h / 2
        with np.errstate(invalid="ignore"):
            outside = (cx < 0) | (cy < 0) | (cx > self.image_w) | (cy > self.image_h)
        centre_outside: np.ndarray = self.positive & outside
        return centre_outside

    def hits(self, mask: np.ndarray, describe: Callable[[int], str]) -> Hits:
        """The annotations of the ``rows`` that ``mask`` (one bool per row) flags."""
        return Hits("annotations", self.rows[mask], describe)


@lru_cache(maxsize=2)
def boxes(t: LintTable) -> Boxes:
    return Boxes(t)


def ann_name(t: LintTable, row: int) -> str:
    if t.lint.ann_id_state[row] == OK:
        return f"annotation {int(t.lint.ann_id[row])}"
    return f"$.annotations[{row}]"  # no usable id: its place in the list


def _hits(mask: np.ndarray, describe: Callable[[int], str]) -> Hits:
    return Hits.where("annotations", mask, describe)


def repeats(keys: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose key equals an earlier valid row's, in file order, and that earlier row
    (the first with the key). One sort of the keys; the common no-repeat case ends there."""
    rows = np.flatnonzero(valid)
    none = np.zeros(0, np.intp), np.zeros(0, np.intp)
    if len(rows) < 2:
        return none
    valid_keys = keys[rows]
    if valid_keys.dtype.kind in "iu" and (valid_keys[1:] > valid_keys[:-1]).all():
        return none  # ids as most files number them: rising, no sort needed
    sorted_keys = np.sort(valid_keys)  # no argsort: most files repeat no key
    same = sorted_keys[1:] == sorted_keys[:-1]
    if not same.any():
        return none
    # Only the keys that repeat: sort those rows by (key, row) to find each key's first row.
    repeated = np.unique(sorted_keys[1:][same])
    involved = rows[np.isin(keys[rows], repeated)]
    involved = involved[np.lexsort((involved, keys[involved]))]
    k = keys[involved]
    return _later_and_first(involved, np.concatenate([[True], k[1:] != k[:-1]]))


def _later_and_first(ordered: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Of rows sorted into groups of equal ones, each group's first row leading (``starts``
    marks it): the later rows in file order, and the first row of each one's group."""
    first = ordered[np.maximum.accumulate(np.where(starts, np.arange(len(ordered)), 0))]
    later, first = ordered[~starts], first[~starts]
    by_file = np.argsort(later, kind="stable")
    return later[by_file], first[by_file]


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else float(value)


def fmt_box(box: np.ndarray) -> str:
    return "[" + ", ".join(f"{_num(v)}" for v in box.tolist()) + "]"


def _fmt_size(t: LintTable, row: int) -> str:
    image = int(t.ann_image[row])
    return f"{_num(float(t.lint.image_width[image]))}x{_num(float(t.lint.image_height[image]))}"


@lint_rule("FC501", "duplicate-annotation-id", "error", "two annotations share one id")
def duplicate_ids(t: LintTable, s: LintSettings) -> Hits:
    """pycocotools' ``COCO()`` indexes annotations by id and keeps one of them: measured,
    ``len(coco.anns)`` is short and the AP of perfect detections drops below 1.
    MMDetection's ``CocoDataset`` and Detectron2's ``load_coco_json`` assert that ids are
    unique. ``--fix`` gives the later ones new ids."""
    c = t.lint
    return Hits.repeated(
        "annotations",
        repeats(c.ann_id, c.ann_id_state == OK),
        lambda row, first: (
            f"annotation {int(c.ann_id[row])} repeats the id of"
            f" $.annotations[{first}]; pycocotools' COCO() keeps only one of them"
        ),
    )


@lint_rule("FC502", "annotation-id-invalid", "error", "an annotation without an integer id")
def invalid_ids(t: LintTable, s: LintSettings) -> Hits:
    """pycocotools' ``COCO()`` reads ``ann['id']`` of every annotation: a missing id raises
    ``KeyError('id')``; a string breaks ``COCOeval``. ``--fix`` numbers them."""
    c = t.lint
    return _hits(
        c.ann_id_state != OK,
        lambda row: (
            f"{ann_name(t, row)} has "
            + ('no "id"' if c.ann_id_state[row] == MISSING else 'an "id" that is not an integer')
            + "; pycocotools' COCO() indexes annotations by id"
        ),
    )


@lint_rule("FC503", "bbox-missing", "error", 'an annotation without "bbox"')
def bbox_missing(t: LintTable, s: LintSettings) -> Hits:
    """``COCOeval`` (bbox) reads ``g['bbox']`` of every ground truth (``KeyError``); so do
    MMDetection's ``parse_data_info`` and Ultralytics' ``convert_coco``."""
    return _hits(
        t.lint.bbox_state == MISSING,
        lambda row: f"{ann_name(t, row)} has no \"bbox\"; COCOeval raises KeyError('bbox')",
    )


@lint_rule("FC504", "bbox-malformed", "error", '"bbox" is not a list of four numbers')
def bbox_malformed(t: LintTable, s: LintSettings) -> Hits:
    """Three numbers make ``COCOeval`` raise ("list input can be bounding box (Nx4) or
    RLEs"), ``null`` raises ``TypeError``; numbers written as strings pass pycocotools but
    break MMDetection (``x1 + w``) and torchvision's tensors."""
    c = t.lint

    def describe(row: int) -> str:
        what = "does not have 4 items" if c.bbox_state[row] == BAD_LENGTH else "is not 4 numbers"
        return f'{ann_name(t, row)}: "bbox" {what}; COCOeval cannot compute its IoU'

    return _hits((c.bbox_state != OK) & (c.bbox_state != MISSING), describe)


@lint_rule("FC505", "area-missing", "error", 'an annotation without "area"')
def area_missing(t: LintTable, s: LintSettings) -> Hits:
    """``COCOeval.evaluateImg`` compares ``g['area']`` with each area range: ``KeyError``.
    MMDetection's ``parse_data_info`` reads it too. ``--fix`` fills it from the polygons or
    the box."""
    return _hits(
        t.lint.area_state == MISSING,
        lambda row: f"{ann_name(t, row)} has no \"area\"; COCOeval raises KeyError('area')",
    )


@lint_rule("FC506", "iscrowd-missing", "error", 'an annotation without "iscrowd"')
def iscrowd_missing(t: LintTable, s: LintSettings) -> Hits:
    """``COCOeval.computeIoU`` reads ``int(o['iscrowd'])`` of every ground truth:
    ``KeyError``. ``--fix`` sets ``"iscrowd": 0``."""
    return _hits(
        t.lint.iscrowd_state == MISSING,
        lambda row: f"{ann_name(t, row)} has no \"iscrowd\"; COCOeval raises KeyError('iscrowd')",
    )


@lint_rule("FC507", "iscrowd-invalid", "error", '"iscrowd" is not 0 or 1')
def iscrowd_invalid(t: LintTable, s: LintSettings) -> Hits:
    """``COCOeval`` ignores a ground truth whose ``iscrowd`` is truthy: the string ``"0"``,
    ``2`` or ``0.5`` silently turn an object into an ignored crowd region (a detector that
    misses it is not penalised); ``null`` raises ``TypeError`` in ``int()``."""
    c = t.lint
    bad = (c.iscrowd_state != OK) & (c.iscrowd_state != MISSING)
    bad |= (c.iscrowd_state == OK) & (c.iscrowd != 0) & (c.iscrowd != 1)
    return _hits(
        bad,
        lambda row: (
            f'{ann_name(t, row)}: "iscrowd" is not 0 or 1; COCOeval takes any truthy'
            " value for a crowd region and ignores the object"
        ),
    )


@lint_rule("FC508", "box-not-positive", "error", "a box with width or height <= 0")
def box_not_positive(t: LintTable, s: LintSettings) -> Hits:
    """torchvision's detection models assert "All bounding boxes should have positive height
    and width"; MMDetection and Ultralytics' ``convert_coco`` drop the box; in ``COCOeval``
    no detection can match it (measured: one zero-width box among 8 lowers the AP of perfect
    detections to 0.78). ``--fix`` drops it."""
    b = boxes(t)
    return b.hits(
        ~b.positive,
        lambda row: (
            f"{ann_name(t, row)}: box {fmt_box(t.lint.bbox[row])} has width or"
            " height <= 0; torchvision refuses it, MMDetection drops it"
        ),
    )


@lint_rule("FC509", "box-under-one-pixel", "error", "a box under 1 pixel wide or high")
def box_under_one_pixel(t: LintTable, s: LintSettings) -> Hits:
    """MMDetection's ``CocoDataset.parse_data_info`` silently drops boxes with ``w < 1`` or
    ``h < 1``: pycocotools evaluates the object, MMDetection never trains on it.
    ``--fix`` drops it."""
    b = boxes(t)
    return b.hits(
        b.positive & ((b.w < 1) | (b.h < 1)),
        lambda row: (
            f"{ann_name(t, row)}: box {fmt_box(t.lint.bbox[row])} is under 1 pixel"
            " wide or high; MMDetection drops it silently"
        ),
    )


@lint_rule("FC510", "box-outside-image", "error", "a box whose centre lies outside its image")
def box_outside_image(t: LintTable, s: LintSettings) -> Hits:
    """MMDetection drops a box that does not overlap its image; Ultralytics rejects *every*
    label of an image with a normalised box centre beyond 1.01 or below -0.01 ("non-normalized
    or out of bounds coordinates"). ``--fix`` clips the box, and drops it if under a pixel is
    left."""
    b = boxes(t)
    return b.hits(
        b.centre_outside,
        lambda row: (
            f"{ann_name(t, row)}: box {fmt_box(t.lint.bbox[row])} has its centre"
            f" outside its {_fmt_size(t, row)} image; Ultralytics drops every label of the image"
        ),
    )


@lint_rule("FC511", "box-beyond-image", "warning", "a box reaching beyond its image")
def box_beyond_image(t: LintTable, s: LintSettings) -> Hits:
    """A box reaching more than ``--box-tolerance`` pixels (default 1) past the image edge:
    Detectron2 and torchvision clip it while training, but ``COCOeval`` compares the
    unclipped ground truth with (usually clipped) detections, so the IoU is lower than it
    looks. ``--fix`` clips it."""
    b, tol = boxes(t), s.box_tolerance
    with np.errstate(invalid="ignore"):
        beyond = (b.x < -tol) | (b.y < -tol)
        beyond |= (b.x + b.w > b.image_w + tol) | (b.y + b.h > b.image_h + tol)
    return b.hits(
        b.positive & beyond & ~b.centre_outside,
        lambda row: (
            f"{ann_name(t, row)}: box {fmt_box(t.lint.bbox[row])} reaches beyond its"
            f" {_fmt_size(t, row)} image (tolerance {tol:g} px)"
        ),
    )


@lint_rule("FC512", "area-not-positive", "error", '"area" is zero or negative')
def area_not_positive(t: LintTable, s: LintSettings) -> Hits:
    """``COCOeval`` ignores a ground truth whose area lies outside the area range, and every
    range starts at 0: a negative area hides the object from evaluation. MMDetection drops
    annotations with ``area <= 0``. ``--fix`` recomputes it from the polygons or the box."""
    c = t.lint
    with np.errstate(invalid="ignore"):
        bad = (c.area_state == OK) & (c.area <= 0)
    return _hits(
        bad,
        lambda row: (
            f'{ann_name(t, row)}: "area" is {_num(c.area[row])};'
            + (
                " COCOeval ignores the object in every area range"
                if c.area[row] < 0
                else " MMDetection drops the annotation"
            )
        ),
    )


@lint_rule("FC513", "area-mismatch", "warning", '"area" is far from the box and mask area')
def area_mismatch(t: LintTable, s: LintSettings) -> Hits:
    """``area`` decides COCO's small/medium/large buckets (APs, APm, APl). It is the mask
    area, or, in detection-only files, the box area (what ``loadRes`` gives detections). An
    area over the box's, or far from both the mask's (the polygons', or the pixels of an RLE
    as ``pycocotools.mask.area`` counts them) and the box's, puts the object in the wrong
    bucket."""
    c = t.lint
    box_area = c.bbox[:, 2] * c.bbox[:, 3]
    rle = (c.seg_kind == SEG_RLE) | (c.seg_kind == SEG_RLE_COMPRESSED)
    masked = rle | (c.seg_kind == SEG_POLYGONS)
    mask_area = c.poly_area  # read only where masked
    with np.errstate(invalid="ignore"):
        usable = (c.area_state == OK) & boxes(t).all_positive & (c.area > 0)
        bad = usable & (c.area > box_area * (1 + AREA_SLACK) + 1)
        if masked.any():  # detection-only files have no mask to compare with
            mask_area = np.where(rle, c.rle_area, c.poly_area)
            masked &= usable & ~np.isnan(mask_area)
            near_box = np.abs(c.area - box_area) <= AREA_SLACK * box_area + 1
            near_mask = np.abs(c.area - mask_area) <= AREA_SLACK * mask_area + 1
            bad |= masked & ~near_box & ~near_mask

    def describe(row: int) -> str:
        text = f'{ann_name(t, row)}: "area" {_num(c.area[row])}, but its box\'s is'
        text += f" {box_area[row]:.6g}"
        if masked[row]:
            whose = "mask's (RLE)" if rle[row] else "polygons'"
            text += f" and its {whose} {mask_area[row]:.6g}"
        return text + "; COCO's size buckets (APs/APm/APl) use it"

    return _hits(bad, describe)


@lint_rule("FC514", "polygon-too-few-points", "error", "a polygon with fewer than 3 points")
def polygon_too_few(t: LintTable, s: LintSettings) -> Hits:
    """pycocotools' ``frPyObjects`` raises on a polygon of 1 or 2 points (segm evaluation
    and ``annToMask`` crash); Detectron2's ``load_coco_json`` drops such polygons, and the
    whole instance when none is left."""
    c = t.lint
    bad = (c.seg_kind == SEG_POLYGONS) & (c.poly_count > 0) & (c.poly_min_coords < 6)
    return _hits(
        bad,
        lambda row: (
            f"{ann_name(t, row)} has a polygon of {int(c.poly_min_coords[row]) // 2}"
            " point(s); pycocotools cannot rasterise it and Detectron2 drops it"
        ),
    )


@lint_rule(
    "FC515", "polygon-odd-coordinates", "error", "a polygon with an odd number of coordinates"
)
def polygon_odd(t: LintTable, s: LintSettings) -> Hits:
    """A polygon is x, y pairs: pycocotools silently drops the last number, so another mask is
    evaluated (measured: AP 0.80 on perfect detections); Detectron2 drops the polygon."""
    c = t.lint
    return _hits(
        (c.seg_kind == SEG_POLYGONS) & c.poly_odd,
        lambda row: (
            f"{ann_name(t, row)} has a polygon with an odd number of coordinates;"
            " pycocotools drops the last one"
        ),
    )


@lint_rule("FC516", "rle-size-mismatch", "error", "an RLE mask whose size is not its image's")
def rle_size_mismatch(t: LintTable, s: LintSettings) -> Hits:
    """An RLE's ``size`` is [height, width] of the image it masks, and pycocotools decodes
    the mask with it: a transposed or stale size gives another mask than the one drawn."""
    c = t.lint
    rle = (c.seg_kind == SEG_RLE) | (c.seg_kind == SEG_RLE_COMPRESSED)
    rows = np.flatnonzero(rle)
    size = np.stack([c.image_height, c.image_width], axis=1)[t.ann_image[rows]]  # [h, w]
    bad = (c.rle_size[rows] != size).any(axis=1)

    def describe(row: int) -> str:
        image = int(t.ann_image[row])
        height, width = _num(c.image_height[image]), _num(c.image_width[image])
        return (
            f"{ann_name(t, row)}: RLE size {c.rle_size[row].tolist()} is not its"
            f" image's [height, width] [{height}, {width}]"
        )

    return Hits("annotations", rows[bad], describe)


@lint_rule("FC517", "segmentation-malformed", "error", '"segmentation" is neither polygons nor RLE')
def segmentation_malformed(t: LintTable, s: LintSettings) -> Hits:
    """pycocotools' ``annToRLE`` takes a list of polygons (lists of numbers) or an RLE object
    with ``counts``; anything else, e.g. a flat list of numbers, raises in segm evaluation
    and ``annToMask``."""
    c = t.lint
    bad = (c.seg_kind == SEG_BAD) | ((c.seg_kind == SEG_POLYGONS) & np.isnan(c.poly_area))
    return _hits(
        bad,
        lambda row: (
            f'{ann_name(t, row)}: "segmentation" is neither a list of polygons (lists'
            " of numbers) nor an RLE object"
        ),
    )


@lint_rule("FC518", "duplicate-box", "warning", "the same box twice for one class on one image")
def duplicate_boxes(t: LintTable, s: LintSettings) -> Hits:
    """Two identical boxes of one class on one image are one object labelled twice.
    Ultralytics removes the copy ("duplicate labels removed"); ``COCOeval`` keeps both, so a
    detector that finds the object once scores a miss (measured: AP 0.90 instead of 1.0).
    A warning, not an error, because published exports carry them (chess/train.json has
    one). ``--fix`` drops the copy."""
    c = t.lint
    return Hits.repeated(
        "annotations",
        box_repeats(t.ann_image, t.ann_class, c.bbox, c.bbox_state == OK),
        lambda row, first: (
            f"{ann_name(t, row)} repeats {ann_name(t, first)}'s box"
            f" {fmt_box(c.bbox[row])} of the same class on the same image"
        ),
    )


def box_repeats(
    image: np.ndarray, klass: np.ndarray, box: np.ndarray, valid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose (image, class, box) equals an earlier valid row's, in file order, and that
    earlier row (the first with it). A hash finds the rows that may repeat; those few are
    then grouped by their values, so a collision neither makes a repeat nor hides one."""
    later, first = repeats(row_hash(image, klass, box), valid)
    rows = np.union1d(later, first)  # every row whose hash another shares
    if not len(rows):
        return later, first
    # by image, class, box, then row: each group of equal rows together, its first row first
    keys = (rows, *box[rows].T[::-1], klass[rows], image[rows])
    rows = rows[np.lexsort(keys)]
    same = (image[rows][1:] == image[rows][:-1]) & (klass[rows][1:] == klass[rows][:-1])
    same &= (box[rows][1:] == box[rows][:-1]).all(axis=1)
    return _later_and_first(rows, np.concatenate([[True], ~same]))


def row_hash(image: np.ndarray, klass: np.ndarray, box: np.ndarray) -> np.ndarray:
    """One uint64 per (image, class, box): each value (the floats as their bits) folded onto
    its low half and times its own odd constant, summed modulo 2**64. Equal rows hash alike."""
    h: np.ndarray = image.astype(np.uint64)
    h *= np.uint64(0x9E3779B97F4A7C15)
    scratch = klass.astype(np.uint64)
    scratch *= np.uint64(0xC2B2AE3D27D4EB4F)
    h += scratch
    high = np.empty_like(scratch)
    for coordinate, odd in zip(box.T, _ODD, strict=True):
        np.add(coordinate, 0.0, out=scratch.view(np.float64))  # + 0.0: -0.0 == 0.0
        np.right_shift(scratch, np.uint64(32), out=high)  # whole numbers' low bits are 0
        scratch ^= high
        scratch *= odd
        h += scratch
    return h


_ODD = tuple(
    map(np.uint64, (0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD, 0x100000001B3))
)
