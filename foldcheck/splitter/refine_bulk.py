"""Local search for many groups: chains of exact moves and swaps between two folds.

The objective and the moves are ``refine``'s, but every round's work is bounded by sample
sizes, not by the number of groups: candidates are drawn from a fold, or from the holders of a
column, by rejection (O(sample)), and one scoring of a sample yields a whole chain of moves
and swaps. Swapping g (fold a) with h (fold b), d = x_g - x_h, changes J by
    2 sum_j w_j d_j (load_bj - load_aj) + 2 sum_j w_j d_j^2,
a move is the same with d = x_g; after applying one, load_b - load_a has grown by 2d, so every
other candidate's change moves by 4 (x_g' - x_h') . W d: a rank-one update of the candidate
matrix. The chain therefore applies exactly what scoring afresh after each step would.
Each round targets the columns furthest beyond what no split can avoid, between their fullest
and emptiest folds.
"""

from __future__ import annotations

import numpy as np

from foldcheck.splitter.profiles import Profiles
from foldcheck.splitter.refine import excess

_TOLERANCE = 1e-12
_ROUNDS = 40
# Stop when a round lowers J by less than this share of the J beyond what is unavoidable
# (so an unreachable remainder, a class one group holds most of, does not end the search), or
# by less than _MIN_RELATIVE_GAIN of J itself (what is left is then rounding noise).
_MIN_ROUND_GAIN = 2.5e-3
_MIN_RELATIVE_GAIN = 2e-4
_COLUMNS = 256  # worst columns targeted per round
_CANDIDATES = 64  # groups sampled on each side of an exchange
_CHAIN = 16  # at most this many moves or swaps per scored sample


def refine_bulk(
    profiles: Profiles, fold_of_group: np.ndarray, k: int, rng: np.random.Generator
) -> None:
    """Improve ``fold_of_group`` in place; J never rises, no fold is emptied."""
    search = _Search(profiles, fold_of_group, k, rng)
    for _ in range(_ROUNDS):
        before = profiles.cost(search.load)
        priority = excess(profiles, search.load)
        search.round(priority)
        gain = before - profiles.cost(search.load)
        if gain <= max(_MIN_ROUND_GAIN * min(before, priority.sum()), _MIN_RELATIVE_GAIN * before):
            return


class _Search:
    def __init__(
        self, profiles: Profiles, fold_of_group: np.ndarray, k: int, rng: np.random.Generator
    ) -> None:
        self.profiles, self.fold_of_group, self.k, self.rng = profiles, fold_of_group, k, rng
        self.load = profiles.loads(fold_of_group, k)
        self.size = np.bincount(fold_of_group, minlength=k)
        # Holders of each column, grouped by column (a radix sort when columns fit 16 bits).
        n_columns = len(profiles.targets)
        keys = profiles.columns.astype(np.int16) if n_columns < 2**15 else profiles.columns
        self.holders = profiles.row_of_entries()[np.argsort(keys, kind="stable")]
        self.holder_bounds = np.zeros(n_columns + 1, dtype=np.intp)
        np.cumsum(np.bincount(profiles.columns, minlength=n_columns), out=self.holder_bounds[1:])

    def round(self, priority: np.ndarray) -> None:
        """An exchange between the fullest and the emptiest fold of each of the _COLUMNS
        columns of highest ``priority`` (see ``refine.excess``) that can still improve."""
        worst = np.argsort(-priority, kind="stable")[:_COLUMNS]
        for column in worst[priority[worst] > _TOLERANCE].tolist():
            full, empty = int(self.load[:, column].argmax()), int(self.load[:, column].argmin())
            holders = self.holders[self.holder_bounds[column] : self.holder_bounds[column + 1]]
            givers = self._sample(holders, full)
            takers = np.union1d(self._sample(holders, empty), self._sample(None, empty))
            self._exchange(full, empty, givers, takers)

    def _sample(self, pool: np.ndarray | None, fold: int) -> np.ndarray:
        """Up to _CANDIDATES distinct groups of ``pool`` (None: all groups) in ``fold``."""
        size = self.profiles.n_groups if pool is None else len(pool)
        members: np.ndarray
        if size <= 4 * _CANDIDATES * self.k:
            members = np.arange(size) if pool is None else pool
            members = members[self.fold_of_group[members] == fold]
            if len(members) > _CANDIDATES:
                members = np.unique(members[self.rng.integers(0, len(members), _CANDIDATES)])
            return members
        members = self.rng.integers(0, size, 2 * _CANDIDATES * self.k)
        if pool is not None:
            members = pool[members]
        return np.unique(members[self.fold_of_group[members] == fold][:_CANDIDATES])

    def _exchange(self, full: int, empty: int, givers: np.ndarray, takers: np.ndarray) -> None:
        """Apply the best move (giver to ``empty``) or swap (giver for taker) while one lowers
        J, up to _CHAIN of them."""
        if len(givers) == 0:
            return
        profiles, load = self.profiles, self.load
        used, give, take = profiles.dense_pair(givers, takers)
        w = profiles.weights[used]
        wgap = w * (load[empty, used] - load[full, used])
        give_linear, give_square = give @ wgap, (give * give) @ w
        # delta[g, h]: J's change if giver g and taker h trade folds; column -1: g moves alone.
        n_takers = len(takers)
        delta = np.empty((len(givers), n_takers + 1))
        delta[:, :-1] = 2 * (give_linear[:, None] - (take @ wgap)[None, :]) + 2 * (
            give_square[:, None] + ((take * take) @ w)[None, :] - 2 * (give * w) @ take.T
        )
        delta[:, -1] = 2 * (give_linear + give_square)
        movable = int(self.size[full]) - 1  # never empty a fold
        if movable <= 0:
            delta[:, -1] = np.inf
        for _ in range(_CHAIN):
            i, j = divmod(int(delta.argmin()), n_takers + 1)
            if delta[i, j] >= -_TOLERANCE:
                return
            d = give[i] - take[j] if j < n_takers else give[i]
            changed = np.flatnonzero(d)  # the swapped groups' few columns, not the sample's
            wd = w[changed] * d[changed]
            giver_term = give[:, changed] @ wd
            update = np.subtract.outer(giver_term, take[:, changed] @ wd)
            update *= 4
            delta[:, :-1] += update
            delta[:, -1] += 4 * giver_term
            self._move(int(givers[i]), full, empty)
            delta[i, :] = np.inf
            if j < n_takers:
                self._move(int(takers[j]), empty, full)
                delta[:, j] = np.inf
            else:
                movable -= 1
                if movable <= 0:
                    delta[:, -1] = np.inf

    def _move(self, group: int, source: int, target: int) -> None:
        self.profiles.shift(self.load, group, source, target)
        self.fold_of_group[group] = target
        self.size[source] -= 1
        self.size[target] += 1
