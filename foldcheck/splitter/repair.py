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
rest of the repair, unless a chain meets it.

A chain is two steps where one exchange alone fails: a rare class's extra box may sit only in
images that also hold common classes at the edge of their goals, so every exchange that meets
the rare class's goal pushes one or two others past theirs. A stuck column therefore tries the
few exchanges that lower its own excess while breaking the fewest other columns, each followed
by one repair exchange for every column it broke. Of the chains that lower V and leave no column
past its goal that was within it, the one of least J is kept; the others are undone, and when
none is kept, so are the random draws they made (the repair then goes on as without them).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from foldcheck.splitter.goals import CHECK_WEIGHT, past_goal, squared_excess
from foldcheck.splitter.state import FoldState, exchange_deltas

_ROUNDS = 12
_CANDIDATES = 64  # groups sampled on each side of an exchange
_J_SHARE = 0.05  # J's change counts this much against V's in the choice
_TOLERANCE = 1e-12
_SLACK = 1e-9  # counts are integers: a cell this close to its goal is within it
_CHAIN_STARTS = 4  # first steps a stuck column tries
_CHAIN_BROKEN = 2  # the most columns a chain's first step may push past their goals

# (group, from fold, to fold) of each move an exchange made, so a chain can be undone
Moves = list[tuple[int, int, int]]


def repair(
    state: FoldState,
    goal: np.ndarray,
    allowed: np.ndarray,
    rounds: int = _ROUNDS,
    candidates: int = _CANDIDATES,
) -> None:
    """Lower V in place, by exchanges that never empty a fold; ``goal`` and ``allowed`` are
    ``goals``'s [above, below] per column, with the floor and check's allowance alone;
    ``candidates``: groups sampled on each side of an exchange."""
    search = _Repair(state, goal, allowed, candidates)
    stuck = np.zeros(len(state.profiles.targets), dtype=bool)
    for _ in range(rounds):
        if not search.round(stuck):
            return


