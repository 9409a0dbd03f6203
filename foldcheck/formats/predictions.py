"""A COCO results file, as MMDetection, Detectron2 and Ultralytics write it, read into
columns: ``[{"image_id", "category_id", "bbox": [x, y, w, h], "score"}, ...]``, with
``segmentation`` (an RLE or polygons) for mask IoU. Ultralytics also writes ``file_name`` and,
for datasets that are not COCO itself, the image's file stem as ``image_id``.

What no scorer could read is bad input, one line at its place: a file that is not such a
list, a record without an image or an integer category, a box that is not four numbers, a
score that is missing or not a finite number (Python's json writes NaN as a bare ``NaN``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from foldcheck.errors import InputError
from foldcheck.io.jsonio import read_bytes
from foldcheck.io.locate import JsonText, byte_line_col

_SHAPE = 'expected a COCO results list [{"image_id", "category_id", "bbox", "score"}, ...]'
_NOT_FINITE = re.compile(rb"-?(NaN|Infinity)")
_FIELD_AT = re.compile(r"at `\$\[(\d+)\](?:\.(\w+))?")


class _Record(msgspec.Struct):
    image_id: int | str
    category_id: int
    score: float
    bbox: list[float] | None = None
    segmentation: Any = None
    file_name: str | None = None


@dataclass(frozen=True, eq=False)
class Predictions:
    path: Path
    image_ids: list[int | str]  # as written: an int, or Ultralytics' file stem
    file_names: list[str | None]
    category_ids: np.ndarray  # int64
    boxes: np.ndarray  # float64 [n, 4]; NaN rows where a mask-only record has no box
    scores: np.ndarray  # float64
    segmentations: list[Any] | None  # per record, when masks are scored
    raw: bytes = field(repr=False)

    def __len__(self) -> int:
        return len(self.scores)

    @cached_property
    def _text(self) -> JsonText:
        return JsonText(self.raw)

    def place(self, index: int, key: str | None = None) -> tuple[int | None, int | None]:
        """Line and column of record ``index`` (or of its ``key``)."""
        where = self._text.locate((index,) if key is None else (index, key))
        return where if where is not None else (None, None)


def read_predictions(path: Path, masks: bool = False) -> Predictions:
    raw = read_bytes(path)
    records = _decode(raw, path)
    n = len(records)
    text = JsonText(raw) if n else None

    def refuse(index: int, key: str, message: str) -> InputError:
        assert text is not None
        line, col = text.locate((index, key)) or text.locate((index,)) or (None, None)
        return InputError(message, path, line=line, col=col)

    boxes = np.full((n, 4), np.nan)
    has_box = [r.bbox is not None for r in records]
    for index, record in enumerate(records):
        if record.bbox is not None and len(record.bbox) != 4:
            raise refuse(
                index, "bbox", f'"bbox" has {len(record.bbox)} numbers, not 4 [x, y, w, h]'
            )
        if record.bbox is None and not (masks and record.segmentation is not None):
            need = '"bbox" or "segmentation"' if masks else '"bbox"'
            raise refuse(index, "image_id", f"a prediction without {need}")
    if any(has_box):
        rows = np.flatnonzero(has_box)
        boxes[rows] = np.array([records[i].bbox for i in rows.tolist()], dtype=np.float64)
    bad = np.flatnonzero(np.asarray(has_box) & ~np.isfinite(boxes).all(axis=1))
    if len(bad):
        raise refuse(int(bad[0]), "bbox", '"bbox" holds a number that is not finite')
    scores = np.array([r.score for r in records], dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(scores))
    if len(bad):
        raise refuse(int(bad[0]), "score", '"score" is not a finite number')
    return Predictions(
        path,
        [r.image_id for r in records],
        [r.file_name for r in records],
        np.array([r.category_id for r in records], dtype=np.int64),
        boxes,
        scores,
        [r.segmentation for r in records] if masks else None,
        raw,
    )


def _decode(raw: bytes, path: Path) -> list[_Record]:
    try:
        return msgspec.json.decode(raw, type=list[_Record])
    except msgspec.ValidationError as bad:
        found = _FIELD_AT.search(str(bad))
        message = str(bad).split(" - at ")[0]
        if found is None:
            raise InputError(f"not a COCO results list: {message}; {_SHAPE}", path) from None
        index, key = int(found[1]), found[2]
        text = JsonText(raw)
        line, col = (
            (text.locate((index, key)) if key else None)
            or text.locate((index,))
            or (
                None,
                None,
            )
        )
        what = f'"{key}": ' if key else "a prediction: "
        if key == "score" and "null" in message:
            message = "missing score (null)"
        raise InputError(f"{what}{message}; {_SHAPE}", path, line=line, col=col) from None
    except msgspec.DecodeError as bad:
        position = re.search(r"byte (\d+)", str(bad))
        offset = int(position[1]) if position else 0
        line, col = byte_line_col(raw, offset)
        if _NOT_FINITE.match(raw, offset):
            message = (
                "a number that is not finite (NaN or Infinity): scores and boxes must be finite"
            )
        else:
            message = f"not JSON: {str(bad).split(' (byte')[0]}"
        raise InputError(message, path, line=line, col=col) from None
