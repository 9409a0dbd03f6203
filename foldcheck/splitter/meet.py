"""After the search: the columns still past their goal (``goals``), met where a way exists.

The search minimises J, a weighted sum of squares: it can leave one column well off when that
buys many small gains elsewhere. Two stages follow it. First, every column past its goal has
its weight raised and the search runs again from where it stands, a few times: this escapes
the local optima single moves and swaps stop in. With few groups (at most ``DESCENT_GROUPS``:
videos, scenes) that is ``guided``'s exhaustive search, which then settles the classes still
past their goal one by one; with more, ``refine`` reruns, and a round that leaves more
columns past their goals is undone, one that leaves no fewer ends the stage. Then ``repair``
takes the columns still past their goal one by one, by exchanges scored on the excess past
the goals alone. With more groups than ``DESCENT_GROUPS`` but at most ``EXHAUSTIVE_GROUPS``, a
goal still missed then gets ``guided``'s exhaustive search and ``repair`` again. A goal that
is still missed afterwards is the caller's to report: ``split`` names the cells ``check``
would refuse."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from foldcheck.splitter.goals import goals, missed
from foldcheck.splitter.guided import guided_search
from foldcheck.splitter.profiles import Profiles
from foldcheck.splitter.refine import refine
from foldcheck.splitter.repair import repair
from foldcheck.splitter.state import FoldState

_ROUNDS = 4
# Up to this many groups, goals the sampled search leaves missed are searched for again by
# ``guided``'s exhaustive one (its matrix of every swap between two folds: 100 MB at 25,000
# groups).
EXHAUSTIVE_GROUPS = 25_000
_BOOST = 8.0  # weight factor of a column past its goal, per round


def meet_goals(
    profiles: Profiles,
    fold_of_group: np.ndarray,
    k: int,
    rng: np.random.Generator,
    tolerance: float | None,
    few_groups: bool,
    load: np.ndarray | None = None,
) -> None:
    """Search again, in place, with the columns past their goal weighing more, then repair
    what is still past it. ``few_groups``: the search is ``guided``'s (at most
    ``DESCENT_GROUPS`` unless the caller forces it); ``load``: the assignment's fold loads,
    where the caller has them."""
    goal = goals(profiles, k, tolerance)
    if load is None:
        load = profiles.loads(fold_of_group, k)
    if not missed(profiles, load, goal).any():
        return
    # check's own allowance (with FC403's presence) comes first: never trade its cells away.
    allowed = goals(profiles, k, tolerance, floor_ratio=np.inf)
    if few_groups:
        guided_search(profiles, fold_of_group, k, goal, allowed, rng)
    else:
        _reweighted(profiles, fold_of_group, k, rng, goal, allowed)
    repair(FoldState(profiles, fold_of_group, k, rng), goal, allowed)
    if few_groups or profiles.n_groups > EXHAUSTIVE_GROUPS:
        return
    if missed(profiles, profiles.loads(fold_of_group, k), goal).any():
        # The sampled search and repair can stop where every single exchange breaks a cell at
        # the edge of its goal (trash@22, 4,900 images: one box past it, no move or swap of
        # any two images meets it): the exhaustive search finds the ones that do. It keeps
        # the best state it sees and repair only lowers V, so neither can make it worse.
        guided_search(profiles, fold_of_group, k, goal, allowed, rng)
        repair(FoldState(profiles, fold_of_group, k, rng), goal, allowed)


def _reweighted(
    profiles: Profiles,
    fold_of_group: np.ndarray,
    k: int,
    rng: np.random.Generator,
    goal: np.ndarray,
    allowed: np.ndarray,
) -> None:
    """``refine`` again, a few rounds, with the columns past their goal weighing more."""
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
