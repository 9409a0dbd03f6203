"""The columns COCO lint rules read (``LintColumns``), decoded by the reader in its own pass
over the file (``formats.coco.reader.load_lint_table``), a run of records at a time.

The reader decodes the typed fields below with the ones split needs; boxes and polygons stay
undecoded text, whose numbers ``io.numbers`` reads straight into arrays. A run whose records
all have an integer id, four numbers of box, an area and an iscrowd (the common case) takes
the fast way: numpy over the typed values, every state OK. Any other run (a field missing, a
string where a number belongs, a box of three numbers) is parsed whole and read field by
field, so that each record gets its state. Polygons are summarised per run (count, fewest
coordinates, odd, shoelace area) and not kept; RLE masks get the area pycocotools gives them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain, compress, repeat
from operator import attrgetter, is_, methodcaller
from typing import Any

import msgspec
import numpy as np
from msgspec import UNSET, UnsetType

from foldcheck.core.dataset import Dataset
from foldcheck.formats.coco.places import RecordPlaces
from foldcheck.formats.coco.records import NESTED_TYPE, Field
from foldcheck.formats.coco.rle import rle_area
from foldcheck.io.numbers import boxes, number_arrays

# Field states (int8); 0 is always "ok".
OK, MISSING, NOT_NUMBER, BAD_LENGTH, NOT_INT, OTHER = 0, 1, 2, 3, 4, 5
SEG_NONE, SEG_POLYGONS, SEG_RLE, SEG_RLE_COMPRESSED, SEG_BAD = 0, 1, 2, 3, 4

INT64_MIN = np.iinfo(np.int64).min
_NAN = float("nan")
_ABSENT = object()
_NUMBER = {int, float}

# What lint reads besides split's fields; NaN and UNSET defaults send a run the slow way.
IMAGE_FIELDS = (
    Field("width", float, _NAN),
    Field("height", float, _NAN),
    Field("file_name", str, ""),  # a file_name not a string: the slow way
)
ANNOTATION_FIELDS = (
    Field("bbox", msgspec.Raw | UnsetType, UNSET),  # read by io.numbers
    Field("iscrowd", int, INT64_MIN),  # 0 or 1, cached ints; 0.0 or true: the slow way
    # as split decodes it (polygons undecoded, RLE objects one level deep, keys counted)
    Field("segmentation", NESTED_TYPE | UnsetType, UNSET),
)


@dataclass(frozen=True, eq=False)
class LintColumns:
    has_info: bool  # the file has a top-level "info"
    file_names: list[str]  # per image; "" where missing or not a string
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

    @property
    def file_names(self) -> list[str]:
        return self.lint.file_names


class LintBuilder:
    """Collects the lint columns of each run the reader decodes, typed or parsed."""

    def __init__(self) -> None:
        self._annotations: list[tuple[np.ndarray, ...]] = []
        self._segmentations: list[tuple[np.ndarray, ...] | None] = []  # None: none in the run
        self._images: list[tuple[np.ndarray, ...]] = []
        self._file_names: list[list[str]] = []

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
        self._file_names.append(list(map(attrgetter("file_name"), records)))
        return True

    def parsed_images(self, records: list[dict[str, Any]]) -> None:
        width, width_state = _number_field(records, "width", NOT_NUMBER)
        height, height_state = _number_field(records, "height", NOT_NUMBER)
        self._images.append((width, height, np.maximum(width_state, height_state)))
        names = map(methodcaller("get", "file_name"), records)
        self._file_names.append([name if type(name) is str else "" for name in names])

    def typed_annotations(self, records: list[Any], ids: np.ndarray, areas: np.ndarray) -> bool:
        """Takes a typed run (``ids``, ``areas``: split's columns of it); False (nothing
        taken) when some record lacks a field, which the parsed run then tells apart."""
        n = len(records)
        if (ids == INT64_MIN).any() or np.isnan(areas).any():
            return False
        crowd = list(map(attrgetter("iscrowd"), records))
        if crowd.count(0) == n:  # the common case: a comparison by identity per record
            iscrowd = np.zeros(n)
        else:
            iscrowd = np.array(crowd, np.float64).reshape(n)
            if (iscrowd == INT64_MIN).any():
                return False
        bbox = boxes(records, "bbox")
        if bbox is None:  # a record without a box, or not four numbers
            return False
        ok = np.zeros(n, np.int8)
        segmentations = None  # None: no record of the run has one
        segs = list(map(attrgetter("segmentation"), records))
        if segs.count(UNSET) < n:
            segmentations = _typed_segmentations(segs)
            if segmentations is None:
                return False
        self._annotations.append((ids, ok, bbox, ok, areas, ok, iscrowd, ok))
        self._segmentations.append(segmentations)
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
        self._segmentations.append(_segmentations(segs))

    def columns(self, has_info: bool) -> LintColumns:
        annotations = _concatenate(self._annotations, _fields_part(0))
        n = len(annotations[0])
        segmentations = _no_segmentations(n)
        start = 0
        for fields, part in zip(self._annotations, self._segmentations, strict=True):
            stop = start + len(fields[0])
            if part is not None:
                _put(segmentations, slice(start, stop), part)
            start = stop
        images = _concatenate(self._images, (np.zeros(0), np.zeros(0), np.zeros(0, np.int8)))
        file_names = list(chain.from_iterable(self._file_names))
        columns = (*annotations, *segmentations, *images)
        return LintColumns(has_info, file_names, *columns)


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
            column = np.array(values, np.int64).reshape(len(values))
        except OverflowError:
            pass
        else:  # -2**63 is the readers' "no id": not an id here either, as split reads it
            return column, np.where(column == INT64_MIN, NOT_INT, OK).astype(np.int8)
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


# --- segmentations: typed (polygons as undecoded text, RLE objects as dicts of it), or parsed


def _typed_segmentations(segs: list[Any]) -> tuple[np.ndarray, ...] | None:
    """seg_kind, rle_size, rle_area and the polygon summary of a typed run's segmentations:
    the polygons' numbers read by io.numbers, RLE objects (few) decoded and read as parsed
    records are; None when a polygon is not an array of finite numbers, or an RLE object
    holds a number beyond any double."""
    n = len(segs)
    columns = _no_segmentations(n)
    types = list(map(type, segs))
    is_list = np.fromiter(map(is_, types, repeat(list)), bool, n)
    lists = list(compress(segs, is_list.tolist()))
    texts = list(chain.from_iterable(lists))
    read = number_arrays(texts, sum(map(len, texts)) // 2 + 1)  # a number and a comma each
    if read is None:
        return None
    lengths, flat = read
    per_list = np.fromiter(map(len, lists), np.int64, len(lists))
    rows = np.flatnonzero(is_list)[per_list > 0]  # [] is no segmentation
    per_ann = per_list[per_list > 0]
    columns[0][rows] = SEG_POLYGONS
    numeric = np.ones(len(texts), bool)
    _put(columns, rows, _polygon_summary(len(rows), per_ann, lengths, numeric, flat), 3)
    objects = np.flatnonzero(np.fromiter(map(is_, types, repeat(dict)), bool, n))
    if len(objects):
        try:
            decoded = [_decoded(segs[row]) for row in objects.tolist()]
        except msgspec.DecodeError:  # a number beyond any double: the parsed way names it
            return None
        _put(columns, objects, _segmentations(decoded))
    return columns


def _decoded(rle: dict[str, msgspec.Raw]) -> dict[str, Any]:
    return {key: msgspec.json.decode(value) for key, value in rle.items()}


def _put(
    columns: tuple[np.ndarray, ...],
    rows: np.ndarray | slice,
    part: Sequence[np.ndarray],
    first: int = 0,
) -> None:
    """Writes ``part``'s columns (one row per ``rows``) into ``columns`` from ``first`` on."""
    for column, values in zip(columns[first:], part, strict=True):
        column[rows] = values


