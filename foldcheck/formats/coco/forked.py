"""The second half of a large ``annotations`` array decoded in a forked process, beside the
first: on two cores the read of an Open Images-size file takes about half as long.

The decoding holds the GIL (msgspec, the columns' ``fromiter``), so a thread would not help; a
process forked at the array's start shares the mapped file and every object, and only its
columns come back, through a pipe. It stands only for the ordinary path: a run whose records
do not fit the types, a repeated key, anything unexpected, and the child gives up; the parent
then reads that half itself, as a read in one process would, so every error is the same one
in the same words. The half's first record is a guess (``records.boundary_after``) that the
parent's own runs confirm by ending exactly there; else the child's columns are not used.
"""

from __future__ import annotations

import contextlib
import os
import signal
import struct
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from foldcheck.formats.coco.records import ArrayRuns, Field, boundary_after, record_after
from foldcheck.io.growing import GrowingColumn

FORK_BYTES = 64 << 20  # smaller arrays are read in one process (a fork costs milliseconds)
_HEADER = struct.Struct("<qqq")  # records, runs, the array's end
ColumnsOf = Callable[[list[Any]], "tuple[np.ndarray, ...] | None"]


class Rest:
    """The child decoding the array from the record at ``start`` (just after ``stop_at``,
    where the parent's runs are to end) to the array's end."""

    def __init__(self, pid: int, reader: int, stop_at: int, start: int) -> None:
        self.pid, self.reader, self.stop_at, self.start = pid, reader, stop_at, start

    def collect(self, dtypes: Sequence[Any]) -> tuple[list[np.ndarray], np.ndarray, int] | None:
        """The child's columns, its runs (index, start, end; the index from the half's first
        record) and the array's end; None if it gave up."""
        try:
            header = _read_exactly(self.reader, _HEADER.size)
            if header is None:
                return None
            count, n_runs, end = _HEADER.unpack(header)
            runs = _read_array(self.reader, np.int64, 3 * n_runs)
            columns = [_read_array(self.reader, dtype, count) for dtype in dtypes]
        finally:
            self.close()
        if runs is None or any(column is None for column in columns):
            return None
        return [c for c in columns if c is not None], runs.reshape(n_runs, 3), end

    def close(self) -> None:
        """Ends the child (if it still runs) and reaps it."""
        if self.reader < 0:
            return
        os.close(self.reader)
        self.reader = -1
        with contextlib.suppress(ProcessLookupError):  # reaped already: cannot be
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


def start_rest(
    text: Any, start: int, fields: Sequence[Field], name: str, columns_of: ColumnsOf
) -> Rest | None:
    """A child reading the second half of the array whose ``[`` is at ``start``, when the
    array may be large enough to pay for it and the platform forks cheaply; else None."""
    if len(text) - start < FORK_BYTES or not _can_fork():
        return None
    stop_at = boundary_after(text, start + (len(text) - start) // 2)
    if stop_at is None:
        return None
    first = record_after(text, stop_at)
    try:
        reader, writer = os.pipe()
    except OSError:  # no descriptor to spare: read in this process
        return None
    try:
        pid = os.fork()
    except OSError:  # no process to spare (a container's limit, memory): read in this one
        os.close(reader)
        os.close(writer)
        return None
    if pid == 0:  # the child: never returns, never runs the parent's cleanup
        code = 1
        try:
            os.close(reader)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent ends it
            _send(writer, _decode(text, start, fields, name, first, columns_of))
            code = 0
        finally:
            os._exit(code)
    os.close(writer)
    return Rest(pid, reader, stop_at, first)


def _can_fork() -> bool:
    # Linux only: macOS's system libraries are not safe to use in a forked child.
    return sys.platform.startswith("linux") and len(os.sched_getaffinity(0)) > 1


def _decode(
    text: Any, start: int, fields: Sequence[Field], name: str, first: int, columns_of: ColumnsOf
) -> tuple[list[np.ndarray], list[tuple[int, int, int]], int]:
    runs = ArrayRuns(text, start, fields, name, resume=(first, 0))
    joined: list[GrowingColumn] = []
    places = []
    for run in runs:
        columns = None if run.records is None else columns_of(run.records)
        if columns is None:
            raise _GaveUp
        joined = joined or [GrowingColumn(column.dtype) for column in columns]
        for column, values in zip(joined, columns, strict=True):
            column.extend(values)
        places.append((run.first, run.start, run.end))
    return [column.finish() for column in joined], places, runs.end


class _GaveUp(Exception):
    pass


def _send(writer: int, decoded: tuple[list[np.ndarray], list[tuple[int, int, int]], int]) -> None:
    columns, places, end = decoded
    _write_all(writer, _HEADER.pack(len(columns[0]), len(places), end))
    _write_all(writer, np.array(places, np.int64).reshape(-1).tobytes())
    for column in columns:
        _write_all(writer, column.data.cast("B"))


def _write_all(writer: int, data: Any) -> None:
    view = memoryview(data)
    while len(view):
        view = view[os.write(writer, view) :]


def _read_exactly(reader: int, size: int) -> bytes | None:
    data = _read_array(reader, np.uint8, size)
    return None if data is None else data.tobytes()


def _read_array(reader: int, dtype: Any, count: int) -> np.ndarray | None:
    """``count`` values read from the pipe; None if it ends first (the child gave up)."""
    values = np.empty(count, dtype)
    view, done = values.data.cast("B"), 0
    while done < len(view):
        got = os.readv(reader, [view[done:]])
        if got == 0:
            return None
        done += got
    return values
