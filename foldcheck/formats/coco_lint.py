"""The columns COCO lint rules read (``LintColumns``), built from a parsed COCO document.

The names and state codes are those of the columnar reader's ``LintColumns`` (issue 11),
which builds the same table in its own parse; when it lands, this builder goes and the rules
stay as they are. Here: a few C-level passes (``map``, ``chain``) over the records, and a
Python loop only over segmentations and malformed boxes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from operator import itemgetter, methodcaller
from typing import Any

import numpy as np

from foldcheck.core.dataset import Dataset

# Field states (int8), as in core/dataset.py; 0 is always "ok".
OK, MISSING, NOT_NUMBER, BAD_LENGTH, NOT_INT, OTHER = 0, 1, 2, 3, 4, 5
SEG_NONE, SEG_POLYGONS, SEG_RLE, SEG_RLE_COMPRESSED, SEG_BAD = 0, 1, 2, 3, 4

_ABSENT = object()
_NUMBER = {int, float}


@dataclass(frozen=True, eq=False)
class LintColumns:
    ann_id: np.ndarray  # int64 [n]
    ann_id_state: np.ndarray  # int8: OK / MISSING / NOT_INT
    bbox: np.ndarray  # float64 [n, 4] (NaN)
    bbox_state: np.ndarray  # OK / MISSING / BAD_LENGTH / NOT_NUMBER
    area: np.ndarray  # float64 [n] (NaN)
    area_state: np.ndarray  # OK / MISSING / NOT_NUMBER
    iscrowd: np.ndarray  # float64 [n] (NaN)
    iscrowd_state: np.ndarray  # OK (number or bool) / MISSING / OTHER
    seg_kind: np.ndarray  # SEG_*
    rle_size: np.ndarray  # int64 [n, 2] (h, w); -1
    poly_count: np.ndarray  # int32 [n]
    poly_min_coords: np.ndarray  # int32 [n]; 0 if none
    poly_odd: np.ndarray  # bool [n]
    poly_area: np.ndarray  # float64 [n]
    image_width: np.ndarray  # float64 [m] (NaN)
    image_height: np.ndarray  # float64 [m] (NaN)
    image_size_state: np.ndarray  # int8 [m]
    has_info: bool


@dataclass(frozen=True, eq=False)
class LintTable:
    """A loaded COCO file as the lint rules see it: its dataset columns and lint columns."""

    dataset: Dataset
    lint: LintColumns

    @property
    def image_ids(self) -> np.ndarray:
        return self.dataset.image_ids

    @property
    def category_ids(self) -> np.ndarray:
        return self.dataset.category_ids

    @property
    def category_names(self) -> tuple[str, ...]:
        return self.dataset.category_names

    @property
    def ann_image(self) -> np.ndarray:
        return self.dataset.ann_image

    @property
    def ann_class(self) -> np.ndarray:
        return self.dataset.ann_class

    @cached_property
    def file_names(self) -> list[str]:
        names = self.dataset.image_field("file_name")
        return [name if isinstance(name, str) else "" for name in names]


def lint_table(dataset: Dataset, document: dict[str, Any]) -> LintTable:
    """``document``: the parsed file ``dataset`` was made from."""
    return LintTable(dataset, lint_columns(document))


def lint_columns(document: dict[str, Any]) -> LintColumns:
    anns: list[dict[str, Any]] = document["annotations"]
    images: list[dict[str, Any]] = document["images"]
    clean = _clean_columns(anns)
    if clean is not None:
        ann_id, bbox, area, iscrowd = clean
        ann_id_state = bbox_state = area_state = iscrowd_state = np.zeros(len(anns), np.int8)
    else:
        ann_id, ann_id_state = _int_field(anns, "id")
        bbox, bbox_state = _boxes(list(map(methodcaller("get", "bbox", _ABSENT), anns)))
        area, area_state = _number_field(anns, "area", NOT_NUMBER)
        iscrowd, iscrowd_state = _number_field(anns, "iscrowd", OTHER, booleans=True)
    segs = list(map(methodcaller("get", "segmentation", _ABSENT), anns))
    seg_kind, rle_size = _segmentation_kinds(segs)
    count, fewest, odd, poly_area = _polygon_summary(segs, seg_kind)
    width, width_state = _number_field(images, "width", NOT_NUMBER)
    height, height_state = _number_field(images, "height", NOT_NUMBER)
    return LintColumns(
        ann_id,
        ann_id_state,
        bbox,
        bbox_state,
        area,
        area_state,
        iscrowd,
        iscrowd_state,
        seg_kind,
        rle_size,
        count,
        fewest,
        odd,
        poly_area,
        width,
        height,
        np.maximum(width_state, height_state),
        "info" in document,
    )


def _clean_columns(
    anns: list[dict[str, Any]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """id, bbox, area, iscrowd of every annotation in one C-level pass, when all are there
    and well typed (the common case); None sends the file to the field-by-field path."""
    try:
        rows = list(map(itemgetter("id", "bbox", "area", "iscrowd"), anns))
    except (KeyError, TypeError):
        return None
    if not rows:
        return None
    ids, boxes, areas, crowds = zip(*rows, strict=True)
    if not (
        set(map(type, ids)) <= {int}
        and set(map(type, areas)) <= _NUMBER
        and set(map(type, crowds)) <= {int}
        and set(map(type, boxes)) <= {list}
    ):
        return None
    try:
        bbox = np.array(boxes)  # no dtype: strings or None would be converted silently
        column = np.array(ids, np.int64)
    except (ValueError, OverflowError):  # ragged boxes, ids beyond 64 bits
        return None
    if bbox.shape != (len(rows), 4) or bbox.dtype.kind not in "iuf":
        return None
    return (
        column,
        bbox.astype(np.float64),
        np.array(areas, np.float64),
        np.array(crowds, np.float64),
    )


def _states(values: list[Any], ok: Callable[[Any], bool], bad: int) -> np.ndarray:
    state = np.full(len(values), bad, np.int8)
    state[[v is _ABSENT for v in values]] = MISSING
    state[list(map(ok, values))] = OK
    return state


def _int_field(records: list[dict[str, Any]], key: str) -> tuple[np.ndarray, np.ndarray]:
    values = list(map(methodcaller("get", key, _ABSENT), records))
    if set(map(type, values)) <= {int}:  # the common case, at C speed
        try:
            return np.array(values, np.int64).reshape(len(values)), np.zeros(len(values), np.int8)
        except OverflowError:
            pass
    state = _states(values, lambda v: type(v) is int and -(2**63) < v < 2**63, NOT_INT)
    column = np.array([v if s == OK else 0 for v, s in zip(values, state, strict=True)], np.int64)
    return column.reshape(len(values)), state


def _number_field(
    records: list[dict[str, Any]], key: str, bad: int, *, booleans: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    values = list(map(methodcaller("get", key, _ABSENT), records))
    if set(map(type, values)) <= _NUMBER:
        return np.array(values, np.float64).reshape(len(values)), np.zeros(len(values), np.int8)
    allowed = _NUMBER | {bool} if booleans else _NUMBER
    state = _states(values, lambda v: type(v) in allowed, bad)
    column = np.array(
        [float(v) if s == OK else np.nan for v, s in zip(values, state, strict=True)], np.float64
    )
    return column.reshape(len(values)), state


def _boxes(boxes: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    n = len(boxes)
    if set(map(type, boxes)) <= {list} and set(map(len, boxes)) <= {4}:
        flat = list(chain.from_iterable(boxes))
        if set(map(type, flat)) <= _NUMBER:  # the common case
            return np.array(flat, np.float64).reshape(n, 4), np.zeros(n, np.int8)
    state = np.zeros(n, np.int8)
    column = np.full((n, 4), np.nan)
    for row, box in enumerate(boxes):  # slow path: only files with malformed boxes get here
        if box is _ABSENT:
            state[row] = MISSING
        elif type(box) is not list:
            state[row] = NOT_NUMBER
        elif len(box) != 4:
            state[row] = BAD_LENGTH
        elif not set(map(type, box)) <= _NUMBER:
            state[row] = NOT_NUMBER
        else:
            column[row] = box
    return column, state


def _segmentation_kinds(segs: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    n = len(segs)
    kinds = np.full(n, SEG_BAD, np.int8)
    rle_size = np.full((n, 2), -1, np.int64)
    types = set(map(type, segs))
    if types <= {type(_ABSENT)}:
        kinds[:] = SEG_NONE
        return kinds, rle_size
    for row, seg in enumerate(segs):  # files with segmentations: the reader does this in C
        if seg is _ABSENT or seg is None or seg == []:
            kinds[row] = SEG_NONE
        elif type(seg) is list:
            if all(type(p) is list for p in seg):
                kinds[row] = SEG_POLYGONS
        elif type(seg) is dict and isinstance(seg.get("counts"), (str, list)):
            kinds[row] = SEG_RLE_COMPRESSED if type(seg["counts"]) is str else SEG_RLE
            size = seg.get("size")
            if type(size) is list and len(size) == 2 and all(type(v) is int for v in size):
                rle_size[row] = size
    return kinds, rle_size


def _polygon_summary(
    segs: list[Any], kinds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = len(segs)
    count = np.zeros(n, np.int32)
    fewest = np.zeros(n, np.int32)
    odd = np.zeros(n, bool)
    area = np.full(n, np.nan)
    rows = np.flatnonzero(kinds == SEG_POLYGONS)
    polys = [segs[row] for row in rows.tolist()]
    per_ann = np.fromiter(map(len, polys), np.int64, len(polys))
    parts = list(chain.from_iterable(polys))
    if not parts:
        return count, fewest, odd, area
    owner = np.repeat(rows, per_ann)  # annotation row of every polygon
    count[rows] = per_ann
    lengths = np.fromiter(map(len, parts), np.int64, len(parts))
    numeric = np.array([set(map(type, p)) <= _NUMBER for p in parts])
    big = np.iinfo(np.int32).max
    least = np.full(n, big, np.int64)
    np.minimum.at(least, owner, lengths)
    fewest[rows] = least[rows]
    np.logical_or.at(odd, owner, lengths % 2 == 1)
    # Shoelace over every polygon at once: coordinates flattened, polygons as offsets.
    usable = numeric & (lengths >= 2)
    area[rows] = 0.0
    not_numeric = np.zeros(n, bool)
    np.logical_or.at(not_numeric, owner, ~numeric)
    good = [p[: len(p) - len(p) % 2] for p, u in zip(parts, usable.tolist(), strict=True) if u]
    if good:
        xy = np.array(list(chain.from_iterable(good)), np.float64).reshape(-1, 2)
        points = lengths[usable] // 2
        starts = np.concatenate([[0], np.cumsum(points)[:-1]])
        following = np.arange(len(xy)) + 1
        following[starts + points - 1] = starts  # each polygon closes on its first point
        cross = xy[:, 0] * xy[following, 1] - xy[following, 0] * xy[:, 1]
        np.add.at(area, owner[usable], np.abs(np.add.reduceat(cross, starts)) / 2)
    area[not_numeric] = np.nan
    return count, fewest, odd, area
