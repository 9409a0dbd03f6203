"""Dealing the light bulk of many groups: blocks of K similar groups, one to every fold.

After the heavy groups are placed one at a time, the rest go in steps, each a share of the
groups placed so far (so there are O(log groups) steps, each a few whole-array operations).
A step's groups are sorted by their key column (the one where they weigh most) and its value,
then cut into blocks of K neighbours; each block gives one group to every fold, the heaviest
member first taking the fold where it raises J least, the next the best fold left, and so on.
Within a step every block sees the same loads; because a block's members are alike, that
costs little: what the block adds to its folds differs only by how its members differ.
The fewer than K groups left over after the last whole block are the caller's to place.
"""

from __future__ import annotations

import numpy as np

from foldcheck.splitter.profiles import Profiles

_GROWTH = 0.0625  # each step deals this share of the groups placed before it
_MIN_STEP_BLOCKS = 64


def deal(
    profiles: Profiles,
    order: np.ndarray,
    load: np.ndarray,
    fold_of_group: np.ndarray,
    placed: int,
    impact: np.ndarray | None = None,
) -> int:
    """Place the leading whole blocks of ``order`` onto ``load`` (updated), with ``placed``
    groups already in; returns how many groups it placed. ``impact``: w x^2 of every entry,
    if the caller has it."""
    k, n_columns = int(load.shape[0]), int(load.shape[1])
    if impact is None:
        impact = profiles.weights[profiles.columns] * profiles.values**2
    key, key_value = _key_columns(profiles, impact)
    whole = len(order) - len(order) % k
    start = 0
    while start < whole:
        size = max(k * _MIN_STEP_BLOCKS, int(placed * _GROWTH) // k * k)
        step = order[start : min(start + size, whole)]
        step = step[np.lexsort((-key_value[step], key[step]))]  # alike groups side by side
        rows, columns, values = profiles.entries(step)
        weighted = profiles.weights[columns] * values
        # score[g, f]: the fold-dependent part of J's rise when group g joins fold f.
        score = np.stack(
            [np.bincount(rows, weighted * load[f, columns], minlength=len(step)) for f in range(k)],
            axis=1,
        )
        folds = _permutations(score.reshape(-1, k, k)).reshape(-1)
        fold_of_group[step] = folds
        cell = folds[rows] * n_columns + columns
        load += np.bincount(cell, weights=values, minlength=k * n_columns).reshape(k, -1)
        placed += len(step)
        start += len(step)
    return whole


def _key_columns(profiles: Profiles, impact: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each group's column of largest w x^2 (the first on ties) and its value there."""
    # Each group's largest by one unbuffered maximum (twice as fast as a reduceat over 100k
    # short runs); no group is empty (it has images), and w x^2 > 0 exceeds the zero start.
    row = profiles.row_of_entries()
    top = np.zeros(profiles.n_groups)
    np.maximum.at(top, row, impact)
    at_top = np.flatnonzero(impact == top[row])
    first = at_top[np.concatenate([[True], row[at_top][1:] != row[at_top][:-1]])]
    return profiles.columns[first], profiles.values[first]


def _permutations(score: np.ndarray) -> np.ndarray:
    """[block, member] -> fold: a permutation of the folds per block, members in order (the
    largest key value first) each taking its best fold still free."""
    n_blocks, k, _ = score.shape
    cost = score.copy()
    folds = np.empty((n_blocks, k), dtype=np.intp)
    every = np.arange(n_blocks)
    for member in range(k):
        fold = cost[:, member, :].argmin(axis=1)
        folds[:, member] = fold
        cost[every, :, fold] = np.inf
    return folds
