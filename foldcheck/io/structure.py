"""The structure of a run of JSON records, found with numpy: where each record starts and ends,
and whether any object in it repeats a key.

The parsers that decode fast (msgspec) keep the last of duplicate keys and give no offsets.
Both questions only need the structural characters outside strings: quotes, colons and braces.
A key is a string whose next structural character is a colon (a colon outside strings follows
nothing else). Keys are compared within each top-level record by a digest (length and first 8
bytes); a record with two keys of one digest, which may be distinct long keys or the same key
in two nested objects, is checked exactly by the standard library's parser.

The text must be valid JSON already (the caller has parsed it): escapes are only undone for
quotes, and a key written with an escape is compared exactly, never by its bytes.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from foldcheck.io.jsonio import locate_duplicate_key
from foldcheck.io.nesting import escaped

QUOTE, COLON, OPEN, CLOSE, BACKSLASH = (ord(c) for c in '":{}\\')


class Structure(NamedTuple):
    starts: np.ndarray  # int64 [records]: offset of each top-level record's "{"
    ends: np.ndarray  # int64 [records]: offset just past its "}"
    duplicate_at: int  # offset of the "{" of the first object repeating a key; -1 if none
    duplicate_key: str
    complete: bool  # every string closed and every brace matched: the text is whole records


def scan_records(text: bytes | memoryview) -> Structure:
    """``text`` holds whole JSON values separated by commas and white space (records)."""
    b = np.frombuffer(text, np.uint8)
    mask = b == QUOTE
    mask |= b == COLON
    mask |= b == OPEN
    mask |= b == CLOSE
    where = np.flatnonzero(mask)
    kind = b[where]
    has_backslash = bool((b == BACKSLASH).any())
    if has_backslash:
        keep = ~escaped(b, where)
        where, kind = where[keep], kind[keep]
    is_quote = kind == QUOTE
    outside = (np.cumsum(is_quote, dtype=np.int64) - is_quote) & 1 == 0
    braces = np.flatnonzero(outside & ((kind == OPEN) | (kind == CLOSE)))
    brace_kind = kind[braces]
    depth = np.cumsum(np.where(brace_kind == OPEN, 1, -1))
    complete = bool(
        int(is_quote.sum()) % 2 == 0 and (not len(depth) or (depth[-1] == 0 and depth.min() >= 0))
    )
    starts = where[braces[(brace_kind == OPEN) & (depth == 1)]].astype(np.int64)
    ends = where[braces[(brace_kind == CLOSE) & (depth == 0)]].astype(np.int64) + 1
    # Nothing but a key's closing quote comes right before a colon outside strings.
    colons = np.flatnonzero(outside & (kind == COLON))
    if not complete or not len(colons) or not len(starts):
        return Structure(starts, ends, -1, "", complete)
    key_open = where[colons - 2].astype(np.int64)
    key_close = where[colons - 1].astype(np.int64)
    record = np.searchsorted(starts, key_open, side="right") - 1
    digest = _key_digest(b, key_open, key_close)
    suspects = _suspect_records(record, digest, len(starts))
    if has_backslash:  # a key spelled with an escape may equal one spelled without
        slashes = np.cumsum(b == BACKSLASH)
        key_escaped = slashes[key_close - 1] > slashes[key_open]
        suspects = np.union1d(suspects, np.unique(record[key_escaped]))
    found = _first_duplicate(text, starts[suspects], ends[suspects])
    if found is None:
        return Structure(starts, ends, -1, "", complete)
    return Structure(starts, ends, found[0], found[1], complete)


def _key_digest(b: np.ndarray, key_open: np.ndarray, key_close: np.ndarray) -> np.ndarray:
    """Each key's length and first 8 bytes (one unaligned word read) mixed into 64 bits."""
    padded = np.concatenate([b, np.zeros(8, np.uint8)])
    words = np.ndarray((len(b),), dtype="<u8", buffer=padded, strides=(1,))
    length = (key_close - key_open - 1).astype(np.uint64)
    shift = np.minimum(length, np.uint64(8)) * np.uint64(8)
    # A shift by 64 is undefined: keep all of the word for keys of 8 bytes or more.
    mask = np.where(length >= 8, np.uint64(0xFFFFFFFFFFFFFFFF), (np.uint64(1) << shift) - 1)
    with np.errstate(over="ignore"):
        digest: np.ndarray = (words[key_open + 1] & mask) ^ (length * np.uint64(0x9E3779B97F4A7C15))
    return digest


def _suspect_records(record: np.ndarray, digest: np.ndarray, n_records: int) -> np.ndarray:
    """Records holding two keys of one digest (at any nesting level: the exact check that
    follows sorts those out).

    Machine-written files repeat a few key lists in record after record: records with as many
    keys as another and the same digests in the same order are cleared together, by the
    first of them; the rest are sorted.
    """
    counts = np.bincount(record, minlength=n_records)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    suspects = []
    unsorted = np.ones(n_records, bool)
    for width in np.unique(counts).tolist():
        rows = np.flatnonzero(counts == width)
        if width == 0:
            unsorted[rows] = False
            continue
        table = digest[starts[rows, None] + np.arange(width)]
        same = (table == table[0]).all(axis=1)
        unsorted[rows[same]] = False
        if len(np.unique(table[0])) < width:
            suspects.append(rows[same])
    rest = np.flatnonzero(unsorted[record])
    if len(rest):
        order = rest[np.lexsort((digest[rest], record[rest]))]
        repeated = (record[order][1:] == record[order][:-1]) & (
            digest[order][1:] == digest[order][:-1]
        )
        suspects.append(record[order][1:][repeated])
    return np.unique(np.concatenate(suspects)) if suspects else np.zeros(0, np.intp)


def _first_duplicate(
    text: bytes | memoryview, starts: np.ndarray, ends: np.ndarray
) -> tuple[int, str] | None:
    """The first object, at any depth in the suspect records, that repeats a key (exact)."""
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        found = locate_duplicate_key(bytes(text[start:end]))
        if found is not None:
            return start + found[1], found[0]
    return None
