"""The columns COCO lint rules read (``LintColumns``), decoded by the reader in its own pass
over the file (``formats.coco.load_lint_table``), a run of records at a time.

The reader decodes the typed fields below with the ones split needs. A run whose records all
have an integer id, four numbers of box, an area and an iscrowd (the common case) takes the
fast way: numpy over the typed values, every state OK. Any other run (a field missing, a
string where a number belongs, a box of three numbers) is parsed whole and read field by
field, so that each record gets its state. Polygons are summarised per run (count, fewest
coordinates, odd, shoelace area) and not kept; RLE masks get the area pycocotools gives them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, repeat
from operator import attrgetter, is_, methodcaller
from typing import Any

import msgspec
import numpy as np

from foldcheck.core.dataset import Dataset
from foldcheck.formats.coco_places import RecordPlaces
from foldcheck.formats.coco_records import Field
from foldcheck.formats.coco_rle import rle_area

# Field states (int8); 0 is always "ok".
OK, MISSING, NOT_NUMBER, BAD_LENGTH, NOT_INT, OTHER = 0, 1, 2, 3, 4, 5
SEG_NONE, SEG_POLYGONS, SEG_RLE, SEG_RLE_COMPRESSED, SEG_BAD = 0, 1, 2, 3, 4

INT64_MIN = np.iinfo(np.int64).min
_NAN = float("nan")
_ABSENT = object()
_NUMBER = {int, float}

Rle = msgspec.defstruct("Rle", [("counts", str | list[int]), ("size", Any, None)], gc=False)
# What lint reads besides split's fields; NaN and UNSET defaults send a run the slow way.
IMAGE_FIELDS = (Field("width", float, _NAN), Field("height", float, _NAN))
ANNOTATION_FIELDS = (
    Field("bbox", tuple[float, float, float, float] | msgspec.UnsetType, msgspec.UNSET),
    Field("iscrowd", int, INT64_MIN),  # 0 or 1, cached ints; 0.0 or true: the slow way
    Field("segmentation", list[list[float]] | Rle | None | msgspec.UnsetType, msgspec.UNSET),
)


@dataclass(frozen=True, eq=False)
class LintColumns:
    has_info: bool  # the file has a top-level "info"
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
    rle_area: np.ndarray  # float64 [n]: pycocotools' mask.area of an RLE; NaN otherwise
    poly_count: np.ndarray  # int32 [n]
    poly_min_coords: np.ndarray  # int32 [n]; 0 if none
    poly_odd: np.ndarray  # bool [n]
    poly_area: np.ndarray  # float64 [n]
    image_width: np.ndarray  # float64 [m] (NaN)
    image_height: np.ndarray  # float64 [m] (NaN)
    image_size_state: np.ndarray  # int8 [m]


@dataclass(frozen=True, eq=False)
class LintTable:
    """A loaded COCO file as the lint rules see it: its dataset columns and lint columns,
    and where its records are (for the few reported)."""

    dataset: Dataset
    lint: LintColumns
    places: RecordPlaces

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


class LintBuilder:
    """Collects the lint columns of each run the reader decodes, typed or parsed."""

    def __init__(self) -> None:
        self._annotations: list[tuple[np.ndarray, ...]] = []
        self._segmentations: list[tuple[np.ndarray, ...] | None] = []  # None: none in the run
        self._images: list[tuple[np.ndarray, ...]] = []

    @staticmethod
    def fields(key: str) -> tuple[Field, ...]:
        """The typed fields the lint adds to the reader's decoding of ``key``'s records."""
        return IMAGE_FIELDS if key == "images" else ANNOTATION_FIELDS

    def typed_images(self, records: list[Any]) -> bool:
        """Takes a typed run's sizes; False (nothing taken) when one is missing."""
        n = len(records)
        width = np.fromiter(map(attrgetter("width"), records), np.float64, n)
        height = np.fromiter(map(attrgetter("height"), records), np.float64, n)
        if np.isnan(width).any() or np.isnan(height).any():
            return False
        self._images.append((width, height, np.zeros(n, np.int8)))
        return True

    def parsed_images(self, records: list[dict[str, Any]]) -> None:
        width, width_state = _number_field(records, "width", NOT_NUMBER)
        height, height_state = _number_field(records, "height", NOT_NUMBER)
        self._images.append((width, height, np.maximum(width_state, height_state)))

    def typed_annotations(
        self, records: list[Any], ids: np.ndarray, areas: np.ndarray, text: bytes | bytearray
    ) -> bool:
        """Takes a typed run (``ids``, ``areas``: split's columns of it; ``text``: the run's);
        False (nothing taken) when some record lacks a field, which the parsed run then
        tells apart."""
        n = len(records)
        if (ids == INT64_MIN).any() or np.isnan(areas).any():
            return False
        iscrowd = np.fromiter(map(attrgetter("iscrowd"), records), np.float64, n)
        if (iscrowd == INT64_MIN).any():
            return False
        try:
            boxes = chain.from_iterable(map(attrgetter("bbox"), records))
            bbox = np.fromiter(boxes, np.float64, 4 * n).reshape(n, 4)
        except TypeError:  # UNSET: a record without a box
            return False
        ok = np.zeros(n, np.int8)
        self._annotations.append((ids, ok, bbox, ok, areas, ok, iscrowd, ok))
        # no record of the run has a segmentation unless its text names one
        segs = list(map(attrgetter("segmentation"), records)) if b'"segmentation"' in text else []
        self._segmentations.append(_segmentations(segs, typed=True) if segs else None)
        return True

    def parsed_annotations(self, records: list[dict[str, Any]]) -> None:
        ann_id, ann_id_state = _int_field(records, "id")
        bbox, bbox_state = _boxes(list(map(methodcaller("get", "bbox", _ABSENT), records)))
        area, area_state = _number_field(records, "area", NOT_NUMBER)
        iscrowd, iscrowd_state = _number_field(records, "iscrowd", OTHER, booleans=True)
        self._annotations.append(
            (ann_id, ann_id_state, bbox, bbox_state, area, area_state, iscrowd, iscrowd_state)
        )
        segs = list(map(methodcaller("get", "segmentation", _ABSENT), records))
        self._segmentations.append(_segmentations(segs, typed=False))

    def columns(self, has_info: bool) -> LintColumns:
        annotations = _concatenate(self._annotations, _fields_part(0))
        n = len(annotations[0])
        segmentations = _no_segmentations(n)
        start = 0
        for fields, part in zip(self._annotations, self._segmentations, strict=True):
            stop = start + len(fields[0])
            if part is not None:
                for column, values in zip(segmentations, part, strict=True):
                    column[start:stop] = values
            start = stop
        images = _concatenate(self._images, (np.zeros(0), np.zeros(0), np.zeros(0, np.int8)))
        return LintColumns(has_info, *annotations, *segmentations, *images)


