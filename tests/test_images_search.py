"""The multi-index search returns exactly the brute-force pairs."""

from __future__ import annotations

import numpy as np
import pytest

from foldcheck.images.neardup import Pairs, brute_force_pairs, components, layout, near_pairs


def _planted(rng, n, threshold, pairs=300):
    h = rng.integers(0, 2**64 - 1, n, dtype=np.uint64, endpoint=True)
    a = rng.choice(n, 2 * pairs, replace=False)
    for x, y in zip(a[::2], a[1::2], strict=True):
        bits = rng.choice(64, int(rng.integers(0, threshold + 2)), replace=False)
        h[y] = h[x] ^ np.uint64(sum(1 << int(b) for b in bits))
    h[a[:20]] = h[a[0]]  # a bucket of identical hashes
    return h


@pytest.mark.parametrize("threshold", [0, 3, 8, 12])
@pytest.mark.parametrize("seed", [0, 1])
def test_same_pairs_as_brute_force(threshold, seed):
    h = _planted(np.random.default_rng(seed), 3000, threshold)
    got, want = near_pairs(h, threshold), brute_force_pairs(h, threshold)
    assert len(want.i) > 300
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_clustered_hashes_with_full_buckets():
    h = np.random.default_rng(2).integers(0, 2**12, 700).astype(np.uint64)  # 52 bits all zero
    got, want = near_pairs(h, 8), brute_force_pairs(h, 8)
    assert len(want.i) > 100_000  # buckets of hundreds: the general pairing path
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_edge_sizes():
    for n in (0, 1, 2):
        p = near_pairs(np.zeros(n, dtype=np.uint64), 8)
        assert len(p.i) == n * (n - 1) // 2


def test_layout_covers_every_pair_within_threshold():
    for n in (10, 10_000, 1_000_000):
        for t in range(0, 17):
            bands = layout(n, t)
            assert sum(b.bits for b in bands) == 64
            assert sum(b.radius + 1 for b in bands) > t  # the pigeonhole condition


def test_components_label_each_cluster_by_its_least_member():
    pairs = Pairs(np.array([0, 2, 5, 1]), np.array([3, 5, 6, 3]), np.zeros(4, np.uint8))
    assert components(8, pairs).tolist() == [0, 0, 2, 0, 4, 2, 2, 7]


def test_popcount_table_of_the_fallback() -> None:
    from foldcheck.images.neardup import _pop16

    table = _pop16()
    assert table.tolist() == [bin(v).count("1") for v in range(1 << 16)]
