"""What the columns leave in the mapped COCO text, read when asked: one field of every image
record (group keys such as ``video_id``, file names), and the byte span of every record
(exports copy records byte for byte from them).

Spans come cheaply when the reader's record counts are known: every boundary between two
records of an array is a ``}``, a ``,`` and a ``{`` with only white space between, so when the
array holds exactly one such place fewer than records, those places are the boundaries (a
``},{`` inside a string or a nested list would make more). Otherwise the structural scan of
``foldcheck.io.structure`` finds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import msgspec
import numpy as np

from foldcheck.core.dataset import ABSENT, Dataset
from foldcheck.io.jsontext import line_col, release
from foldcheck.io.structure import scan_records

_RUN_BYTES = 4 << 20
_CLOSE, _COMMA, _OPEN = (ord(c) for c in "},{")
_SPACE = b" \t\r\n"
_MAX_SPACE_RUN = 64  # longer white space between records: the scan is cheaper than stepping


@dataclass(frozen=True, eq=False)
class RecordSpans:
    """Byte spans ``[start, end)`` of every record in the mapped text, per array."""

    images: np.ndarray  # int64 [images, 2]
    annotations: np.ndarray  # int64 [annotations, 2]
    categories: np.ndarray  # int64 [classes, 2]


@dataclass(frozen=True, eq=False)
class TextSource:
    """The mapped file and the value span of each top-level member, in file order."""

    text: Any = field(repr=False)  # mmap (or bytes): slice it, never copy it whole
    members: tuple[tuple[str, int, int], ...]
    counts: tuple[int, int, int] | None = None  # records of images, annotations, categories
    # Image fields the reader decoded ahead (see reader._ArrayColumns), each handed out once.
    decoded: dict[str, list[Any]] = field(default_factory=dict, repr=False)

    def member(self, key: str) -> tuple[int, int]:
        return next((start, end) for name, start, end in self.members if name == key)

    def image_field(self, name: str) -> list[Any]:
        ahead = self.decoded.pop(name, None)
        return image_field(self, name) if ahead is None else ahead

    @cached_property
    def spans(self) -> RecordSpans:
        return record_spans(self)

    def line_col(self, offset: int) -> tuple[int, int]:
        return line_col(self.text, offset)


def text_of(dataset: Dataset) -> TextSource:
    """The mapped text a dataset was read from (exports need it)."""
    if not isinstance(dataset.source, TextSource):
        raise TypeError("this dataset was not read from a COCO file")
    return dataset.source


def image_field(source: TextSource, name: str) -> list[Any]:
    """Decodes only ``name`` of each image record (any JSON value; ABSENT where missing)."""
    return field_values(source.text, *source.member("images"), name)


def field_values(text: Any, start: int, end: int, name: str) -> list[Any]:
    """``name`` of each record of the array of objects at ``text[start:end]`` (any JSON
    value; ABSENT where missing), every other field skipped; the text's pages are then
    dropped from this process's memory (``jsontext.release``)."""
    record = msgspec.defstruct(
        "ImageField", [("value", Any, ABSENT)], rename={"value": name}, gc=False
    )
    records: list[Any] = msgspec.json.decode(
        memoryview(text)[start:end],
        type=list[record],  # type: ignore[valid-type]
    )
    release(text, start, end)
    return [r.value for r in records]


def typed_records(source: TextSource, key: str, records_type: Any) -> list[Any] | None:
    """Every record of the array ``key`` decoded as ``records_type`` (a list of a msgspec
    Struct), in file order; None when one does not fit it (the caller's general path names
    it)."""
    start, end = source.member(key)
    try:
        records: list[Any] = msgspec.json.decode(
            memoryview(source.text)[start:end], type=records_type
        )
    except msgspec.ValidationError:
        return None
    return records


def record_spans(source: TextSource) -> RecordSpans:
    keys = ("images", "annotations", "categories")
    spans = {}
    for index, key in enumerate(keys):
        start, end = source.member(key)
        found = None
        if source.counts is not None:
            found = _boundary_spans(source.text, start, end, source.counts[index])
        spans[key] = _array_spans(source.text, start, end) if found is None else found
    return RecordSpans(spans["images"], spans["annotations"], spans["categories"])


def _array_spans(text: Any, start: int, end: int) -> np.ndarray:
    """[start, end) of each element object of the array at ``text[start:end]``, scanned a run
    at a time; a run is cut after a ``}`` and must hold whole records (balanced, with its
    strings closed), else it is extended."""
    view = memoryview(text)
    parts = []
    position, close = start + 1, end - 1
    while position < close:
        cut = min(close, position + _RUN_BYTES)
        while True:
            if cut < close:
                found = text.find(b"}", cut, close)
                cut = close if found < 0 else found + 1
            structure = scan_records(view[position:cut])
            if structure.complete or cut >= close:
                break
            cut = min(close, cut + _RUN_BYTES)
        parts.append(np.stack([structure.starts, structure.ends], axis=1) + position)
        position = cut
    if not parts:
        return np.zeros((0, 2), np.int64)
    return np.concatenate(parts).astype(np.int64)


def _boundary_spans(text: Any, start: int, end: int, count: int) -> np.ndarray | None:
    """Spans of the ``count`` object records of the array at ``text[start:end]`` from the
    places between them alone; None when the array holds more such places than boundaries."""
    if count == 0:
        return None
    b = np.frombuffer(memoryview(text)[start:end], np.uint8)
    first, last = 1, len(b) - 2  # inside the array's own [ and ]
    while first < last and text[start + first] in _SPACE:
        first += 1
    while last > first and text[start + last] in _SPACE:
        last -= 1
    if b[first] != _OPEN or b[last] != _CLOSE:
        return None
    closes = np.flatnonzero(b == _CLOSE)
    comma = _next_solid(b, closes + 1)
    if comma is None:
        return None
    closes, comma = closes[b[comma] == _COMMA], comma[b[comma] == _COMMA]
    opens = _next_solid(b, comma + 1)
    if opens is None:
        return None
    boundary = b[opens] == _OPEN
    if int(boundary.sum()) != count - 1:
        return None
    starts = np.concatenate([[first], opens[boundary]])
    ends = np.concatenate([closes[boundary] + 1, [last + 1]])
    return np.stack([starts, ends], axis=1).astype(np.int64) + start


def _next_solid(b: np.ndarray, at: np.ndarray) -> np.ndarray | None:
    """The first offset at or after each of ``at`` that is not white space (the text ends in
    ``]``, so there is one); None past _MAX_SPACE_RUN."""
    at = np.minimum(at, len(b) - 1)
    for _ in range(_MAX_SPACE_RUN):
        space = _is_space(b[at])
        if not space.any():
            return at
        at = at + space
    return None


def _is_space(values: np.ndarray) -> np.ndarray:
    found: np.ndarray = (values == 0x20) | (values == 0x0A) | (values == 0x0D) | (values == 0x09)
    return found
