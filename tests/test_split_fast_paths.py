"""The split step's fast paths compute what the plain numpy calls they replace compute, ties
and all, so the same inputs and seed still give the same folds."""

from __future__ import annotations

import numpy as np
import pytest

from foldcheck.core.distinct import distinct_counts
from foldcheck.splitter.greedy import _sort_order


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_order_of_random_values_is_the_stable_sorts(seed: int) -> None:
    values = np.random.default_rng(seed).random(50_000)
    assert np.array_equal(_sort_order(values), np.argsort(values, kind="stable"))


def test_equal_values_keep_their_order_as_in_a_stable_sort() -> None:
    """An unstable sort may swap equal values: the tie is found and the stable sort used."""
    values = np.repeat(np.random.default_rng(3).random(500), 40)
    np.random.default_rng(4).shuffle(values)
    assert np.array_equal(_sort_order(values), np.argsort(values, kind="stable"))


@pytest.mark.parametrize("reuse", [False, True])
def test_distinct_counts_are_uniques(reuse: bool) -> None:
    values = np.random.default_rng(5).integers(0, 1_000, 20_000)
    expected = np.unique(values, return_counts=True)
    found = distinct_counts(values.copy() if reuse else values, reuse=reuse)
    assert all(np.array_equal(a, b) for a, b in zip(found, expected, strict=True))
