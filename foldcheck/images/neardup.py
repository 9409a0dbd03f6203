"""All pairs of 64-bit hashes within Hamming distance T, exactly, by multi-index hashing.

Split the 64 bits into m bands and give band b a radius r_b with sum(r_b + 1) > T. If two
hashes differ in at most T bits, some band differs in at most r_b bits (else the bands alone
would differ in more than T), so probing, for every hash and band, every value within r_b of
its own band value finds every pair; each candidate is then verified on all 64 bits.
(Norouzi, Punjani, Fleet, "Fast search in Hamming space with multi-index hashing", CVPR 2012.)
The band layout is chosen per call by a cost model: fewer, wider bands mean more probe masks
per hash, more, narrower bands mean fuller buckets.
"""

from __future__ import annotations

import itertools
import math
from functools import cache
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

MAX_BAND_BITS = 22  # a band's bucket table has 2**bits slots (int64: 32 MiB at 22)


def popcount(x: U64) -> npt.NDArray[np.uint8]:
    """Bits set in each uint64 (numpy >= 2.0 has it built in)."""
    builtin = getattr(np, "bitwise_count", None)
    if builtin is not None:
        return builtin(x)  # type: ignore[no-any-return]
    parts = np.ascontiguousarray(x, dtype=np.uint64).view(np.uint16).reshape(-1, 4)
    counts: npt.NDArray[np.uint8] = _pop16()[parts].sum(axis=1, dtype=np.uint8)
    return counts


@cache
def _pop16() -> npt.NDArray[np.uint8]:
    """Bits set in each 16-bit value (built on first use: the loop is not free at import)."""
    every = np.arange(1 << 16, dtype=np.uint16).view(np.uint8)
    table: npt.NDArray[np.uint8] = np.unpackbits(every).reshape(-1, 16).sum(axis=1, dtype=np.uint8)
    return table


class Pairs(NamedTuple):
    """Index pairs i < j into the hash array, sorted by (i, j), with their distances."""

    i: I64
    j: I64
    distance: npt.NDArray[np.uint8]


class Band(NamedTuple):
    shift: int
    bits: int
    radius: int


def _masks(bits: int, radius: int) -> npt.NDArray[np.int64]:
    """Every value of `bits` bits with at most `radius` bits set, 0 first."""
    out = [0]
    for k in range(1, radius + 1):
        out.extend(sum(1 << p for p in c) for c in itertools.combinations(range(bits), k))
    return np.array(out, dtype=np.int64)


def _n_masks(bits: int, radius: int) -> int:
    return sum(math.comb(bits, k) for k in range(radius + 1))


