"""The balance floor: the least relative deviation any group-respecting split must pay.

For a row (a class, a size bucket, a fold-size count) with total n over K folds, each fold's
equal share is e = n / K, and a split's deviation of the row is max over folds of
|count - e| / e. Two things no split can beat:

* rounding: counts are integers summing to n, so when e is fractional some fold holds at
  least ceil(e) and some at most floor(e): deviation >= max(ceil(e) - e, e - floor(e)) / e;
* the largest group: the fold holding a group holds at least its m items of the row:
  deviation >= (m - e) / e.

The floor is the larger of the two. It is a bound, not the optimum: a row at the floor is as
even as it can be; one above it may or may not be improvable. ``bench/scoring.py`` scores
against this same function.
"""

from __future__ import annotations

import numpy as np

# A worst deviation within this of the floor counts as at it (float rounding only: counts
# are integers, so a real gap is at least 1 / e).
AT_FLOOR_SLACK = 1e-9


def deviation_floor(expected: np.ndarray, largest: np.ndarray) -> np.ndarray:
    """[rows]: the relative deviation floor of rows with these equal shares (total / K) and
    largest single-group counts; 0 where nothing is expected."""
    expected = np.asarray(expected, dtype=np.float64)
    rounding = np.maximum(np.ceil(expected) - expected, expected - np.floor(expected))
    absolute = np.maximum(rounding, np.asarray(largest, dtype=np.float64) - expected)
    floor: np.ndarray = np.divide(
        absolute, expected, out=np.zeros_like(expected), where=expected > 0
    )
    return floor