def _fields_part(n: int) -> tuple[np.ndarray, ...]:
    state, number = np.zeros(n, np.int8), np.zeros(n, np.float64)
    return np.zeros(n, np.int64), state, np.zeros((n, 4)), state, number, state, number, state


def _no_segmentations(n: int) -> tuple[np.ndarray, ...]:
    """seg_kind, rle_size, rle_area and the polygon summary of ``n`` records without one."""
    return np.zeros(n, np.int8), np.full((n, 2), -1, np.int64), np.full(n, np.nan), *_no_polygons(n)


def _concatenate(
    parts: list[tuple[np.ndarray, ...]], empty: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, ...]:
    if not parts:
        return empty
    if len(parts) == 1:
        return parts[0]
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


# --- fields of parsed records (dicts), each record with its state -------------------------


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
        if set(map(type, flat)) <= _NUMBER:
            return np.array(flat, np.float64).reshape(n, 4), np.zeros(n, np.int8)
    state = np.zeros(n, np.int8)
    column = np.full((n, 4), np.nan)
    for row, box in enumerate(boxes):  # only runs with malformed boxes get here
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


# --- segmentations, typed (Rle structs, lists of floats) or parsed (dicts, any lists) -----


def _segmentations(segs: list[Any], *, typed: bool) -> tuple[np.ndarray, ...]:
    """seg_kind, rle_size, rle_area and the polygon summary of one run's segmentations."""
    n = len(segs)
    kinds, rle_size, areas, *_ = no_segmentation = _no_segmentations(n)
    types = list(map(type, segs))
    if not set(types) - {type(_ABSENT), type(msgspec.UNSET), type(None)}:
        return no_segmentation
    is_list = np.fromiter(map(is_, types, repeat(list)), bool, n)
    rows = np.flatnonzero(is_list)
    lists = [segs[row] for row in rows.tolist()]
    polygonal = np.fromiter(map(bool, lists), bool, len(lists))  # [] is no segmentation
    if not typed:  # a list of polygons holds only lists
        polygonal &= np.fromiter((all(type(p) is list for p in s) for s in lists), bool, len(lists))
        kinds[rows] = np.where(np.fromiter(map(bool, lists), bool, len(lists)), SEG_BAD, SEG_NONE)
    kinds[rows[polygonal]] = SEG_POLYGONS
    for row in np.flatnonzero(~is_list).tolist():  # RLE objects, few; or anything else
        seg = segs[row]
        counts = getattr(seg, "counts", None) if typed else _get(seg, "counts")
        if counts is None:
            if seg is not _ABSENT and seg is not None and seg is not msgspec.UNSET:
                kinds[row] = SEG_BAD
            continue
        if not isinstance(counts, (str, list)):
            kinds[row] = SEG_BAD
            continue
        kinds[row] = SEG_RLE_COMPRESSED if type(counts) is str else SEG_RLE
        size = seg.size if typed else seg.get("size")
        if type(size) is list and len(size) == 2 and all(type(v) is int for v in size):
            rle_size[row] = size
        areas[row] = rle_area(counts)
    polygons = rows[polygonal]
    return kinds, rle_size, areas, *_polygon_summary(n, polygons, segs, checked=typed)


