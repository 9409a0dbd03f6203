"""Repair: exchanges that bring the cells past their goal (``goals``) back within it.

The search minimises J, a sum of squares, which is indifferent to *where* the deviation sits:
it can leave one cell well past its goal when that buys many small gains elsewhere. Here the
objective is the excess past the goals,

    V = sum_f sum_j w_j (past(goal) + 10^6 past(allowed)),
    past(g) = max(load_fj - t_j - above_j(g), t_j - load_fj - below_j(g), 0)^2,

in which check's own allowance weighs so much more that its cells are never traded for cells
past the floor goal. Each round takes every column past its goal, its worst fold, and the
exchanges (a move, or a swap of two groups) between that fold and each other fold in which a
holder of the column changes fold: the one that lowers V the most is applied, J's change
counting a twentieth as much (so an exchange must lower V by more than that share of what it
costs J). Cells within their goal weigh nothing in V, so an exchange may spend their slack,
which the quadratic search would not. V is evaluated exactly, over the columns where some
candidate exchange could end past a goal. A column no exchange improves is left alone for the
rest of the repair.
"""

from __future__ import annotations

import numpy as np

from foldcheck.splitter.goals import past_goal, squared_excess
from foldcheck.splitter.state import FoldState, exchange_deltas

_ROUNDS = 12
_CANDIDATES = 64  # groups sampled on each side of an exchange
_J_SHARE = 0.05  # J's change counts this much against V's in the choice
_TOLERANCE = 1e-12
_CHECK_WEIGHT = 1e6  # a cell past check's allowance, against one past the floor goal
_SLACK = 1e-9  # counts are integers: a cell this close to its goal is within it


def repair(state: FoldState, goal: np.ndarray, allowed: np.ndarray) -> None:
    """Lower V in place, by exchanges that never empty a fold; ``goal`` and ``allowed`` are
    ``goals``'s [above, below] per column, with the floor and check's allowance alone."""
    search = _Repair(state, goal, allowed)
    stuck = np.zeros(len(state.profiles.targets), dtype=bool)
    for _ in range(_ROUNDS):
        if not search.round(stuck):
            return


class _Repair:
    def __init__(self, state: FoldState, goal: np.ndarray, allowed: np.ndarray) -> None:
        self.state, self.goal, self.allowed = state, goal, allowed

    def round(self, stuck: np.ndarray) -> bool:
        """One exchange for each column past its goal, worst first, except the ``stuck``
        (updated: the columns no exchange improved); whether any exchange was applied."""
        profiles, load = self.state.profiles, self.state.load
        past = past_goal(profiles, load, self.goal) ** 2
        past += _CHECK_WEIGHT * past_goal(profiles, load, self.allowed) ** 2
        worst = (past * profiles.weights).max(axis=0)
        columns = np.flatnonzero((worst > _TOLERANCE) & ~stuck)
        applied = False
        for column in columns[np.argsort(-worst[columns], kind="stable")].tolist():
            fixed = self._fix(column)
            stuck[column] = fixed is None
            applied |= bool(fixed)
        return applied

    def _fix(self, column: int) -> bool | None:
        """Apply the best exchange for ``column``: True; False if an earlier exchange of the
        round brought it within its goal; None if no exchange lowers V."""
        above, below = self.goal[:, column]
        cell = self.state.load[:, column] - self.state.profiles.targets[column]
        past = np.maximum(cell - above, -cell - below)
        fold = int(past.argmax())
        if past[fold] <= _SLACK:
            return False
        state = self.state
        holders = state.holders(column)
        best: tuple[float, int, int, int, int] | None = None
        for other in range(state.k):
            if other == fold:
                continue
            # Too much in ``fold``: its holders go to ``other``; too little: ``other``'s come.
            giving, taking = (fold, other) if cell[fold] > 0 else (other, fold)
            givers = state.sample(holders, giving, _CANDIDATES)
            if len(givers) == 0:
                continue
            takers = np.union1d(
                state.sample(holders, taking, _CANDIDATES), state.sample(None, taking, _CANDIDATES)
            )
            found = self._best(giving, taking, givers, takers)
            if found is not None and (best is None or found[0] < best[0]):
                best = (*found, giving, taking)
        if best is None:
            return None
        _, give, take, giving, taking = best
        state.move(give, giving, taking)
        if take >= 0:
            state.move(take, taking, giving)
        return True

    def _best(
        self, giving: int, taking: int, givers: np.ndarray, takers: np.ndarray
    ) -> tuple[float, int, int] | None:
        """(score, giver, taker or -1) of the exchange with the lowest V + J / 20 change among
        those that lower V; None if none lowers the sum."""
        profiles, load = self.state.profiles, self.state.load
        used, give, take = profiles.dense_pair(givers, takers)
        w, t = profiles.weights[used], profiles.targets[used]
        source, target = load[giving, used] - t, load[taking, used] - t
        # Only columns where some exchange could end past a goal (or one is past it now) can
        # change V.
        room = self.goal[:, used].min(axis=0) - give.max(axis=0) - take.max(axis=0) - _SLACK
        risky = np.flatnonzero((np.abs(source) > room) | (np.abs(target) > room))
        # change[g, h]: what fold ``giving`` loses and ``taking`` gains if giver g and taker
        # h trade; the last h is g moving alone.
        take_or_none = np.vstack([take[:, risky], np.zeros((1, len(risky)))])
        change = give[:, None, risky] - take_or_none[None, :, :]
        source, target = source[risky], target[risky]
        delta_v = np.zeros(change.shape[:2])
        for goal, weight in ((self.goal, 1.0), (self.allowed, _CHECK_WEIGHT)):
            above, below = goal[0, used[risky]], goal[1, used[risky]]
            before = squared_excess(source, above, below) + squared_excess(target, above, below)
            after = squared_excess(source - change, above, below) + squared_excess(
                target + change, above, below
            )
            delta_v += weight * ((after - before) @ w[risky])
        if self.state.size[giving] <= 1:
            delta_v[:, -1] = np.inf  # never empty a fold
        delta_j = exchange_deltas(give, take, w, load[taking, used] - load[giving, used])
        score = np.where(delta_v < -_TOLERANCE, delta_v + _J_SHARE * delta_j, np.inf)
        i, j = divmod(int(score.argmin()), len(takers) + 1)
        if not score[i, j] < 0:
            return None
        return float(score[i, j]), int(givers[i]), (int(takers[j]) if j < len(takers) else -1)
