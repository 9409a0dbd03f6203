"""Where the records a lint rule reports start, as line and column of the mapped COCO text.

The reader notes the runs it decoded each array in (index of the first record, byte span);
a reported record is found by scanning only its run, and the lines and columns of all the
reported records come from one walk of the text up to the last of them (COCO exports are
often one line of hundreds of MB: a column is counted in characters from the line's start).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from foldcheck.io.structure import scan_records

Run = tuple[int, int, int]  # index of its first record, byte offset of its start, of its end


@dataclass(frozen=True, eq=False)
class RecordPlaces:
    text: Any = field(repr=False)  # the mapped file
    runs: dict[str, tuple[Run, ...]]  # "images", "annotations", "categories" -> its runs
    _starts: dict[tuple[str, int], np.ndarray] = field(default_factory=dict, repr=False)

    def offsets(self, kind: str, rows: np.ndarray) -> np.ndarray:
        """Byte offset of the ``{`` of each of the records ``rows`` of the array ``kind``."""
        runs = self.runs[kind]
        firsts = np.array([first for first, _, _ in runs], np.int64)
        which = np.searchsorted(firsts, rows, side="right") - 1
        found = np.zeros(len(rows), np.int64)
        for run in np.unique(which).tolist():
            here = which == run
            found[here] = self._run_starts(kind, run)[rows[here] - firsts[run]]
        return found

    def places(self, kind: str, rows: np.ndarray) -> list[tuple[int, int]]:
        """(line, column), 1-based, of each of the records ``rows`` of the array ``kind``."""
        return line_cols(self.text, self.offsets(kind, np.asarray(rows, np.int64)))

    def _run_starts(self, kind: str, run: int) -> np.ndarray:
        key = (kind, run)
        if key not in self._starts:
            _, start, end = self.runs[kind][run]
            self._starts[key] = scan_records(memoryview(self.text)[start:end]).starts + start
        return self._starts[key]


def line_cols(text: Any, offsets: np.ndarray) -> list[tuple[int, int]]:
    """1-based line and column (in characters; the text is valid UTF-8) of each offset."""
    if not len(offsets):
        return []
    b = np.frombuffer(text, np.uint8, int(offsets.max()))
    newlines = np.concatenate([[-1], np.flatnonzero(b == 10)])  # -1: before the first line
    lines = np.searchsorted(newlines, offsets)  # 1 + the newlines before each offset
    line_starts = newlines[lines - 1] + 1
    order = np.argsort(offsets, kind="stable")
    columns = np.zeros(len(offsets), np.int64)
    previous, chars = -1, 0  # characters from the line's start to ``previous``
    for i in order.tolist():
        start, offset = int(line_starts[i]), int(offsets[i])
        counted_from = previous if previous >= start else start
        if counted_from == start:
            chars = 0
        # every byte of UTF-8 but a continuation byte (10xxxxxx) begins a character
        chars += int(np.count_nonzero((b[counted_from:offset] & 0xC0) != 0x80))
        columns[i], previous = chars + 1, offset
    return list(zip(lines.tolist(), columns.tolist(), strict=True))