def _get(seg: Any, key: str) -> Any:
    return seg.get(key) if type(seg) is dict else None


def _no_polygons(n: int) -> tuple[np.ndarray, ...]:
    return np.zeros(n, np.int32), np.zeros(n, np.int32), np.zeros(n, bool), np.full(n, np.nan)


def _polygon_summary(
    n: int, rows: np.ndarray, segs: list[Any], *, checked: bool
) -> tuple[np.ndarray, ...]:
    """Polygon count, fewest coordinates, odd count and shoelace area of the ``rows``
    (lists of lists); ``checked``: every coordinate is known to be a float."""
    count, fewest, odd, area = _no_polygons(n)
    polys = [segs[row] for row in rows.tolist()]
    per_ann = np.fromiter(map(len, polys), np.int64, len(polys))
    parts = list(chain.from_iterable(polys))
    if not parts:
        return count, fewest, odd, area
    owner = np.repeat(rows, per_ann)  # annotation row of every polygon
    count[rows] = per_ann
    lengths = np.fromiter(map(len, parts), np.int64, len(parts))
    if checked:
        numeric = np.ones(len(parts), bool)
    else:
        numeric = np.fromiter((set(map(type, p)) <= _NUMBER for p in parts), bool, len(parts))
    least = np.full(n, np.iinfo(np.int32).max, np.int64)
    np.minimum.at(least, owner, lengths)
    fewest[rows] = least[rows]
    np.logical_or.at(odd, owner, lengths % 2 == 1)
    # Shoelace over every polygon at once: coordinates flattened, polygons as offsets.
    usable = numeric & (lengths >= 2)
    area[rows] = 0.0
    not_numeric = np.zeros(n, bool)
    np.logical_or.at(not_numeric, owner, ~numeric)
    if usable.any():
        even = lengths - lengths % 2
        if usable.all() and (even == lengths).all():
            total = int(lengths.sum())
            flat = np.fromiter(chain.from_iterable(parts), np.float64, total)
        else:
            good = [
                p[:e] for p, e, u in zip(parts, even.tolist(), usable.tolist(), strict=True) if u
            ]
            flat = np.array(list(chain.from_iterable(good)), np.float64)
        xy = flat.reshape(-1, 2)
        points = even[usable] // 2
        starts = np.concatenate([[0], np.cumsum(points)[:-1]])
        following = np.arange(len(xy)) + 1
        following[starts + points - 1] = starts  # each polygon closes on its first point
        cross = xy[:, 0] * xy[following, 1] - xy[following, 0] * xy[:, 1]
        np.add.at(area, owner[usable], np.abs(np.add.reduceat(cross, starts)) / 2)
    area[not_numeric] = np.nan
    return count, fewest, odd, area