def layout(n: int, threshold: int) -> list[Band]:
    """The band split with the least estimated work: probes n*masks + candidates n^2/2*p."""
    best: tuple[float, list[Band]] | None = None
    for m in range(math.ceil(64 / MAX_BAND_BITS), 17):
        widths = [64 // m + (b < 64 % m) for b in range(m)]
        spare = max(0, threshold + 1 - m)  # sum of radii needed beyond zero
        radii = [spare // m + (b < spare % m) for b in range(m)]
        shifts = list(itertools.accumulate([0, *widths[:-1]]))
        bands = [Band(s, w, r) for s, w, r in zip(shifts, widths, radii, strict=True)]
        masks = [_n_masks(b.bits, b.radius) for b in bands]
        cost = n * sum(masks) + n * n / 2 * sum(
            k / 2**b.bits for k, b in zip(masks, bands, strict=True)
        )
        if best is None or cost < best[0]:
            best = (cost, bands)
    assert best is not None
    return best[1]


def near_pairs(hashes: U64, threshold: int) -> Pairs:
    """Every pair (i < j) with popcount(hashes[i] ^ hashes[j]) <= threshold."""
    h = np.ascontiguousarray(hashes, dtype=np.uint64)
    bands = layout(len(h), threshold)
    found = [_band_pairs(h, band, threshold, bands[:b]) for b, band in enumerate(bands)]
    return _sorted_pairs(h, [i for i, _ in found], [j for _, j in found])


def _band_values(h: U64, band: Band) -> I64:
    values: I64 = ((h >> np.uint64(band.shift)) & np.uint64((1 << band.bits) - 1)).astype(np.int64)
    return values


def _band_pairs(h: U64, band: Band, threshold: int, earlier: list[Band]) -> tuple[I64, I64]:
    """The pairs within threshold whose band values differ in at most band.radius bits,
    except those an earlier band finds too (each pair is reported by its first band).

    Works on the distinct band values (buckets) in sorted order, with the hashes sorted the
    same way, so table reads and candidate checks stay close together in memory; a bucket
    pair (u, u ^ mask) is taken once, from the smaller value.
    """
    values = _band_values(h, band)
    order = np.argsort(values, kind="stable")
    hs = h[order]
    sorted_values = values[order]
    first = np.flatnonzero(np.diff(sorted_values, prepend=-1))  # bucket starts
    size = np.diff(first, append=len(values))
    u = sorted_values[first].astype(np.int32)  # int32 halves the probes' memory traffic
    bucket_of = np.full(1 << band.bits, -1, dtype=np.int32)
    bucket_of[u] = np.arange(len(u), dtype=np.int32)
    present = bucket_of >= 0
    out_a: list[I64] = []
    out_b: list[I64] = []

    def verify(a: I64, b: I64) -> None:  # positions in sorted order
        x = hs[a] ^ hs[b]
        ok = np.flatnonzero(popcount(x) <= threshold)
        a, b, x = a[ok], b[ok], x[ok]
        repeat = np.zeros(len(x), dtype=bool)
        for prev in earlier:
            sub = (x >> np.uint64(prev.shift)) & np.uint64((1 << prev.bits) - 1)
            repeat |= popcount(sub) <= prev.radius
        out_a.append(a[~repeat])
        out_b.append(b[~repeat])

    big = np.flatnonzero(size > 1)  # pairs inside one bucket (mask 0)
    if len(big):
        verify(*_expand(first[big], size[big], first[big], size[big]))
    for mask in _masks(band.bits, band.radius)[1:].astype(np.int32):
        probe = u ^ mask
        hit = np.flatnonzero(present[probe] & (probe > u))
        if len(hit):
            other = bucket_of[probe[hit]]
            verify(*_expand(first[hit], size[hit], first[other], size[other]))
    a = order[np.concatenate(out_a)] if out_a else np.zeros(0, np.int64)
    b = order[np.concatenate(out_b)] if out_b else np.zeros(0, np.int64)
    return np.minimum(a, b), np.maximum(a, b)


def _expand(a_start: I64, a_size: I64, b_start: I64, b_size: I64) -> tuple[I64, I64]:
    """Slot pairs (a, b), a < b, of every bucket pair: a bucket with itself (a_start ==
    b_start) or with a later bucket. Most buckets hold one hash: those pair directly."""
    multi = (a_size > 1) | (b_size > 1)
    if not multi.any():
        return a_start, b_start
    rest = np.flatnonzero(multi)
    single = np.flatnonzero(~multi)
    a0, b0, b_n = a_start[rest], b_start[rest], b_size[rest]
    count = a_size[rest] * b_n
    which = np.repeat(np.arange(len(count)), count)
    local = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    a = a0[which] + local // b_n[which]
    b = b0[which] + local % b_n[which]
    keep = a < b  # within one bucket: each pair once
    return np.concatenate((a_start[single], a[keep])), np.concatenate((b_start[single], b[keep]))


def _sorted_pairs(h: U64, found_i: list[I64], found_j: list[I64]) -> Pairs:
    i = np.concatenate(found_i) if found_i else np.zeros(0, np.int64)
    j = np.concatenate(found_j) if found_j else np.zeros(0, np.int64)
    order = np.lexsort((j, i))
    i, j = i[order], j[order]
    return Pairs(i, j, popcount(h[i] ^ h[j]))


def brute_force_pairs(hashes: U64, threshold: int, block: int = 2048) -> Pairs:
    """The O(n^2) reference: every hash against every later one, in blocks."""
    h = np.ascontiguousarray(hashes, dtype=np.uint64)
    found_i: list[I64] = []
    found_j: list[I64] = []
    for start in range(0, len(h), block):
        rows = h[start : start + block]
        d = popcount(rows[:, None] ^ h[None, start:]).reshape(len(rows), -1)
        r, c = np.nonzero(d <= threshold)
        i, j = r + start, c + start
        keep = i < j
        found_i.append(i[keep].astype(np.int64))
        found_j.append(j[keep].astype(np.int64))
    return _sorted_pairs(h, found_i, found_j)


def components(n: int, pairs: Pairs) -> I64:
    """Connected components of the pair graph: each node's label is its component's least index.

    Union-find done as whole-array passes: hook every edge's larger root under the smaller,
    then compress paths by pointer jumping, until no edge joins two roots.
    """
    parent = np.arange(n, dtype=np.int64)
    i, j = pairs.i, pairs.j
    while True:
        ri, rj = parent[i], parent[j]
        differ = ri != rj
        if not differ.any():
            return parent
        lo, hi = np.minimum(ri, rj)[differ], np.maximum(ri, rj)[differ]
        np.minimum.at(parent, hi, lo)
        while True:  # pointer jumping: parent[x] = parent[parent[x]] until roots
            up = parent[parent]
            if np.array_equal(up, parent):
                break
            parent = up
