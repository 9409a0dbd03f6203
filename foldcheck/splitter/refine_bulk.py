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
from foldcheck.splitter.state import FoldState, exchange_deltas

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


class _Search(FoldState):
    def round(self, priority: np.ndarray) -> None:
        """An exchange between the fullest and the emptiest fold of each of the _COLUMNS
        columns of highest ``priority`` (see ``refine.excess``) that can still improve."""
        worst = np.argsort(-priority, kind="stable")[:_COLUMNS]
        for column in worst[priority[worst] > _TOLERANCE].tolist():
            full, empty = int(self.load[:, column].argmax()), int(self.load[:, column].argmin())
            holders = self.holders(column)
            givers = self.sample(holders, full, _CANDIDATES)
            takers = np.union1d(
                self.sample(holders, empty, _CANDIDATES), self.sample(None, empty, _CANDIDATES)
            )
            self._exchange(full, empty, givers, takers)

    def _exchange(self, full: int, empty: int, givers: np.ndarray, takers: np.ndarray) -> None:
        """Apply the best move (giver to ``empty``) or swap (giver for taker) while one lowers
        J, up to _CHAIN of them."""
        if len(givers) == 0:
            return
        profiles, load = self.profiles, self.load
        used, give, take = profiles.dense_pair(givers, takers)
        w = profiles.weights[used]
        # delta[g, h]: J's change if giver g and taker h trade folds; column -1: g moves alone.
        delta = exchange_deltas(give, take, w, load[empty, used] - load[full, used])
        n_takers = len(takers)
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
            self.move(int(givers[i]), full, empty)
            delta[i, :] = np.inf
            if j < n_takers:
                self.move(int(takers[j]), empty, full)
                delta[:, j] = np.inf
            else:
                movable -= 1
                if movable <= 0:
                    delta[:, -1] = np.inf
