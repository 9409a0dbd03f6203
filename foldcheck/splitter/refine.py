"""Local search after the greedy placement: single-group moves, then pair swaps.

Moving group g (profile x) from fold a to fold b changes J by
    2 sum_j w_j x_j (load_bj - load_aj + x_j);
swapping g in a with h in b, with d = x_g - x_h, by
    2 sum_j w_j d_j (load_bj - load_aj) + 2 sum_j w_j d_j^2.
Moves are evaluated for every group and fold in one vectorised pass. Swaps fix what moves
cannot: an image-presence count already at its target while the annotation count of the same
class is off needs two images with different counts of it traded. After a few whole-data
move passes, each round takes the columns that are worst off and, between their fullest and
emptiest fold, scores a seeded sample of candidate moves and all candidate pairs by one
matrix product, applying the best.

With ``movable`` (``split --update``), only the marked groups move or swap: the rest keep their
folds and only weigh in the loads.
"""

from __future__ import annotations

import numpy as np

from foldcheck.splitter.profiles import Profiles
from foldcheck.splitter.state import exchange_deltas

_TOLERANCE = 1e-12
_MOVE_PASSES = 3
_ROUNDS = 40
_MIN_ROUND_GAIN = 1e-3  # stop when a round lowers J by less than this fraction
_SWAP_COLUMNS = 24  # worst columns examined per round
_SWAP_CANDIDATES = 192  # groups sampled on each side of a swap


def refine(
    profiles: Profiles,
    fold_of_group: np.ndarray,
    k: int,
    rng: np.random.Generator,
    movable: np.ndarray | None = None,
) -> None:
    """Improve ``fold_of_group`` in place; J never rises, no fold is emptied. ``movable``
    (bool per group): the groups that may change fold (default: all)."""
    if movable is None:
        movable = np.ones(profiles.n_groups, dtype=bool)
    load = profiles.loads(fold_of_group, k)
    _move_passes(profiles, fold_of_group, load, movable)
    holders = _groups_by_column(profiles, movable)
    for _ in range(_ROUNDS):
        before = profiles.cost(load)
        _targeted_round(profiles, holders, fold_of_group, load, rng, movable)
        _fold_pair_round(profiles, fold_of_group, load, rng, movable)
        if before - profiles.cost(load) <= _MIN_ROUND_GAIN * before:
            return


def _move_passes(
    profiles: Profiles, fold_of_group: np.ndarray, load: np.ndarray, movable: np.ndarray
) -> None:
    columns, values = profiles.columns, profiles.values
    weighted = profiles.weights[columns] * values
    row = profiles.row_of_entries()
    every_group = np.arange(profiles.n_groups)
    groups_in_fold = np.bincount(fold_of_group, minlength=len(load))
    for _ in range(_MOVE_PASSES):
        own = load[fold_of_group[row], columns]
        delta = np.stack(
            [
                profiles.row_sums(weighted * (load[f, columns] - own + values))
                for f in range(len(load))
            ],
            axis=1,
        )
        delta[every_group, fold_of_group] = np.inf
        delta[~movable] = np.inf
        best = delta.min(axis=1)
        candidates = np.flatnonzero(best < -_TOLERANCE)
        moved = 0
        for group in candidates[np.argsort(best[candidates], kind="stable")].tolist():
            source = int(fold_of_group[group])
            if groups_in_fold[source] == 1:
                continue
            start, stop = profiles.indptr[group], profiles.indptr[group + 1]
            cols, x = columns[start:stop], values[start:stop]
            gain = (load[:, cols] - load[source, cols] + x) @ weighted[start:stop]
            gain[source] = np.inf
            target = int(gain.argmin())
            if gain[target] >= -_TOLERANCE:
                continue  # an earlier move this pass took its gain away
            load[source, cols] -= x
            load[target, cols] += x
            fold_of_group[group] = target
            groups_in_fold[source] -= 1
            groups_in_fold[target] += 1
            moved += 1
        if moved == 0:
            return


