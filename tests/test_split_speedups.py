"""The split step's faster formulations (issue 23, coco's split step) compute exactly what the
plainer code they replaced computed, ties and all, so the same inputs and seed still give the
same folds, byte for byte (``bench/same_folds.py`` checks that on the bench's draws)."""

from __future__ import annotations

import numpy as np
import pytest

import foldcheck
from foldcheck.core.distinct import distinct
from foldcheck.core.groups import GroupKey, group_images
from foldcheck.splitter import greedy
from foldcheck.splitter.deal import _key_columns
from foldcheck.splitter.profiles import Profiles, build_profiles
from foldcheck.splitter.refine_bulk import _best, refine_bulk
from foldcheck.splitter.state import exchange_deltas, exchange_parts
from tests.conftest import real_dataset
from tests.test_split_repair_chain import coco_like_profiles

K = 5


@pytest.fixture(scope="module")
def coco_profiles(tmp_path_factory: pytest.TempPathFactory) -> Profiles:
    """3,000 COCO-like images, one group each (the bulk path's shape, smaller)."""
    return coco_like_profiles(tmp_path_factory.mktemp("coco"), 3_000, seed=7)


@pytest.mark.parametrize("size", [0, 1, 2, 64, 640, 20_000])
def test_distinct_is_numpys_unique(size: int) -> None:
    values = np.random.default_rng(size).integers(0, max(size // 3, 1), size)
    found = distinct(values)
    assert found.dtype == values.dtype
    assert np.array_equal(found, np.unique(values))


def _deltas_as_one_expression(
    give: np.ndarray, take: np.ndarray, w: np.ndarray, gap: np.ndarray
) -> np.ndarray:
    """``exchange_deltas`` as it was written before: one expression, no parts."""
    wgap = w * gap
    give_linear, give_square = give @ wgap, (give * give) @ w
    delta = np.empty((len(give), len(take) + 1))
    delta[:, :-1] = 2 * (give_linear[:, None] - (take @ wgap)[None, :]) + 2 * (
        give_square[:, None] + ((take * take) @ w)[None, :] - 2 * (give * w) @ take.T
    )
    delta[:, -1] = 2 * (give_linear + give_square)
    return delta


@pytest.mark.parametrize("seed", range(20))
def test_exchange_parts_are_the_one_expressions_numbers(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_columns = int(rng.integers(1, 60))
    give = rng.integers(0, 5, (int(rng.integers(1, 70)), n_columns)).astype(float)
    take = rng.integers(0, 5, (int(rng.integers(0, 130)), n_columns)).astype(float)
    w = rng.random(n_columns) / rng.integers(1, 10_000, n_columns) ** 2
    gap = rng.integers(-500, 500, n_columns).astype(float)
    expected = _deltas_as_one_expression(give, take, w, gap)
    swaps, moves = exchange_parts(give, take, w, gap)
    assert swaps.flags.c_contiguous
    assert np.concatenate([swaps, moves[:, None]], axis=1).tobytes() == expected.tobytes()
    assert exchange_deltas(give, take, w, gap).tobytes() == expected.tobytes()


@pytest.mark.parametrize("seed", range(200))
def test_best_exchange_is_the_first_least_of_one_matrix(seed: int) -> None:
    """Swaps and moves kept apart pick the entry argmin picks in [swaps | moves], row by row:
    drawn from a few values (inf among them) so that ties are the rule."""
    rng = np.random.default_rng(seed)
    n_givers, n_takers = int(rng.integers(1, 6)), int(rng.integers(0, 6))
    matrix = rng.choice([-2.0, -1.0, 0.0, np.inf], (n_givers, n_takers + 1))
    i, j = divmod(int(matrix.argmin()), n_takers + 1)
    expected = (i, j if j < n_takers else -1)
    assert _best(np.ascontiguousarray(matrix[:, :-1]), matrix[:, -1].copy()) == expected


def _place_by_slices(
    profiles: Profiles, order: np.ndarray, load: np.ndarray, fold_of_group: np.ndarray
) -> None:
    """``greedy.place_exactly`` as it was written before: 2-D slices, np.add.at."""
    for first in range(0, len(order), 128):
        batch = order[first : first + 128]
        rows, columns, values = profiles.entries(batch)
        used, local = profiles.compact(columns)
        dense = np.zeros((len(batch), len(used)))
        dense[rows, local] = values
        weighted = dense * profiles.weights[used]
        score = load[:, used] @ weighted.T
        gram = weighted @ dense.T
        for i in range(len(batch)):
            fold = int(score[:, i].argmin())
            fold_of_group[batch[i]] = fold
            score[fold, i + 1 :] += gram[i, i + 1 :]
        np.add.at(load, (fold_of_group[batch][rows], columns), values)


@pytest.mark.parametrize("seed", [0, 1])
def test_greedy_placement_is_the_slice_by_slice_one(coco_profiles: Profiles, seed: int) -> None:
    order = greedy.placement_order(coco_profiles, np.random.default_rng(seed))
    results = []
    for place in (greedy.place_exactly, _place_by_slices):
        load = np.zeros((K, len(coco_profiles.targets)))
        fold_of_group = np.full(coco_profiles.n_groups, -1)
        place(coco_profiles, order, load, fold_of_group)
        results.append((fold_of_group, load))
    (ours, our_load), (theirs, their_load) = results
    assert np.array_equal(ours, theirs)
    assert our_load.tobytes() == their_load.tobytes()


@pytest.mark.parametrize("name", ["coco-like", "car-damage"])
def test_chained_search_keeps_loads_exact_and_the_callers_loads_change_nothing(
    coco_profiles: Profiles, name: str
) -> None:
    """The chain applies its moves to the loads once at its end, and the bulk path hands the
    loads it kept to the search: both are the loads made afresh, to the bit, and the search
    ends where it ends without them."""
    if name == "coco-like":
        profiles = coco_profiles
    else:
        dataset = foldcheck.load_dataset(real_dataset(name))
        groups = group_images(dataset, GroupKey.parse("roboflow"))
        profiles = build_profiles(dataset, groups, K, "both")
    start = np.random.default_rng(3).integers(0, K, profiles.n_groups)
    kept = start.copy()
    load = profiles.loads(kept, K)
    refine_bulk(profiles, kept, K, np.random.default_rng(4), load)
    made = start.copy()
    refine_bulk(profiles, made, K, np.random.default_rng(4))
    assert np.array_equal(kept, made)
    assert not np.array_equal(kept, start)  # the search moved groups
    assert load.tobytes() == profiles.loads(kept, K).tobytes()


def test_key_columns_are_the_reduceat_ones(coco_profiles: Profiles) -> None:
    """Each group's column of largest w x^2, by np.maximum.at, as by np.maximum.reduceat."""
    profiles = coco_profiles
    impact = profiles.weights[profiles.columns] * profiles.values**2
    top = np.maximum.reduceat(impact, profiles.indptr[:-1])
    row = profiles.row_of_entries()
    at_top = np.flatnonzero(impact == top[row])
    first = at_top[np.concatenate([[True], row[at_top][1:] != row[at_top][:-1]])]
    key, value = _key_columns(profiles, impact)
    assert np.array_equal(key, profiles.columns[first])
    assert np.array_equal(value, profiles.values[first])
