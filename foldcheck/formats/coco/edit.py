"""Textual edits of a COCO file for ``validate --fix``, over the reader's byte spans of its
top-level members and annotation records (``formats.coco.text``): a record's members set or
added, records dropped, ``info`` added.

The text is read as latin-1, so character offsets are byte offsets; JSON's structure is ASCII
and a UTF-8 sequence inside a string stays inside it, so the stdlib scanner finds the same
values it would in the decoded text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import numpy as np

from foldcheck.formats.coco.text import TextSource

_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _skip(text: str, pos: int) -> int:
    return _SPACE.match(text, pos).end()  # type: ignore[union-attr]


def members(text: str, start: int = 0) -> list[tuple[str, int, int, int]]:
    """(key, key_start, value_start, value_end) of the object starting at ``start``."""
    pos = _skip(text, start)
    pos = _skip(text, pos + 1)
    found: list[tuple[str, int, int, int]] = []
    while text.startswith('"', pos):
        key_start = pos
        key, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, _skip(text, pos) + 1)  # past ':'
        value_start = pos
        _, pos = _DECODER.raw_decode(text, pos)
        found.append((key, key_start, value_start, pos))
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
    return found


@dataclass
class Edits:
    drop: np.ndarray  # bool [annotations]: records left out
    members: dict[int, dict[str, str]] = field(default_factory=dict)  # row -> key -> JSON text
    add_info: bool = False


@dataclass(frozen=True)
class RecordSpans:
    text: bytes
    members: tuple[tuple[str, int, int], ...]  # top-level (key, value_start, value_end)
    annotations: np.ndarray  # int64 [n, 2]

    def array_span(self, key: str) -> tuple[int, int]:
        for name, start, end in self.members:
            if name == key:
                return start, end
        raise KeyError(key)


def record_spans(source: TextSource) -> RecordSpans:
    """The spans an edit needs, from the reader's (the text copied: edits slice it as str)."""
    return RecordSpans(bytes(source.text[:]), source.members, source.spans.annotations)


def set_members(record: str, values: dict[str, str]) -> str:
    """The record with each key's value replaced by the given JSON text, or the member added
    after the last one, separated as the record separates its members."""
    found = members(record)
    edits: list[tuple[int, int, str]] = []
    existing = {key: (vs, ve) for key, _, vs, ve in found}
    added = [(k, v) for k, v in values.items() if k not in existing]
    for key, value in values.items():
        if key in existing:
            edits.append((*existing[key], value))
    if added:
        # separated as the record's last two members are, e.g. ',\n    ' or ', '
        separator = record[found[-2][3] : found[-1][1]] if len(found) >= 2 else ", "
        anchor = found[-1][3] if found else record.index("{") + 1
        lead = separator if found else ""
        text = "".join(
            f"{lead if i == 0 else separator}{json.dumps(k)}: {v}" for i, (k, v) in enumerate(added)
        )
        edits.append((anchor, anchor, text))
    for start, end, value in sorted(edits, reverse=True):
        record = record[:start] + value + record[end:]
    return record


def apply_edits(spans: RecordSpans, p: Edits) -> bytes:
    """The file's bytes with the plan applied: other records and members byte for byte."""
    text = spans.text.decode("latin-1")
    start, end = spans.array_span("annotations")
    records = spans.annotations
    head = text[:start]
    if p.add_info:
        body = text.index("{") + 1
        key = len(text) - len(text[body:].lstrip(" \t\r\n"))  # the first key's quote
        head = text[:key] + '"info": {},' + text[body:key] + text[key:start]
    pieces = [head]
    kept = np.flatnonzero(~p.drop).tolist()
    if len(records):
        pieces.append(text[start : records[0, 0]])
        for i, row in enumerate(kept):
            if i:
                pieces.append(text[records[row - 1, 1] : records[row, 0]])
            record = text[records[row, 0] : records[row, 1]]
            if row in p.members:
                record = set_members(record, p.members[row])
            pieces.append(record)
        pieces.append(text[records[-1, 1] : end])
    else:
        pieces.append(text[start:end])
    pieces.append(text[end:])
    return "".join(pieces).encode("latin-1")