def _segmentations(segs: list[Any]) -> tuple[np.ndarray, ...]:
    """seg_kind, rle_size, rle_area and the polygon summary of parsed segmentations (any
    JSON values; ABSENT or UNSET where missing)."""
    n = len(segs)
    kinds, rle_size, areas, *_ = columns = _no_segmentations(n)
    types = list(map(type, segs))
    if not set(types) - {type(_ABSENT), UnsetType, type(None)}:
        return columns
    is_list = np.fromiter(map(is_, types, repeat(list)), bool, n)
    rows = np.flatnonzero(is_list)
    lists = [segs[row] for row in rows.tolist()]
    nonempty = np.fromiter(map(bool, lists), bool, len(lists))  # [] is no segmentation
    polygonal = nonempty & np.fromiter(
        (all(type(p) is list for p in s) for s in lists), bool, len(lists)
    )  # a list of polygons holds only lists
    kinds[rows] = np.where(nonempty, SEG_BAD, SEG_NONE)
    kinds[rows[polygonal]] = SEG_POLYGONS
    for row in np.flatnonzero(~is_list).tolist():  # RLE objects, few; or anything else
        seg = segs[row]
        counts = seg.get("counts") if type(seg) is dict else None
        if counts is None:
            if seg is not _ABSENT and seg is not None and seg is not UNSET:
                kinds[row] = SEG_BAD
            continue
        if not isinstance(counts, (str, list)):
            kinds[row] = SEG_BAD
            continue
        kinds[row] = SEG_RLE_COMPRESSED if type(counts) is str else SEG_RLE
        size = seg.get("size")
        if type(size) is list and len(size) == 2 and all(type(v) is int for v in size):
            rle_size[row] = size
        areas[row] = rle_area(counts)
    polygons = rows[polygonal]
    polys = [segs[row] for row in polygons.tolist()]
    parts = list(chain.from_iterable(polys))
    numeric = np.fromiter((set(map(type, p)) <= _NUMBER for p in parts), bool, len(parts))
    numbers = chain.from_iterable(compress(parts, numeric.tolist()))
    per_ann = np.fromiter(map(len, polys), np.int64, len(polys))
    lengths = np.fromiter(map(len, parts), np.int64, len(parts))
    flat = np.fromiter(numbers, np.float64, int(lengths[numeric].sum()))
    _put(columns, polygons, _polygon_summary(len(polygons), per_ann, lengths, numeric, flat), 3)
    return columns


