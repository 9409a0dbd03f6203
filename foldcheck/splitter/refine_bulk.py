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

from foldcheck.core.distinct import distinct
from foldcheck.splitter.profiles import Profiles
from foldcheck.splitter.refine import excess
from foldcheck.splitter.state import FoldState, exchange_parts

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
    profiles: Profiles,
    fold_of_group: np.ndarray,
    k: int,
    rng: np.random.Generator,
    load: np.ndarray | None = None,
) -> None:
    """Improve ``fold_of_group`` in place; J never rises, no fold is emptied. ``load``: its
    fold loads, if the caller has them (updated in place)."""
    search = _Search(profiles, fold_of_group, k, rng, load)
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
            holding = self.sample(holders, empty, _CANDIDATES)  # drawn first: the seeded order
            takers = distinct(np.concatenate([holding, self.sample(None, empty, _CANDIDATES)]))
            self._exchange(full, empty, givers, takers)

    def _exchange(self, full: int, empty: int, givers: np.ndarray, takers: np.ndarray) -> None:
        """Apply the best move (giver to ``empty``) or swap (giver for taker) while one lowers
        J, up to _CHAIN of them."""
        if len(givers) == 0:
            return
        profiles, load = self.profiles, self.load
        used, give, take = profiles.dense_pair(givers, takers)
        w = profiles.weights[used]
        # swaps[g, h]: J's change if giver g and taker h trade folds; moves[g]: g moves alone.
        swaps, moves = exchange_parts(give, take, w, load[empty, used] - load[full, used])
        movable = int(self.size[full]) - 1  # never empty a fold
        if movable <= 0:
            moves[:] = np.inf
        gone: list[int] = []  # the givers and takers that changed folds, by row
        back: list[int] = []
        shifted = np.zeros(len(used))  # what the chain moved from ``full`` to ``empty``
        update = np.empty_like(swaps)  # reused: the step's rank-one change of every swap
        # 4 w: 4 (x . w d) as x . (4 w) d, scaling by a power of two being exact, so these are
        # the same numbers with no pass to scale each product.
        w4 = 4 * w
        for _ in range(_CHAIN):
            i, j = _best(swaps, moves)
            if (moves[i] if j < 0 else swaps[i, j]) >= -_TOLERANCE:
                break
            d = give[i] - take[j] if j >= 0 else give[i]
            shifted += d
            changed = d.nonzero()[0]  # the swapped groups' few columns, not the sample's
            wd = w4[changed] * d[changed]
            # 4 (a - b) as 4 a - 4 b, exact as above, with one pass less over the matrix.
            giver_term = give[:, changed] @ wd
            taker_term = take[:, changed] @ wd
            swaps += np.subtract.outer(giver_term, taker_term, out=update)
            moves += giver_term
            gone.append(i)
            swaps[i] = moves[i] = np.inf
            if j >= 0:
                back.append(j)
                swaps[:, j] = np.inf
            else:
                movable -= 1
                if movable <= 0:
                    moves[:] = np.inf
        # The loads once for the whole chain: they hold counts, so the sums are exact in any
        # order, and nothing in the chain reads them.
        load[full, used] -= shifted
        load[empty, used] += shifted
        self.fold_of_group[givers[gone]] = empty
        self.fold_of_group[takers[back]] = full
        self.size[full] += len(back) - len(gone)
        self.size[empty] += len(gone) - len(back)


def _best(swaps: np.ndarray, moves: np.ndarray) -> tuple[int, int]:
    """(giver, taker or -1 for a move) of the least change, the first of equals in the order
    of one [givers, takers + 1] matrix, row by row with the move last (``exchange_deltas``):
    the swaps and moves kept apart are cheaper to update, and this picks as that matrix
    would."""
    move = int(moves.argmin())
    if swaps.shape[1]:
        i, j = divmod(int(swaps.argmin()), swaps.shape[1])
        if swaps[i, j] < moves[move] or (swaps[i, j] == moves[move] and i <= move):
            return i, j
    return move, -1
