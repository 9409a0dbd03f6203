"""Clusters of near-duplicate images: the connected components of the near pairs."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from foldcheck.images.neardup import Pairs, components, near_pairs


class Cluster(NamedTuple):
    members: list[int]  # indices into the hashed files; the first is the cluster's reference
    distance: list[int]  # each member's Hamming distance to the first


def find_clusters(hashes: npt.NDArray[np.uint64], threshold: int) -> tuple[list[Cluster], Pairs]:
    """Clusters of two or more images, largest first (ties: by first member), and the pairs."""
    pairs = near_pairs(hashes, threshold)
    label = components(len(hashes), pairs)
    sizes = np.bincount(label, minlength=len(hashes))
    clustered = np.flatnonzero(sizes[label] > 1)
    order = clustered[np.lexsort((clustered, label[clustered]))]  # by label, then index
    out: list[Cluster] = []
    for group in np.split(order, np.flatnonzero(np.diff(label[order])) + 1):
        if len(group) == 0:
            continue
        ref = hashes[group[0]]
        out.append(
            Cluster(
                group.tolist(),
                [int(x).bit_count() for x in (hashes[group] ^ ref).tolist()],
            )
        )
    out.sort(key=lambda c: (-len(c.members), c.members[0]))
    return out, pairs
