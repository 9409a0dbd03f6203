"""An exhaustive local search for few groups: every move and swap between two folds.

For every pair of folds (a, b), every swap of g in a with h in b and every move either way is
scored at once. With d = x_g - x_h leaving a for b,

    dJ = 2 sum_j w_j d_j (load_bj - load_aj) + 2 sum_j w_j d_j^2,

whose only term coupling g and h is -4 sum_j w_j x_gj x_hj: one matrix product of the two
folds' dense profiles (single precision: it only ranks the candidates). The best few dozen
candidates are then applied in order, each rescored exactly against the loads as they stand
and skipped unless it still lowers J. Sweeps over the fold pairs repeat while one lowers J by
more than ``_MIN_SWEEP_GAIN``. With goals, only the pairs with a fold past its goal in some
column are searched, and the descent stops when none is.

Where ``refine`` samples (it must scale to hundreds of thousands of groups), this is
exhaustive, and on 2,000 videos reaches the same J in a third of the time.
"""

from __future__ import annotations

import numpy as np

from foldcheck.splitter.profiles import Profiles

# Dense profiles and one fold pair's candidate matrix must stay small: (groups / K)^2 cells.
DESCENT_GROUPS = 4_096
SLACK = 1e-9  # counts are integers: a cell this close to its goal is within it
_SWEEPS = 20
_MIN_SWEEP_GAIN = 0.02  # a sweep lowering J by less than this fraction ends the descent
_APPLIED = 64  # best candidates of a fold pair tried per sweep
_TOLERANCE = 1e-12


def descend(profiles: Profiles, fold_of_group: np.ndarray, k: int) -> None:
    """Lower J in place by moves and swaps until a sweep gains little; no fold is emptied."""
    Descent(dense_profiles(profiles), profiles.targets, profiles.weights, k).run(fold_of_group)


def dense_profiles(profiles: Profiles) -> np.ndarray:
    """[groups, columns]: the profiles as one dense matrix."""
    dense = np.zeros((profiles.n_groups, len(profiles.targets)))
    dense[profiles.row_of_entries(), profiles.columns] = profiles.values
    return dense


class Descent:
    """Exhaustive moves and swaps between pairs of folds, lowering J with ``weights``; with
    ``goal`` ([2, columns]), only between pairs with a fold past it."""

    def __init__(
        self,
        dense: np.ndarray,
        targets: np.ndarray,
        weights: np.ndarray,
        k: int,
        goal: np.ndarray | None = None,
    ) -> None:
        self.dense, self.targets, self.weights, self.k, self.goal = dense, targets, weights, k, goal
        weighted = dense * weights
        self.square = np.einsum("ij,ij->i", weighted, dense)  # sum_j w_j x_j^2 per group
        self.weighted = weighted
        self.single = (dense.astype(np.float32), weighted.astype(np.float32))

    def run(self, fold_of_group: np.ndarray, movable: np.ndarray | None = None) -> None:
        """Improve ``fold_of_group`` in place; ``movable`` (bool per group): the groups that
        may change fold (default: all)."""
        load = np.zeros((self.k, len(self.targets)))
        np.add.at(load, fold_of_group, self.dense)
        sweep = _Sweep(self, fold_of_group, load, movable)
        for _ in range(_SWEEPS):
            before = sweep.cost()
            for a, b in sweep.fold_pairs():
                sweep.pair(a, b)
            if before - sweep.cost() <= _MIN_SWEEP_GAIN * before:
                return


class _Sweep:
    """One descent's state: the assignment, its loads and fold sizes."""

    def __init__(
        self,
        descent: Descent,
        fold_of_group: np.ndarray,
        load: np.ndarray,
        movable: np.ndarray | None,
    ) -> None:
        self.descent, self.fold_of_group, self.load, self.movable = (
            descent,
            fold_of_group,
            load,
            movable,
        )
        self.size = np.bincount(fold_of_group, minlength=descent.k)

    def cost(self) -> float:
        descent = self.descent
        return float(((self.load - descent.targets) ** 2 @ descent.weights).sum())

    def fold_pairs(self) -> list[tuple[int, int]]:
        """The pairs of folds to search: those with a fold past its goal in some column, or
        all of them without goals."""
        k, goal = self.descent.k, self.descent.goal
        pairs = [(a, b) for a in range(k) for b in range(a + 1, k)]
        if goal is None:
            return pairs
        deviation = self.load - self.descent.targets
        off = np.maximum(deviation - goal[0], -deviation - goal[1]).max(axis=1) > SLACK
        return [(a, b) for a, b in pairs if off[a] or off[b]]

    def members(self, fold: int) -> np.ndarray:
        inside = self.fold_of_group == fold
        return np.flatnonzero(inside if self.movable is None else inside & self.movable)

    def pair(self, a: int, b: int) -> None:
        """Apply the best exchanges between folds a and b, each only while it lowers J."""
        descent = self.descent
        in_a, in_b = self.members(a), self.members(b)
        gap = self.load[b] - self.load[a]
        give = 2 * (descent.weighted[in_a] @ gap + descent.square[in_a])  # g alone, a to b
        take = 2 * (descent.square[in_b] - descent.weighted[in_b] @ gap)  # h alone, b to a
        dense, weighted = descent.single
        # delta[i, j]: swap in_a[i] and in_b[j]; the last row and column: moves alone.
        delta = np.empty((len(in_a) + 1, len(in_b) + 1), dtype=np.float32)
        np.matmul(weighted[in_a], dense[in_b].T, out=delta[:-1, :-1])
        delta[:-1, :-1] *= -4
        delta[:-1, :-1] += give[:, None]
        delta[:-1, :-1] += take[None, :]
        delta[:-1, -1], delta[-1, :-1], delta[-1, -1] = give, take, np.inf
        flat = delta.ravel()
        negative = np.flatnonzero(flat < -_TOLERANCE)
        if len(negative) > _APPLIED:
            negative = negative[np.argpartition(flat[negative], _APPLIED - 1)[:_APPLIED]]
        used_a = np.zeros(len(in_a) + 1, dtype=bool)
        used_b = np.zeros(len(in_b) + 1, dtype=bool)
        for index in negative[np.argsort(flat[negative], kind="stable")].tolist():
            i, j = divmod(index, len(in_b) + 1)
            if used_a[i] or used_b[j]:
                continue
            g = int(in_a[i]) if i < len(in_a) else -1
            h = int(in_b[j]) if j < len(in_b) else -1
            if self.exchange(a, b, g, h):
                used_a[i] = g >= 0  # the last row and column stand for no group: reusable
                used_b[j] = h >= 0

    def exchange(self, a: int, b: int, g: int, h: int) -> bool:
        """Move g (of fold a; -1: none) to b and h (of fold b; -1: none) to a if that still
        lowers J and empties no fold; whether it did."""
        if (h < 0 and self.size[a] <= 1) or (g < 0 and self.size[b] <= 1):
            return False
        descent = self.descent
        change = np.zeros(len(descent.targets))
        if g >= 0:
            change += descent.dense[g]
        if h >= 0:
            change -= descent.dense[h]
        gap = self.load[b] - self.load[a]
        if 2 * float((descent.weights * change) @ (gap + change)) >= -_TOLERANCE:
            return False  # an earlier exchange of this sweep took the gain away
        self.load[a] -= change
        self.load[b] += change
        if g >= 0:
            self.fold_of_group[g] = b
        if h >= 0:
            self.fold_of_group[h] = a
        moved = (h >= 0) - (g >= 0)
        self.size[a] += moved
        self.size[b] -= moved
        return True
