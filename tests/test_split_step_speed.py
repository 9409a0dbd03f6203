"""coco's split step without the work it repeated (issue 23): the goals take the loads the bulk
search kept, and the chained exchanges fold their factor 4 into the weights. Each computes
exactly what it replaced, so the same inputs and seed give the same folds, byte for byte
(``bench/same_folds.py`` checks that on the bench's draws)."""

from __future__ import annotations

import numpy as np
import pytest

from foldcheck.splitter import greedy
from foldcheck.splitter.goals import goals, missed
from foldcheck.splitter.meet import meet_goals
from foldcheck.splitter.profiles import Profiles
from tests.test_split_repair_chain import coco_like_profiles

K = 5


@pytest.fixture(scope="module")
def coco_profiles(tmp_path_factory: pytest.TempPathFactory) -> Profiles:
    """6,000 COCO-like images (the bulk path's shape, smaller), some goals missed after it."""
    return coco_like_profiles(tmp_path_factory.mktemp("coco"), 6_000, seed=6)


def test_the_goals_met_from_the_searchs_loads_as_from_loads_made_afresh(
    coco_profiles: Profiles,
) -> None:
    profiles = coco_profiles
    searched, load = greedy._assign_bulk(profiles, K, np.random.default_rng(0))
    assert load.tobytes() == profiles.loads(searched, K).tobytes()
    assert missed(profiles, load, goals(profiles, K, 0.1)).any()  # so the goals do move groups
    results = []
    for kept in (load, None):
        fold_of_group = searched.copy()
        meet_goals(profiles, fold_of_group, K, np.random.default_rng(1), 0.1, False, kept)
        results.append(fold_of_group)
    assert np.array_equal(*results)
    assert not np.array_equal(results[0], searched)


def test_holder_counts_are_each_columns_groups(coco_profiles: Profiles) -> None:
    profiles = coco_profiles
    bounds = profiles.column_holders[1]
    rows = profiles.row_of_entries()
    expected = [len(np.unique(rows[profiles.columns == c])) for c in range(len(profiles.targets))]
    assert profiles.holder_counts.tolist() == expected == np.diff(bounds).tolist()


@pytest.mark.parametrize("seed", range(50))
def test_the_factor_four_in_the_weights_gives_four_times_the_products(seed: int) -> None:
    """The chain's rank-one terms: x . (4 w d) is 4 (x . w d) to the bit, as a power of two
    scales every product and sum exactly."""
    rng = np.random.default_rng(seed)
    n_columns = int(rng.integers(1, 12))
    rows = rng.integers(0, 40, (int(rng.integers(1, 200)), n_columns)).astype(float)
    w = rng.random(n_columns) / rng.integers(1, 100_000, n_columns) ** 2
    d = rng.integers(-60, 60, n_columns).astype(float)
    folded = rows @ ((4 * w) * d)
    scaled = rows @ (w * d)
    scaled *= 4
    assert folded.tobytes() == scaled.tobytes()