def _targeted_round(
    profiles: Profiles,
    holders: list[np.ndarray],
    fold_of_group: np.ndarray,
    load: np.ndarray,
    rng: np.random.Generator,
    movable: np.ndarray,
) -> None:
    """Best move or swap for each of the worst columns, between its fullest and emptiest fold.

    Columns are ranked by how far their spread exceeds what no split can avoid (one unit for
    integer counts; more when one group holds more than the other folds' share), so columns
    already as even as they can be do not take the slots.
    """
    priority = excess(profiles, load)
    worst = np.argsort(-priority, kind="stable")[:_SWAP_COLUMNS]
    for column in worst[priority[worst] > _TOLERANCE].tolist():
        full, empty = int(load[:, column].argmax()), int(load[:, column].argmin())
        column_holders = holders[column]
        in_full = column_holders[fold_of_group[column_holders] == full]
        in_empty = column_holders[fold_of_group[column_holders] == empty]
        takers = np.concatenate(
            [_sample(in_empty, rng), _sample(_movable_in(fold_of_group, empty, movable), rng)]
        )
        _exchange(
            profiles, fold_of_group, load, full, empty, _sample(in_full, rng), np.unique(takers)
        )


def excess(profiles: Profiles, load: np.ndarray) -> np.ndarray:
    """[columns]: w times the square of how far a column's fold spread exceeds what no split
    can avoid (one unit for integer counts; more when one group holds more than the other
    folds' share)."""
    k = len(load)
    rest_share = (profiles.targets * k - profiles.largest) / (k - 1)
    unavoidable = np.maximum(profiles.largest - rest_share, 1.0)
    spread = np.maximum(load.max(axis=0) - load.min(axis=0) - unavoidable, 0.0)
    result: np.ndarray = profiles.weights * spread**2
    return result


def _fold_pair_round(
    profiles: Profiles,
    fold_of_group: np.ndarray,
    load: np.ndarray,
    rng: np.random.Generator,
    movable: np.ndarray,
) -> None:
    """Best move or swap between every ordered pair of folds, over sampled groups (all of them
    when there are few: then the search is exhaustive)."""
    k = len(load)
    for full in range(k):
        for empty in range(k):
            if full != empty:
                _exchange(
                    profiles,
                    fold_of_group,
                    load,
                    full,
                    empty,
                    _sample(_movable_in(fold_of_group, full, movable), rng),
                    _sample(_movable_in(fold_of_group, empty, movable), rng),
                )


def _exchange(
    profiles: Profiles,
    fold_of_group: np.ndarray,
    load: np.ndarray,
    full: int,
    empty: int,
    givers: np.ndarray,
    takers: np.ndarray,
) -> None:
    """Apply the best move (giver to ``empty``) or swap (giver for taker) if it lowers J."""
    if len(givers) == 0:
        return
    allow_move = bool(np.count_nonzero(fold_of_group == full) > 1)  # never empty a fold
    give, take = _best_exchange(profiles, givers, takers, load[empty] - load[full], allow_move)
    if give < 0:
        return
    profiles.shift(load, give, full, empty)
    fold_of_group[give] = empty
    if take >= 0:
        profiles.shift(load, take, empty, full)
        fold_of_group[take] = full


def _best_exchange(
    profiles: Profiles, givers: np.ndarray, takers: np.ndarray, gap: np.ndarray, allow_move: bool
) -> tuple[int, int]:
    """The best (giver, taker) swap or (giver, -1) move that lowers J; (-1, -1) if none.
    ``gap`` is load(emptier fold) - load(fuller fold)."""
    used, give, take = profiles.dense_pair(givers, takers)
    # Column -1 holds the plain moves: giver alone, nothing back.
    delta = exchange_deltas(give, take, profiles.weights[used], gap[used])
    if not allow_move:
        delta[:, -1] = np.inf
    i, j = divmod(int(delta.argmin()), delta.shape[1])
    if delta[i, j] >= -_TOLERANCE:
        return -1, -1
    return int(givers[i]), (int(takers[j]) if j < len(takers) else -1)


def _movable_in(fold_of_group: np.ndarray, fold: int, movable: np.ndarray) -> np.ndarray:
    return np.flatnonzero((fold_of_group == fold) & movable)


def _groups_by_column(profiles: Profiles, movable: np.ndarray) -> list[np.ndarray]:
    """The movable groups holding each column."""
    rows = profiles.row_of_entries()
    entries = np.flatnonzero(movable[rows])
    order = entries[np.argsort(profiles.columns[entries], kind="stable")]
    bounds = np.searchsorted(profiles.columns[order], np.arange(len(profiles.targets) + 1))
    rows = rows[order]
    return [rows[bounds[c] : bounds[c + 1]] for c in range(len(profiles.targets))]


def _sample(groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Up to _SWAP_CANDIDATES of the groups, drawn in O(sample) (repeats dropped)."""
    if len(groups) <= _SWAP_CANDIDATES:
        return groups
    return np.unique(groups[rng.integers(0, len(groups), _SWAP_CANDIDATES)])
