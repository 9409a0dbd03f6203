"""Few groups: every split enumerated, and the best one taken.

With a handful of groups (a user's 8 videos) the search's local optima are far apart and a
seeded start can miss the best split by a wide margin, while the splits themselves are few:
the ways to cut n groups into K non-empty folds, up to the folds' numbering, are the Stirling
number S(n, K) (8 groups into 4 folds: 1,701). While S(n, K) x K x (the columns the groups
touch + n) stays within EXACT_WORK, every such split is scored and the best is taken, in the
splitter's own order of objectives:

1. what ``check`` refuses first (``goals`` with no floor goal: the fold sizes, box sizes and
   each class within check's tolerance, a class held by at least K groups in every fold; not
   the images without annotations, which no rule judges): the weighted squared excess past
   it, as ``repair`` scores it, so a split check accepts wins whenever there is one;
2. then the classes' worst deviations, both kinds, each relative to its equal share (the
   balance table's), scaled as J scales the kinds (``--stratify``), compared worst first
   and then the next worst (the least worst class, then among those the least second worst,
   and so on);
3. then J, which also weighs the narrow columns;

and among splits equal on all three, the seed picks. Splits are scored a chunk at a time, so
memory stays bounded by the chunk, not by the number of splits.
"""

from __future__ import annotations

import numpy as np

from foldcheck.splitter.goals import goals
from foldcheck.splitter.profiles import Profiles

# The most splits x folds x (columns + groups) scored, about 0.25 s of one core at most
# (docs/algorithm.md): any K for up to 10 groups of a few classes, 9 videos of 80 classes.
EXACT_WORK = 5_000_000
_MOST_GROUPS = 24  # 25 groups are past the bound for every K below 23: no Stirling sum
_CHUNK_CELLS = 2_000_000  # splits x folds x columns scored at once (16 MB of loads)
_RELATIVE_TIE = 1e-9  # objectives this close count as equal (float rounding only)


def stirling(n: int, k: int) -> int:
    """S(n, k): the ways to cut n items into k non-empty unlabelled blocks."""
    row = [1] + [0] * k  # S(0, j)
    for _ in range(n):
        row = [0] + [j * row[j] + row[j - 1] for j in range(1, k + 1)]
    return row[k]


def exact_split(
    profiles: Profiles, k: int, tolerance: float | None, rng: np.random.Generator
) -> np.ndarray | None:
    """The best fold of every group by the order above; None when the splits are too many to
    score (the search's problem then)."""
    n_groups = profiles.n_groups
    if n_groups > _MOST_GROUPS:
        return None
    used = np.flatnonzero(profiles.holder_counts)
    if stirling(n_groups, k) * k * (len(used) + n_groups) > EXACT_WORK:
        return None
    scorer = _Scorer(profiles, k, tolerance, used)
    splits = every_split(profiles.n_groups, k)
    per_chunk = max(1, _CHUNK_CELLS // (k * len(used)))
    best = np.empty((0, profiles.n_groups), dtype=splits.dtype)
    for first in range(0, len(splits), per_chunk):
        chunk = splits[first : first + per_chunk]
        best = scorer.best(np.concatenate([best, scorer.best(chunk)]))
    chosen: np.ndarray = best[int(rng.integers(len(best)))].astype(np.intp)
    return chosen


def every_split(n: int, k: int) -> np.ndarray:
    """[S(n, k), n]: each cut of n groups into k non-empty folds once, as the fold of each
    group with folds numbered in order of first use (group 0 in fold 0, the next new fold 1)."""
    splits = np.zeros((1, 1), dtype=np.int8)
    last_fold = np.zeros(1, dtype=np.int8)  # the highest fold used so far
    for position in range(1, n):
        after = n - position - 1  # groups still to place after this one
        grown, grown_last = [], []
        for fold in range(min(position, k - 1) + 1):
            now_last = np.maximum(last_fold, fold)
            # a new fold may only be the next one; every fold must still be reachable
            keep = (fold <= last_fold + 1) & (now_last + 1 + after >= k)
            grown.append(np.column_stack([splits[keep], np.full(int(keep.sum()), fold, np.int8)]))
            grown_last.append(now_last[keep])
        splits, last_fold = np.concatenate(grown), np.concatenate(grown_last)
    return splits


class _Scorer:
    """The objectives of candidate splits over the columns the groups touch."""

    def __init__(
        self, profiles: Profiles, k: int, tolerance: float | None, used: np.ndarray
    ) -> None:
        self.k = k
        dense = np.zeros((profiles.n_groups, len(profiles.targets)))
        dense[profiles.row_of_entries(), profiles.columns] = profiles.values
        self.profile = dense[:, used]
        self.targets, self.weights = profiles.targets[used], profiles.weights[used]
        allowed = goals(profiles, k, tolerance, floor_ratio=np.inf)
        allowed[:, profiles.unannotated_column] = np.inf  # spread by J alone: check ignores it
        self.allowed = allowed[:, used]
        # The class columns, each deviation scaled as J scales its kind: J's weight over the
        # square of the column's scale is the kind's weight (profiles' _MODE_WEIGHTS).
        scale = np.maximum(np.maximum(profiles.targets, profiles.largest), 1.0)
        kind_weight = profiles.weights * scale**2
        is_class = profiles.column_kinds()[used] < 2
        self.classes = np.flatnonzero(is_class & (self.targets > 0))
        self.class_scale = np.sqrt(kind_weight[used][self.classes]) / self.targets[self.classes]

    def best(self, splits: np.ndarray) -> np.ndarray:
        """The rows of ``splits`` that no other row beats, by the order of objectives."""
        load = np.stack([(splits == fold) @ self.profile for fold in range(self.k)])
        deviation = load - self.targets
        above, below = self.allowed
        past = np.maximum(np.maximum(deviation - above, -deviation - below), 0.0)
        keep = _least(((past**2) @ self.weights).sum(axis=0))
        deviation = deviation[:, keep]
        worst = np.abs(deviation[:, :, self.classes]).max(axis=0) * self.class_scale
        ranked = -np.sort(-worst, axis=1)  # worst class first
        rows = np.arange(len(ranked))
        for column in ranked.T:
            rows = rows[_least(column[rows])]
        cost = ((deviation[:, rows] ** 2) @ self.weights).sum(axis=0)
        chosen: np.ndarray = splits[keep][rows[_least(cost)]]
        return chosen


def _least(values: np.ndarray) -> np.ndarray:
    """The positions of the values equal to the least, up to float rounding."""
    least = values.min()
    tied: np.ndarray = np.flatnonzero(values <= least + _RELATIVE_TIE * max(abs(least), 1.0))
    return tied
