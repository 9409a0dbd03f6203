"""The area of a COCO RLE mask, as ``pycocotools.mask.area`` counts it, without pycocotools.

An RLE's ``counts`` alternate runs of 0s and 1s (column-major), starting with 0s: the area is
the sum of the odd-indexed runs. A compressed (string) ``counts`` packs each run in a
LEB128-like code: characters from ``"0"`` (48) on, 5 value bits each, least significant first,
0x20 set while more follow, 0x10 of the last one the sign; from the fourth run on, each is
stored as its difference from the run two before it. pycocotools keeps runs as 32-bit
unsigned integers, so arithmetic wraps as it does there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_MOST_CHARS = 12  # 60 bits: a longer code would shift past the 64-bit integer pycocotools uses


def rle_area(counts: Any) -> float:
    """Pixels set in the mask; NaN for counts that are neither a list of non-negative
    integers nor a well-formed compressed string."""
    if isinstance(counts, str):
        runs = decompress(counts)
        if runs is None:
            return float("nan")
        return float(int((runs[1::2] & 0xFFFFFFFF).sum()) % 2**32)
    if not isinstance(counts, list):
        return float("nan")
    if not counts:
        return 0.0
    try:
        runs = np.array(counts)
    except (ValueError, OverflowError):
        return float("nan")
    if runs.ndim != 1 or runs.dtype.kind not in "iub" or runs.min() < 0 or runs.max() >= 2**32:
        return float("nan")
    return float(int(runs[1::2].astype(np.int64).sum()) % 2**32)


def decompress(counts: str) -> np.ndarray | None:
    """The runs (int64, before the 32-bit wrap) of a compressed ``counts``."""
    if not counts.isascii():
        return None
    c = np.frombuffer(counts.encode("ascii"), np.uint8).astype(np.int64) - 48
    if not len(c):
        return np.zeros(0, np.int64)
    if c.min() < 0 or c.max() > 63 or c[-1] & 0x20:  # outside the code, or a code cut short
        return None
    last = (c & 0x20) == 0  # the last character of each run's code
    ends = np.flatnonzero(last)
    starts = np.concatenate([[0], ends[:-1] + 1])
    lengths = ends - starts + 1
    if lengths.max() > _MOST_CHARS:
        return None
    shift = 5 * (np.arange(len(c)) - np.repeat(starts, lengths))
    values = np.add.reduceat((c & 0x1F) << shift, starts)  # the 5-bit groups do not overlap
    negative = (c[ends] & 0x10) != 0
    values[negative] -= np.left_shift(1, 5 * lengths[negative])  # sign-extend
    runs: np.ndarray = values.copy()
    for parity in (0, 1):  # runs[i] = values[i] + runs[i - 2] for i >= 3
        first = 4 if parity == 0 else 3
        if len(runs) > first:
            chain = np.concatenate([[runs[first - 2]], values[first::2]])
            runs[first::2] = np.cumsum(chain)[1:]
    return runs
