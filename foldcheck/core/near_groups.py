"""Groups joined across near-duplicate images, so a split cannot put two copies of one
photo in different folds: union-find over the pairs, on top of any group key."""

from __future__ import annotations

import numpy as np

from foldcheck.core.groups import GroupKey, Groups
from foldcheck.images.neardup import Pairs, components

# The merged groups' key: no longer one image per group (``is_image`` is False), and never
# parsed again; the manifest records the user's key and the near-duplicate settings apart.
PREFIX = "near-duplicates+"


def merge_near_duplicates(groups: Groups, image_a: np.ndarray, image_b: np.ndarray) -> Groups:
    """``groups`` with every two groups holding a near-duplicate pair (image rows a[k], b[k])
    made one; a merged group keeps its first group's label, "+N" more."""
    g = groups.of_image
    edges = Pairs(g[image_a].astype(np.int64), g[image_b].astype(np.int64), np.zeros(0, np.uint8))
    root = components(groups.count, edges)
    roots, of_group = np.unique(root, return_inverse=True)  # roots are each set's least group
    merged = np.bincount(of_group, minlength=len(roots))
    labels = [
        groups.labels[int(r)] + (f" +{n - 1}" if n > 1 else "")
        for r, n in zip(roots.tolist(), merged.tolist(), strict=True)
    ]
    return Groups(
        GroupKey(PREFIX + base_key(groups.key)),
        of_group[g].astype(np.intp),
        labels,
        groups.missing,
    )


def base_key(key: GroupKey) -> str:
    """The user's group key under a merged key."""
    return key.text.removeprefix(PREFIX)