def _no_polygons(n: int) -> tuple[np.ndarray, ...]:
    return np.zeros(n, np.int32), np.zeros(n, np.int32), np.zeros(n, bool), np.full(n, np.nan)


def _polygon_summary(
    m: int, per_ann: np.ndarray, lengths: np.ndarray, numeric: np.ndarray, flat: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Polygon count, fewest coordinates, odd count and shoelace area of ``m`` lists of
    polygons (``per_ann`` polygons each, at least one; of ``lengths`` coordinates; ``numeric``:
    all of them numbers, which ``flat`` holds one polygon after another). The arithmetic is
    one and the same for typed and parsed runs, so both give the very same areas."""
    if not m:
        return _no_polygons(0)
    firsts = np.cumsum(per_ann) - per_ann  # each list's first polygon
    count = per_ann.astype(np.int32)
    fewest = np.minimum.reduceat(lengths, firsts).astype(np.int32)
    odd = np.logical_or.reduceat(lengths % 2 == 1, firsts)
    not_numeric = np.logical_or.reduceat(~numeric, firsts)
    # Shoelace over every polygon at once: coordinates flattened, polygons as offsets.
    usable = numeric & (lengths >= 2)
    area: np.ndarray = np.zeros(m)
    if usable.any():
        even = lengths - lengths % 2
        if not (usable.all() and (even == lengths).all()):  # keep the even part of the usable
            held = lengths[numeric]
            polygon = np.repeat(np.flatnonzero(numeric), held)
            place = np.arange(len(flat)) - np.repeat(np.cumsum(held) - held, held)
            flat = flat[usable[polygon] & (place < even[polygon])]
        x, y = flat[0::2], flat[1::2]
        points = even[usable] // 2
        starts = np.cumsum(points) - points
        last = starts + points - 1
        cross = np.empty(len(x))
        cross[:-1] = x[:-1] * y[1:] - x[1:] * y[:-1]
        cross[last] = x[last] * y[starts] - x[starts] * y[last]  # each closes on its first point
        owner = np.repeat(np.arange(m), per_ann)  # list of every polygon
        area = np.bincount(owner[usable], np.abs(np.add.reduceat(cross, starts)) / 2, m)
    area[not_numeric] = np.nan
    return count, fewest, odd, area
