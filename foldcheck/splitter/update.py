"""Folds kept while the data changes: ``split --update`` and ``split --from ... --repair``.

Every image that had a side before (a validation fold, or the held-out set) keeps it. A group
whose images had several sides (a change joined two groups; adopted folds split one) goes
whole to the side that held most of its images, so the fewest images move; on a tie the
held-out set keeps its images, then the lower fold index. Groups that had no side are new:
the held-out set takes its share of them (``NewHoldout``), and the rest are placed by the
splitter's own greedy onto the loads the kept groups already make, then refined by moves and
swaps among the new groups alone. A new image of an old group simply joins its group's side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foldcheck.core.assignment import HELD, NEW
from foldcheck.core.dataset import Dataset, take_images
from foldcheck.core.groups import Groups
from foldcheck.io.gcpause import gc_paused
from foldcheck.splitter.blas import one_blas_thread
from foldcheck.splitter.greedy import place_exactly, placement_order
from foldcheck.splitter.holdout import holdout_by_fraction, parts_for
from foldcheck.splitter.profiles import Profiles, build_profiles
from foldcheck.splitter.refine import refine


@dataclass(frozen=True)
class NewHoldout:
    """How new groups join the held-out set: the groups holding a ``listed`` image (the
    ``--holdout-from`` file), or a balanced ``fraction`` of them (``--holdout``)."""

    fraction: float | None = None
    listed: np.ndarray | None = None  # bool [images]


@dataclass(frozen=True, eq=False)
class Updated:
    """The sides after the change, and the listings they came from: image ``rows[i]`` was on
    side ``sides[i]`` (an image listed on several sides has several listings)."""

    side: np.ndarray  # intp [images]: the fold of each image, HELD when held out
    rows: np.ndarray  # intp [listings]
    sides: np.ndarray  # intp [listings]: a fold, or HELD

    @property
    def moved(self) -> np.ndarray:
        """The listings whose image is now on another side: one per move."""
        return np.flatnonzero(self.side[self.rows] != self.sides)

    @property
    def kept(self) -> int:
        """Images that stay on a side they were listed on."""
        return len(np.unique(self.rows[self.side[self.rows] == self.sides]))

    @property
    def placed(self) -> int:
        """Images that had no side."""
        return len(self.side) - len(np.unique(self.rows))


def update_sides(
    dataset: Dataset,
    groups: Groups,
    k: int,
    listings: tuple[np.ndarray, np.ndarray],
    stratify: str,
    seed: int,
    new_holdout: NewHoldout | None = None,
) -> Updated:
    """Each image's side after the change, from ``listings`` (rows, sides: where the images
    were): kept, joined by the fewest moves, or placed."""
    rows, sides = listings
    side_of_group = _resolve_joins(groups, k, rows, sides)
    new = side_of_group == NEW
    if new_holdout is not None and new.any():
        side_of_group[_held_new_groups(dataset, groups, new, new_holdout, stratify, seed)] = HELD
    in_folds = side_of_group != HELD
    if (side_of_group == NEW).any():
        kept_rows = in_folds[groups.of_image]
        sub_groups, sub_of = _restrict(groups, kept_rows, in_folds)
        fold = side_of_group[sub_of]
        with gc_paused(), one_blas_thread():
            profiles = build_profiles(take_images(dataset, kept_rows), sub_groups, k, stratify)
            _place_new(profiles, fold, k, np.random.default_rng(seed))
        side_of_group[sub_of] = fold
    return Updated(side_of_group[groups.of_image], rows, sides)


def _resolve_joins(groups: Groups, k: int, rows: np.ndarray, sides: np.ndarray) -> np.ndarray:
    """[groups]: the side each group goes to whole, the one most of its listings are on
    (NEW when it has none)."""
    column = np.where(sides == HELD, 0, sides + 1)  # held first: it wins ties
    counts = np.bincount(
        groups.of_image[rows] * (k + 1) + column, minlength=groups.count * (k + 1)
    ).reshape(groups.count, k + 1)
    winner = counts.argmax(axis=1)  # the first of equals: held, then the lowest fold
    side: np.ndarray = np.where(winner == 0, HELD, winner - 1)
    side[counts.sum(axis=1) == 0] = NEW
    return side


def _held_new_groups(
    dataset: Dataset,
    groups: Groups,
    new: np.ndarray,
    rule: NewHoldout,
    stratify: str,
    seed: int,
) -> np.ndarray:
    """Indices of the new groups the held-out set takes."""
    if rule.listed is not None:
        listed = np.zeros(groups.count, dtype=bool)
        listed[groups.of_image[rule.listed]] = True
        return np.flatnonzero(new & listed)
    assert rule.fraction is not None
    rows = new[groups.of_image]
    sub_groups, sub_of = _restrict(groups, rows, new)
    parts, _ = parts_for(rule.fraction)
    if sub_groups.count >= parts:
        held = holdout_by_fraction(
            take_images(dataset, rows), sub_groups, rule.fraction, stratify, seed
        ).mask
        held_groups: np.ndarray = np.unique(sub_of[sub_groups.of_image[held]])
        return held_groups
    # Too few new groups for balanced parts: the fraction of them, in a seeded order.
    chosen = np.random.default_rng(seed).permutation(sub_groups.count)
    count = round(rule.fraction * sub_groups.count)
    return np.sort(sub_of[chosen[:count]])


def _restrict(groups: Groups, rows: np.ndarray, kept: np.ndarray) -> tuple[Groups, np.ndarray]:
    """The groups ``kept`` marks, over the images ``rows`` marks (theirs), renumbered; and
    each one's index among all groups."""
    original = np.flatnonzero(kept)
    renumber = np.cumsum(kept) - 1
    restricted = Groups(
        groups.key,
        renumber[groups.of_image[rows]].astype(np.intp),
        [groups.labels[int(g)] for g in original.tolist()],
        groups.missing,
    )
    return restricted, original


def _place_new(profiles: Profiles, fold: np.ndarray, k: int, rng: np.random.Generator) -> None:
    """Fill in the NEW entries of ``fold`` (per group) by greedy onto the kept groups' loads,
    then refine among the new groups only."""
    movable = fold == NEW
    placed = ~movable
    rows = profiles.row_of_entries()
    at = placed[rows]
    n_columns = len(profiles.targets)
    cell = fold[rows[at]] * n_columns + profiles.columns[at]
    load = np.bincount(cell, profiles.values[at], minlength=k * n_columns).reshape(k, -1)
    load = load.astype(np.float64, copy=False)  # bincount of no weights at all gives integers
    order = placement_order(profiles, rng)
    place_exactly(profiles, order[movable[order]], load, fold)
    refine(profiles, fold, k, rng, movable=movable)
