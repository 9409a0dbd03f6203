"""Rows of delimited text assembled from columns at numpy speed, not by a Python ``join`` per
row (folds.csv has a row per image: 1.9 million at Open Images size).

Each column is a matrix of bytes, a row per field, with a mask of the bytes that are the
field's (integers right-aligned, strings left-aligned); the columns and the separators between
them are set side by side and the masked bytes taken in row order, which is the text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

_ZERO, _MINUS = ord("0"), ord("-")


class TextColumn(NamedTuple):
    """The fields of one column: each one's bytes in a row of ``chars``, ``keep`` marking
    them."""

    chars: np.ndarray  # uint8 [fields, width]
    keep: np.ndarray  # bool [fields, width]


def decimal(values: np.ndarray) -> TextColumn:
    """Each 64-bit integer as ``str(int)`` writes it: a minus sign if negative, no zeros in
    front."""
    values = values.astype(np.int64, copy=False)
    negative = values < 0
    magnitude = np.abs(values).view(np.uint64)  # -2**63 stays -2**63: as uint64, 2**63
    largest = int(magnitude.max()) if len(values) else 0
    if largest < 2**32:  # as most ids are: 32-bit division is the faster
        magnitude = magnitude.astype(np.uint32)
    width = len(str(largest))
    # A row per place (the sign's, then the digits'), right-aligned; transposed at the end.
    chars = np.empty((width + 1, len(values)), np.uint8)
    digits = np.ones(len(values), np.int64)
    for place in range(width, 0, -1):
        quotient = magnitude // 10
        chars[place] = magnitude - quotient * 10
        chars[place] += _ZERO
        magnitude = quotient
        digits += quotient > 0
    signed = np.flatnonzero(negative)
    chars[width - digits[signed], signed] = _MINUS
    keep = np.arange(width + 1)[:, None] >= width + 1 - digits - negative
    return TextColumn(chars.T, keep.T)


def ascii_strings(values: Sequence[str]) -> TextColumn | None:
    """Strings as their bytes; None if one is not ASCII (a byte per character)."""
    joined = "".join(values)
    if not joined.isascii():
        return None
    lengths = np.fromiter(map(len, values), np.int64, len(values))
    if len(values) and lengths.min() == lengths.max():  # file names often are: no padding
        chars = np.frombuffer(joined.encode("ascii"), np.uint8).reshape(len(values), -1)
    else:  # padded with zero bytes to the longest (its own zero bytes are kept: see keep)
        chars = np.array(values, np.bytes_).view(np.uint8).reshape(len(values), -1)
    return TextColumn(chars, np.arange(chars.shape[1]) < lengths[:, None])


def rows_text(columns: Sequence[TextColumn], separator: bytes, end: bytes) -> bytes:
    """The columns' fields row by row, ``separator`` between two fields of a row and ``end``
    after each row: ``b"".join(separator.join(row) + end for row in rows)``."""
    rows = len(columns[0].chars)

    def constant(text: bytes) -> TextColumn:
        shape = (rows, len(text))
        return TextColumn(np.full(shape, list(text), np.uint8), np.ones(shape, bool))

    between = constant(separator)
    parts = [part for column in columns for part in (between, column)][1:]
    parts.append(constant(end))
    chars = np.concatenate([part.chars for part in parts], axis=1)
    keep = np.concatenate([part.keep for part in parts], axis=1)
    text: bytes = chars[keep].tobytes()
    return text
