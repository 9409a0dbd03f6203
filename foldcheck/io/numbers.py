"""JSON arrays of numbers read into float64 arrays without a Python float per number.

The COCO lint reads four numbers of box per annotation (3.4M on COCO's train2017) and every
polygon coordinate (about 45M there). Made into Python floats and gathered by numpy they cost
more than the rest of validate's read (bench/validate_bench.py), so the reader keeps those
values undecoded (``msgspec.Raw``) and their numbers are read here: by the compiled
``_numbers`` where the install could build it, else by msgspec. Both give the doubles
``json.loads`` gives (tests/test_numbers.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import chain
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np

FillArrays = Callable[[Sequence[Any], np.ndarray, np.ndarray, str | None], int]

_ARRAYS = msgspec.json.Decoder(list[list[float]])


def fill_arrays_python(
    texts: Sequence[Any], lengths: np.ndarray, values: np.ndarray, attribute: str | None = None
) -> int:
    """``_numbers.fill_arrays`` with msgspec: each of ``texts`` (bytes-like JSON values; with
    ``attribute``, objects holding one as that attribute) read as an array of finite numbers,
    its length into ``lengths``, its numbers into ``values`` one array after another; how
    many numbers, or -1 unless every text is such an array and ``values`` holds them all."""
    if attribute is not None:
        texts = list(map(attrgetter(attribute), texts))
    try:
        arrays = _ARRAYS.decode(b"[" + b",".join(texts) + b"]")
    except (TypeError, msgspec.DecodeError):  # TypeError: a missing value (UNSET)
        return -1
    if len(arrays) != len(texts):  # a text held more than one value
        return -1
    lengths[:] = np.fromiter(map(len, arrays), np.int64, len(arrays))
    total = int(lengths.sum())
    if total > len(values):
        return -1
    values[:total] = np.fromiter(chain.from_iterable(arrays), np.float64, total)
    return total


def _compiled() -> FillArrays | None:
    try:
        from foldcheck.io._numbers import fill_arrays
    except ImportError:  # installed where no C compiler was at hand
        return None
    return fill_arrays


fill_arrays_compiled = _compiled()
_fill_arrays = fill_arrays_compiled or fill_arrays_python


def number_arrays(
    texts: Sequence[Any], most: int, attribute: str | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Each of ``texts`` (or their ``attribute``) read as an array of finite numbers: their
    lengths (int64) and their numbers one after another (float64); None unless every one is
    such an array, or if they hold more than ``most`` numbers."""
    lengths, values = np.empty(len(texts), np.int64), np.empty(most)
    total = _fill_arrays(texts, lengths, values, attribute)
    return None if total < 0 else (lengths, values[:total])


def boxes(texts: Sequence[Any], attribute: str | None = None) -> np.ndarray | None:
    """The boxes ``texts`` (or their ``attribute``) hold, as float64 [n, 4]; None unless each
    is four finite numbers."""
    read = number_arrays(texts, 4 * len(texts), attribute)
    if read is None or (read[0] != 4).any():
        return None
    return read[1].reshape(len(texts), 4)
