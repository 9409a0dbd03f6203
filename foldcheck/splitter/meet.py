"""After the search: the columns still off by more than acceptable, reweighted until they are
not (or the search cannot find a way).

The search minimises J, a weighted sum of squares: it can leave one column well off when that
buys many small gains elsewhere. What a user sees is each column's worst fold, judged two ways:
``check``'s tolerance (a cell off by more than max(T x e, the largest group) is an FC4xx error)
and the floor (``core.floor``: the least deviation any group-respecting split must pay). So a
column's goal is the tighter of check's allowance and 1.25 x the floor of its kind (the worst
floor among the kind's columns of at least 50 items, and at least its own), and every column
past its goal has its weight raised and the search run again from where it stands, a few times.
A round that leaves more columns past their goal is undone; one that leaves no fewer ends the
search. A goal that
is still missed afterwards is the caller's to report: ``split`` names the cells
``check`` would refuse.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from foldcheck.core.floor import deviation_floor
from foldcheck.splitter.profiles import Profiles
from foldcheck.splitter.refine import refine

FLOOR_RATIO = 1.25  # a column within this multiple of its kind's floor is close enough
_MIN_ITEMS = 50  # columns with fewer items set no floor for their kind (as the bench scores)
_ROUNDS = 4
_BOOST = 8.0  # weight factor of a column past its goal, per round


def goals(
    profiles: Profiles, k: int, tolerance: float | None, floor_ratio: float = FLOOR_RATIO
) -> np.ndarray:
    """[columns]: the absolute deviation each column should stay within (``floor_ratio``
    infinite: check's allowance alone)."""
    targets, largest = profiles.targets, profiles.largest
    floor = deviation_floor(targets, largest)
    kinds = profiles.column_kinds()
    kind_floor = np.zeros(kinds.max() + 1)
    counted = targets * k >= _MIN_ITEMS
    np.maximum.at(kind_floor, kinds[counted], floor[counted])
    goal = (
        floor_ratio * np.maximum(floor, kind_floor[kinds]) * targets
        if np.isfinite(floor_ratio)
        else np.full(len(targets), np.inf)
    )
    if tolerance is not None:
        goal = np.minimum(goal, np.maximum(tolerance * targets, largest))
    # Never below the floor itself: that is unreachable, and chasing it costs other columns.
    goal = np.maximum(goal, floor * targets)
    # A column held by at least K groups can be in every fold, and check's FC403 wants it there.
    holders = np.bincount(profiles.columns, minlength=len(targets))
    spreadable = holders >= k
    goal[spreadable] = np.minimum(goal[spreadable], targets[spreadable] - 0.5)
    result: np.ndarray = np.maximum(goal, 0.0)
    return result


def missed(profiles: Profiles, load: np.ndarray, goal: np.ndarray) -> np.ndarray:
    """[columns]: True where some fold is further from the equal share than the goal."""
    beyond: np.ndarray = np.abs(load - profiles.targets).max(axis=0) > goal + 1e-9
    return beyond


def meet_goals(
    profiles: Profiles,
    fold_of_group: np.ndarray,
    k: int,
    rng: np.random.Generator,
    tolerance: float | None,
) -> None:
    """Search again, in place, with the columns past their goal weighing more."""
    goal = goals(profiles, k, tolerance)
    # check's own allowance (with FC403's presence) comes first: never trade its cells away.
    allowed = goals(profiles, k, tolerance, floor_ratio=np.inf)
    weights = profiles.weights.copy()

    def standing() -> tuple[np.ndarray, tuple[int, int]]:
        load = profiles.loads(fold_of_group, k)
        off = missed(profiles, load, goal)
        return off, (int(missed(profiles, load, allowed).sum()), int(off.sum()))

    off, score = standing()
    for _ in range(_ROUNDS):
        if not off.any():
            return
        weights[off] *= _BOOST
        before = fold_of_group.copy()
        refine(replace(profiles, weights=weights), fold_of_group, k, rng)
        now_off, now_score = standing()
        if now_score > score:  # the new weights cost more than they saved
            fold_of_group[:] = before
        if now_score >= score:  # stuck: a goal no reweighting reaches (two kinds pulling apart)
            return
        off, score = now_off, now_score
