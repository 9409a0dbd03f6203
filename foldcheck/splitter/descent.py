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
        # A swap's change of J in single precision (it only ranks the candidates): one product
        # of a row of -4 w x_g (the term coupling the two groups; scaling by -4 is exact), the
        # giver's move alone and 1 with a row of x_h, 1 and the taker's move alone. The last
        # two columns are filled per fold pair.
        columns = dense.shape[1]
        self.giving = np.ones((len(dense), columns + 2), dtype=np.float32)
        self.giving[:, :columns] = -4 * weighted
        self.taking = np.ones((len(dense), columns + 2), dtype=np.float32)
        self.taking[:, :columns] = dense
        self.square_single = self.square.astype(np.float32)
        self.weights_single = weights.astype(np.float32)

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
        gap = (self.load[b] - self.load[a]).astype(np.float32)
        weighted_gap = gap * descent.weights_single
        left, right = descent.giving.take(in_a, axis=0), descent.taking.take(in_b, axis=0)
        # g alone from a to b: 2 (w x_g . gap + w x_g . x_g); h alone from b to a likewise.
        give = 2 * descent.square_single[in_a] - 0.5 * (left[:, :-2] @ gap)
        take = 2 * descent.square_single[in_b] - 2 * (right[:, :-2] @ weighted_gap)
        left[:, -2] = give
        right[:, -1] = take
        swaps = left @ right.T  # swaps[i, j]: in_a[i] and in_b[j] trade folds
        # The candidates that lower J: (row, column, J's change), a move alone being a swap
        # with nobody (row len(in_a) or column len(in_b)), ranked as one list.
        flat = swaps.ravel()
        negative = np.flatnonzero(flat < -_TOLERANCE)
        delta = flat[negative]
        rows, cols = np.divmod(negative, len(in_b))
        moves_a = np.flatnonzero(give < -_TOLERANCE)
        moves_b = np.flatnonzero(take < -_TOLERANCE)
        if len(moves_a) or len(moves_b):
            rows = np.concatenate([rows, moves_a, np.full(len(moves_b), len(in_a))])
            cols = np.concatenate([cols, np.full(len(moves_a), len(in_b)), moves_b])
            delta = np.concatenate([delta, give[moves_a], take[moves_b]]).astype(np.float32)
        if len(delta) > _APPLIED:
            keep = np.argpartition(delta, _APPLIED - 1)[:_APPLIED]
            rows, cols, delta = rows[keep], cols[keep], delta[keep]
        used_a = np.zeros(len(in_a) + 1, dtype=bool)
        used_b = np.zeros(len(in_b) + 1, dtype=bool)
        for at in np.lexsort((rows * (len(in_b) + 1) + cols, delta)).tolist():
            i_at, j_at = int(rows[at]), int(cols[at])
            if used_a[i_at] or used_b[j_at]:
                continue
            g = int(in_a[i_at]) if i_at < len(in_a) else -1
            h = int(in_b[j_at]) if j_at < len(in_b) else -1
            if self.exchange(a, b, g, h):
                used_a[i_at] = g >= 0  # the last row and column stand for no group: reusable
                used_b[j_at] = h >= 0

    def exchange(self, a: int, b: int, g: int, h: int) -> bool:
        """Move g (of fold a; -1: none) to b and h (of fold b; -1: none) to a if that still
        lowers J and empties no fold; whether it did."""
        if (h < 0 and self.size[a] <= 1) or (g < 0 and self.size[b] <= 1):
            return False
        dense, weighted = self.descent.dense, self.descent.weighted
        if h < 0:
            change, weighted_change = dense[g], weighted[g]
        elif g < 0:
            change, weighted_change = -dense[h], -weighted[h]
        else:
            change, weighted_change = dense[g] - dense[h], weighted[g] - weighted[h]
        gap = self.load[b] - self.load[a]
        if 2 * float(weighted_change @ (gap + change)) >= -_TOLERANCE:
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