class _Repair:
    def __init__(
        self, state: FoldState, goal: np.ndarray, allowed: np.ndarray, candidates: int
    ) -> None:
        self.state, self.goal, self.allowed, self.candidates = state, goal, allowed, candidates

    def round(self, stuck: np.ndarray) -> bool:
        """One exchange for each column past its goal, worst first, except the ``stuck``
        (updated: the columns no exchange improved); whether any exchange was applied."""
        profiles, load = self.state.profiles, self.state.load
        past = past_goal(profiles, load, self.goal) ** 2
        past += CHECK_WEIGHT * past_goal(profiles, load, self.allowed) ** 2
        worst = (past * profiles.weights).max(axis=0)
        columns = np.flatnonzero((worst > _TOLERANCE) & ~stuck)
        applied = False
        for column in columns[np.argsort(-worst[columns], kind="stable")].tolist():
            fixed = self._fix(column)
            if fixed is None and self._chain(column):
                fixed = True
            stuck[column] = fixed is None
            applied |= bool(fixed)
        return applied

    def _fix(self, column: int) -> Moves | bool | None:
        """Apply the best exchange for ``column``: its moves; False if an earlier exchange of
        the round brought it within its goal; None if no exchange lowers V."""
        candidates = self._candidates(column)
        if candidates is None:
            return False
        best: tuple[float, int, int, int, int] | None = None
        for giving, taking, givers, takers in candidates:
            found = self._best(giving, taking, givers, takers)
            if found is not None and (best is None or found[0] < best[0]):
                best = (*found, giving, taking)
        if best is None:
            return None
        _, give, take, giving, taking = best
        return self._apply(give, take, giving, taking)

    def _candidates(self, column: int) -> list[tuple[int, int, np.ndarray, np.ndarray]] | None:
        """(giving fold, taking fold, givers, takers) of the exchanges that could bring
        ``column``'s worst fold back toward its goal; None if it is within it."""
        above, below = self.goal[:, column]
        cell = self.state.load[:, column] - self.state.profiles.targets[column]
        past = np.maximum(cell - above, -cell - below)
        fold = int(past.argmax())
        if past[fold] <= _SLACK:
            return None
        state = self.state
        holders = state.holders(column)
        found = []
        for other in range(state.k):
            if other == fold:
                continue
            # Too much in ``fold``: its holders go to ``other``; too little: ``other``'s come.
            giving, taking = (fold, other) if cell[fold] > 0 else (other, fold)
            givers = state.sample(holders, giving, self.candidates)
            if len(givers) == 0:
                continue
            takers = np.union1d(
                state.sample(holders, taking, self.candidates),
                state.sample(None, taking, self.candidates),
            )
            found.append((giving, taking, givers, takers))
        return found

    def _apply(self, give: int, take: int, giving: int, taking: int) -> Moves:
        moves = [(give, giving, taking)] + ([(take, taking, giving)] if take >= 0 else [])
        for group, source, target in moves:
            self.state.move(group, source, target)
        return moves

    def _excess(self) -> tuple[float, np.ndarray]:
        """V, and whether each column is past its goal."""
        profiles, load = self.state.profiles, self.state.load
        past = past_goal(profiles, load, self.goal)
        beyond = past**2 + CHECK_WEIGHT * past_goal(profiles, load, self.allowed) ** 2
        return float(beyond.sum(axis=0) @ profiles.weights), past.max(axis=0) > _SLACK

    def _chain(self, column: int) -> bool:
        """Meet ``column`` by an exchange that lowers its own excess, then one repair exchange
        for each column that exchange pushed past its goal. Of the _CHAIN_STARTS first steps
        that break the fewest columns, the chain of least J among those that lower V and leave
        no column newly past its goal is kept (True); the others are undone."""
        v_before, past_before = self._excess()
        # A chain that fails leaves the draws as they were: the repair goes on as without it.
        draws = self.state.rng.bit_generator.state
        starts = [
            (*step, giving, taking)
            for giving, taking, givers, takers in self._candidates(column) or []
            for step in self._first_steps(column, giving, taking, givers, takers)
        ]
        kept: tuple[float, Moves] | None = None
        for _, _, give, take, giving, taking in sorted(starts)[:_CHAIN_STARTS]:
            moves = self._apply(give, take, giving, taking)
            _, past_now = self._excess()
            for broken in np.flatnonzero(past_now & ~past_before).tolist():
                fixed = self._fix(broken)
                if isinstance(fixed, list):
                    moves += fixed
            v_after, past_after = self._excess()
            if v_after < v_before - _TOLERANCE and not (past_after & ~past_before).any():
                cost = self.state.profiles.cost(self.state.load)
                if kept is None or cost < kept[0]:
                    kept = (cost, moves)
            for group, source, target in reversed(moves):
                self.state.move(group, target, source)
        if kept is None:
            self.state.rng.bit_generator.state = draws
            return False
        for group, source, target in kept[1]:
            self.state.move(group, source, target)
        return True

    def _first_steps(
        self, column: int, giving: int, taking: int, givers: np.ndarray, takers: np.ndarray
    ) -> list[tuple[int, float, int, int]]:
        """(other columns it pushes past their goal, the change of ``column``'s own excess,
        giver, taker or -1) of the _CHAIN_STARTS exchanges that lower ``column``'s excess
        breaking the fewest other columns (at most _CHAIN_BROKEN), then lowering it most."""
        found = self._exchanges(giving, taking, givers, takers)
        above, below = self.goal[0, found.columns], self.goal[1, found.columns]
        before_source = squared_excess(found.source, above, below)
        before_target = squared_excess(found.target, above, below)
        after_source = squared_excess(found.source - found.change, above, below)
        after_target = squared_excess(found.target + found.change, above, below)
        within = (before_source <= 0) & (before_target <= 0)
        broken = (((after_source > 0) | (after_target > 0)) & within).sum(axis=2)
        own_at = int(np.flatnonzero(found.columns == column)[0])
        own = (after_source + after_target)[:, :, own_at] - (
            before_source[own_at] + before_target[own_at]
        )
        if self.state.size[giving] <= 1:
            own[:, -1] = np.inf  # never empty a fold
        fit = np.flatnonzero((own < -_TOLERANCE) & (broken <= _CHAIN_BROKEN))
        fit = fit[np.lexsort((own.ravel()[fit], broken.ravel()[fit]))][:_CHAIN_STARTS]
        return [
            (int(broken.flat[at]), float(own.flat[at]), *self._pair(at, givers, takers))
            for at in fit.tolist()
        ]

    @staticmethod
    def _pair(at: int, givers: np.ndarray, takers: np.ndarray) -> tuple[int, int]:
        """(giver, taker or -1) of the flat position ``at`` of a [givers, takers + 1] matrix."""
        i, j = divmod(at, len(takers) + 1)
        return int(givers[i]), (int(takers[j]) if j < len(takers) else -1)

    def _exchanges(
        self, giving: int, taking: int, givers: np.ndarray, takers: np.ndarray
    ) -> _Exchanges:
        profiles, load = self.state.profiles, self.state.load
        used, give, take = profiles.dense_pair(givers, takers)
        t = profiles.targets[used]
        source, target = load[giving, used] - t, load[taking, used] - t
        # Only columns where some exchange could end past a goal (or one is past it now) can
        # change V.
        room = self.goal[:, used].min(axis=0) - give.max(axis=0) - take.max(axis=0) - _SLACK
        risky = np.flatnonzero((np.abs(source) > room) | (np.abs(target) > room))
        take_or_none = np.vstack([take[:, risky], np.zeros((1, len(risky)))])
        change = give[:, None, risky] - take_or_none[None, :, :]
        return _Exchanges(used, give, take, used[risky], change, source[risky], target[risky])

    def _best(
        self, giving: int, taking: int, givers: np.ndarray, takers: np.ndarray
    ) -> tuple[float, int, int] | None:
        """(score, giver, taker or -1) of the exchange with the lowest V + J / 20 change among
        those that lower V; None if none lowers the sum."""
        profiles, load = self.state.profiles, self.state.load
        found = self._exchanges(giving, taking, givers, takers)
        w = profiles.weights[found.columns]
        delta_v = np.zeros(found.change.shape[:2])
        for goal, weight in ((self.goal, 1.0), (self.allowed, CHECK_WEIGHT)):
            above, below = goal[0, found.columns], goal[1, found.columns]
            before = squared_excess(found.source, above, below) + squared_excess(
                found.target, above, below
            )
            after = squared_excess(found.source - found.change, above, below) + squared_excess(
                found.target + found.change, above, below
            )
            delta_v += weight * ((after - before) @ w)
        if self.state.size[giving] <= 1:
            delta_v[:, -1] = np.inf  # never empty a fold
        used = found.used
        delta_j = exchange_deltas(
            found.give, found.take, profiles.weights[used], load[taking, used] - load[giving, used]
        )
        score = np.where(delta_v < -_TOLERANCE, delta_v + _J_SHARE * delta_j, np.inf)
        at = int(score.argmin())
        if not score.flat[at] < 0:
            return None
        return (float(score.flat[at]), *self._pair(at, givers, takers))


class _Exchanges(NamedTuple):
    """Every exchange between a sample of givers and takers, over the columns it may move past
    a goal."""

    used: np.ndarray  # the columns either side holds
    give: np.ndarray  # [givers, used]: the givers' profiles
    take: np.ndarray  # [takers, used]
    columns: np.ndarray  # the columns some exchange could move past a goal (or past now)
    change: np.ndarray  # [givers, takers + 1, columns]: what the giving fold loses to the
    # taking fold if giver g and taker h trade; the last h is g moving alone
    source: np.ndarray  # [columns]: the giving fold's count - its equal share
    target: np.ndarray  # the taking fold's
