"""What the columns leave in the mapped COCO text, read when asked: one field of every image
record (group keys such as ``video_id``, file names), and the byte span of every record
(exports copy records byte for byte from them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import msgspec
import numpy as np

from foldcheck.core.dataset import ABSENT, Dataset
from foldcheck.io.jsontext import line_col
from foldcheck.io.structure import scan_records

_RUN_BYTES = 4 << 20


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

    def member(self, key: str) -> tuple[int, int]:
        return next((start, end) for name, start, end in self.members if name == key)

    def image_field(self, name: str) -> list[Any]:
        return image_field(self, name)

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
    record = msgspec.defstruct(
        "ImageField", [("value", Any, ABSENT)], rename={"value": name}, gc=False
    )
    start, end = source.member("images")
    records: list[Any] = msgspec.json.decode(
        memoryview(source.text)[start:end],
        type=list[record],  # type: ignore[valid-type]
    )
    return [r.value for r in records]


def record_spans(source: TextSource) -> RecordSpans:
    spans = {
        key: _array_spans(source.text, *source.member(key))
        for key in ("images", "annotations", "categories")
    }
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
