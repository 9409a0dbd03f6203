"""Each column's goal: how far from an equal share its fold counts may stray.

What a user sees is each column's worst fold, judged two ways: ``check``'s tolerance (a cell
off by more than max(T x e, the largest group) is an FC4xx error, and a class held by at least
K groups missing from a fold is FC403) and the floor (``core.floor``: the least deviation any
group-respecting split must pay). A column's goal is the tighter of check's allowance and
1.25 x its bar: the floor of its kind (the worst floor among the kind's columns of at least
50 items), its own floor, or its class's conflict floor (``core.floor.conflict_floor``: what
no split check accepts can bring both of its deviations under), whichever is highest, as
``bench/scoring.py`` judges it; never tighter than what no split can avoid. Above and below an equal
share differ: FC403 asks only that no fold be empty, and the floor of one heavy group is
paid above.
"""

from __future__ import annotations

import numpy as np

from foldcheck.core.floor import ClassCells, conflict_floor, deviation_floor
from foldcheck.splitter.profiles import Profiles

FLOOR_RATIO = 1.25  # a column within this multiple of its kind's floor is close enough
CHECK_WEIGHT = 1e6  # a cell past check's allowance, against one past the floor goal
_MIN_ITEMS = 50  # columns with fewer items set no floor for their kind (as the bench scores)


def goals(
    profiles: Profiles, k: int, tolerance: float | None, floor_ratio: float = FLOOR_RATIO
) -> np.ndarray:
    """[2, columns]: how far above (row 0) and below (row 1) its equal share each column's
    fold counts should stay (``floor_ratio`` infinite: check's allowance alone)."""
    targets, largest = profiles.targets, profiles.largest
    floor = deviation_floor(targets, largest)
    # check's allowance of each column: how far from its equal share a fold may be
    allowed = None if tolerance is None else np.maximum(tolerance * targets, largest)
    kinds = profiles.column_kinds()
    kind_floor = np.zeros(kinds.max() + 1)
    counted = targets * k >= _MIN_ITEMS
    np.maximum.at(kind_floor, kinds[counted], floor[counted])
    goal = np.full(len(targets), np.inf)
    if np.isfinite(floor_ratio):
        # The classes' two kinds; the narrow columns (fold sizes, box sizes) are held to
        # check's allowance alone: nothing judges them against a floor, and an equal share to
        # the image is not worth a class's balance.
        classes = kinds < 2
        bar = np.maximum(floor, kind_floor[kinds])
        bar[classes] = np.maximum(bar[classes], np.tile(_conflict_floors(profiles, allowed), 2))
        goal[classes] = (floor_ratio * bar * targets)[classes]
    if allowed is not None:
        goal = np.minimum(goal, allowed)
    below = goal.copy()
    # A column held by at least K groups can be in every fold, and check's FC403 wants it there.
    spreadable = profiles.holder_counts >= k
    below[spreadable] = np.minimum(below[spreadable], targets[spreadable] - 0.5)
    # Never past what no split can avoid: that is unreachable, and chasing it costs other
    # columns. Above: the floor. Below: rounding down, and the share left to the other folds
    # when one group holds more than an equal share.
    rest_share = (targets * k - largest) / (k - 1)
    below_floor = np.maximum(targets - np.floor(targets), targets - rest_share)
    return np.stack([np.maximum(goal, floor * targets), np.maximum(below, below_floor)])


def _conflict_floors(profiles: Profiles, allowed: np.ndarray | None) -> np.ndarray:
    """[classes]: each class's conflict floor (``core.floor.conflict_floor``), the least of
    the larger of its two deviations, from its groups' boxes and images of it; over the
    splits ``check`` accepts where its allowance of each column is given."""
    kinds = profiles.column_kinds()
    n_classes = int(np.count_nonzero(kinds == 0))
    of_entry = kinds[profiles.columns]
    boxes, images = of_entry == 0, of_entry == 1
    # A group holds a class's boxes exactly where it has images containing it, and both
    # blocks list the group's classes in the same order (``build_profiles``).
    cells = ClassCells(
        profiles.columns[boxes],
        profiles.values[boxes].astype(np.int64),
        profiles.values[images].astype(np.int64),
    )
    targets = profiles.targets
    by_kind = None if allowed is None else (allowed[:n_classes], allowed[n_classes : 2 * n_classes])
    return conflict_floor(targets[:n_classes], targets[n_classes : 2 * n_classes], cells, by_kind)


def squared_excess(deviation: np.ndarray, above: np.ndarray, below: np.ndarray) -> np.ndarray:
    """The square of how far past its goals each ``deviation`` (count - equal share) is."""
    past: np.ndarray = np.maximum(np.maximum(deviation - above, -deviation - below), 0.0) ** 2
    return past


def past_goal(profiles: Profiles, load: np.ndarray, goal: np.ndarray) -> np.ndarray:
    """[k, columns]: how far each fold's count is past its column's goal (0 within it)."""
    deviation = load - profiles.targets
    past: np.ndarray = np.maximum(np.maximum(deviation - goal[0], -deviation - goal[1]), 0.0)
    return past


def excess_past_goals(
    profiles: Profiles, load: np.ndarray, goal: np.ndarray, allowed: np.ndarray
) -> float:
    """How far the cells are past their goals, as ``guided`` and ``repair`` weigh it: the
    weighted squares past ``goal``, those past check's ``allowed`` CHECK_WEIGHT times more; 0
    when every goal is met."""
    past = past_goal(profiles, load, goal) ** 2
    past += CHECK_WEIGHT * past_goal(profiles, load, allowed) ** 2
    return float((past @ profiles.weights).sum())


def missed(profiles: Profiles, load: np.ndarray, goal: np.ndarray) -> np.ndarray:
    """[columns]: True where some fold is past the goal."""
    beyond: np.ndarray = past_goal(profiles, load, goal).max(axis=0) > 1e-9
    return beyond
