"""What the local searches over many groups share: the fold loads and sizes kept current as
groups change folds, the groups holding each column, seeded samples of them, and J's change
for every candidate exchange between two folds.

Moving group g (profile x_g) from fold a to fold b, or swapping it with h in b (d = x_g - x_h;
a move is d = x_g), changes J by
    2 sum_j w_j d_j (load_bj - load_aj) + 2 sum_j w_j d_j^2.
"""

from __future__ import annotations

import numpy as np

from foldcheck.core.distinct import distinct
from foldcheck.splitter.profiles import Profiles


def exchange_deltas(
    give: np.ndarray, take: np.ndarray, w: np.ndarray, gap: np.ndarray
) -> np.ndarray:
    """[givers, takers + 1]: J's change when giver g (a row of ``give``) and taker h (a row of
    ``take``) trade folds; the last column is g moving alone. ``gap`` is load(the takers'
    fold) - load(the givers' fold) over the same columns, ``w`` their weights."""
    swaps, moves = exchange_parts(give, take, w, gap)
    delta = np.empty((len(give), len(take) + 1))
    delta[:, :-1] = swaps
    delta[:, -1] = moves
    return delta


def exchange_parts(
    give: np.ndarray, take: np.ndarray, w: np.ndarray, gap: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``exchange_deltas`` as its two parts, each contiguous: the swaps [givers, takers] and
    the moves [givers]."""
    wgap = w * gap
    give_linear, give_square = give @ wgap, (give * give) @ w
    # 2 (linear) + 2 (square) as 2 (linear + square), made in place: scaling by two is exact,
    # so these are the same numbers with fewer passes over the matrix and no temporaries.
    swaps = np.add.outer(give_square, (take * take) @ w)
    cross = (give * w) @ take.T
    cross *= 2
    swaps -= cross
    swaps += np.subtract.outer(give_linear, take @ wgap)
    swaps *= 2
    return swaps, 2 * (give_linear + give_square)


class FoldState:
    """A fold assignment (updated in place) with its loads, fold sizes and column holders."""

    def __init__(
        self,
        profiles: Profiles,
        fold_of_group: np.ndarray,
        k: int,
        rng: np.random.Generator,
        load: np.ndarray | None = None,
    ) -> None:
        """``load``: the assignment's fold loads where the caller keeps them (then updated in
        place); made from the assignment otherwise."""
        self.profiles, self.fold_of_group, self.k, self.rng = profiles, fold_of_group, k, rng
        self.load = profiles.loads(fold_of_group, k) if load is None else load
        self.size = np.bincount(fold_of_group, minlength=k)
        self._holders, self._bounds = profiles.column_holders

    def holders(self, column: int) -> np.ndarray:
        """The groups with an entry in ``column``."""
        found: np.ndarray = self._holders[self._bounds[column] : self._bounds[column + 1]]
        return found

    def sample(self, pool: np.ndarray | None, fold: int, count: int) -> np.ndarray:
        """Up to ``count`` distinct groups of ``pool`` (None: all groups) in ``fold``, drawn in
        O(count) where the pool is large."""
        size = self.profiles.n_groups if pool is None else len(pool)
        members: np.ndarray
        if size <= 4 * count * self.k:
            members = np.arange(size) if pool is None else pool
            members = members[self.fold_of_group[members] == fold]
            if len(members) > count:
                members = distinct(members[self.rng.integers(0, len(members), count)])
            return members
        members = self.rng.integers(0, size, 2 * count * self.k)
        if pool is not None:
            members = pool[members]
        return distinct(members[self.fold_of_group[members] == fold][:count])

    def move(self, group: int, source: int, target: int) -> None:
        self.profiles.shift(self.load, group, source, target)
        self.fold_of_group[group] = target
        self.size[source] -= 1
        self.size[target] += 1
