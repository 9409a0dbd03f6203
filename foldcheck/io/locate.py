"""Line and column of a JSON value, from its path (``("images", 17, "id")``).

Parsers do not keep positions, so this walks the text with the standard library's scanner,
skipping whole values it does not need. It runs only when there is something to report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache

_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
PathStep = str | int


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a character offset."""
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def byte_line_col(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a byte offset into UTF-8 text."""
    before = raw[:offset].decode("utf-8", errors="replace")
    return line_col(before, len(before))


class JsonText:
    def __init__(self, raw: bytes) -> None:
        self.text = raw.decode("utf-8", errors="replace")

    def line_col(self, offset: int) -> tuple[int, int]:
        return line_col(self.text, offset)

    def locate(self, path: Sequence[PathStep]) -> tuple[int, int] | None:
        """(line, column) where the value at ``path`` starts; None if it is not there."""
        offset = self.offset(tuple(path))
        return None if offset is None else self.line_col(offset)

    def offset(self, path: tuple[PathStep, ...]) -> int | None:
        if not path:
            return _SPACE.match(self.text, 0).end()  # type: ignore[union-attr]
        parent = self.offset(path[:-1])
        if parent is None:
            return None
        step = path[-1]
        if isinstance(step, int):
            starts = self._element_starts(parent)
            return starts[step] if 0 <= step < len(starts) else None
        return self._member_start(parent, step)

    @lru_cache(maxsize=64)  # noqa: B019 - one JsonText per file, dropped with it
    def _element_starts(self, start: int) -> list[int]:
        text, starts = self.text, list[int]()
        if not text.startswith("[", start):
            return starts
        end = _flat_end(text, start)
        if end is not None:  # numbers only: each element is a run of non-separators
            return [m.start() for m in _ELEMENT.finditer(text, start + 1, end)]
        pos = _SPACE.match(text, start + 1).end()  # type: ignore[union-attr]
        while pos < len(text) and text[pos] != "]":
            starts.append(pos)
            pos = _skip_value(text, pos)
            pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
            if text.startswith(",", pos):
                pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
        return starts

    def _member_start(self, start: int, key: str) -> int | None:
        text = self.text
        if not text.startswith("{", start):
            return None
        pos = _SPACE.match(text, start + 1).end()  # type: ignore[union-attr]
        while pos < len(text) and text[pos] == '"':
            name, pos = _DECODER.raw_decode(text, pos)
            pos = _SPACE.match(text, pos).end() + 1  # type: ignore[union-attr]  # past ':'
            pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
            if name == key:
                return pos
            pos = _skip_value(text, pos)
            pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
            if text.startswith(",", pos):
                pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
        return None


_NESTED_OR_TEXT = re.compile(r'[\[{"]')


_ELEMENT = re.compile(r"[^\s,\]]+")


def _flat_end(text: str, start: int) -> int | None:
    """Where the array at ``start`` closes, when it holds numbers only (a fold's image ids:
    tens of thousands of them, found by its bracket in C rather than decoded one by one)."""
    end = text.find("]", start)
    if end >= 0 and _NESTED_OR_TEXT.search(text, start + 1, end) is None:
        return end
    return None


def _skip_value(text: str, pos: int) -> int:
    """Where the JSON value at ``pos`` ends."""
    if text.startswith("[", pos) and (end := _flat_end(text, pos)) is not None:
        return end + 1
    _, stop = _DECODER.raw_decode(text, pos)
    return int(stop)
