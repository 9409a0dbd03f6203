"""A numpy column filled a run of values at a time, grown in place.

Joining runs at the end (``np.concatenate``) holds every run beside the joined column: twice
the column, a GB for Open Images' annotations, and every page of the new column touched for
the first time. Here the column grows by reallocation, which for a large block moves its pages
without copying them (``mremap``), so the values are written once, into the final column.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import DTypeLike

_FIRST = 1 << 16


class GrowingColumn:
    def __init__(self, dtype: DTypeLike) -> None:
        self._array = np.empty(_FIRST, dtype)
        self._size = 0

    def extend(self, values: np.ndarray) -> None:
        end = self._size + len(values)
        if end > len(self._array):
            # Only this object holds the array (no view is handed out before ``finish``).
            self._array.resize(max(end, 2 * len(self._array)), refcheck=False)
        self._array[self._size : end] = values
        self._size = end

    def finish(self) -> np.ndarray:
        """The column, its spare room given back; the object is not to be extended again."""
        self._array.resize(self._size, refcheck=False)
        return self._array
