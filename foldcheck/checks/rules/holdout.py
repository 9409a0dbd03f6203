"""FC107, FC108: the held-out test set stays out of every fold; copies stay together.

The held-out test set is the one estimate no model choice has touched: an image of it, or of
its group, in any fold is trained on or used for selection, and the final test score is no
longer unbiased. Copies of one photo in different folds leak as the FC1xx rules describe.

The test set is the manifest's ``holdout`` and a fold YAML's ``test:``. FC108 warns when a
fold set grouped by image puts names a group preset ties together (a photo's labelling-service
copies, one image's SAHI tiles) in different validation folds.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from foldcheck.checks.context import CheckContext
from foldcheck.core.findings import Finding, register
from foldcheck.core.group_presets import NAME_PRESETS, PRESETS
from foldcheck.io.excerpt import quoted

HOLDOUT_IN_FOLD = register(
    "FC107",
    "holdout-image-in-fold",
    "error",
    "an image, or a group, of the held-out test set is in a fold's train or val side",
)
PRESET_COPIES_SPLIT = register(
    "FC108",
    "preset-copies-split",
    "warning",
    "with image grouping, names a group preset ties together (roboflow, sahi) are in "
    "different validation folds",
)


def check_holdout(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.held is not None and (ctx.held.any() or ctx.holdout is not None):
        yield from _held_in_folds(ctx, ctx.held)
    if ctx.group_is_image:
        yield from _preset_copies(ctx)


def _held_in_folds(ctx: CheckContext, held: np.ndarray) -> Iterator[Finding]:
    """At the first listing, on each side of each fold, of a test image or of an image of a
    group the test set holds."""
    held_groups = np.zeros(ctx.groups.count, bool)
    held_groups[ctx.groups.of_image[held]] = True
    sides = [(fold, "validation", side) for fold, side in enumerate(ctx.val)]
    sides += [(fold, "training", side) for fold, side in enumerate(ctx.train or [])]
    for fold, kind, side in sides:
        outside = ctx.unknown_held(side)
        if len(outside):
            more = f" (and {len(outside) - 1} more)" if len(outside) > 1 else ""
            index = int(outside[0])
            yield side.finding(
                index,
                HOLDOUT_IN_FOLD,
                f"{ctx.listed_label(side, index)} of the held-out test set is in fold {fold}'s "
                f"{kind} side{more}",
            )
            continue
        known = side.known
        same = known[held[known]]
        if len(same):
            row = int(same[0])
            more = f" (and {len(same) - 1} more)" if len(same) > 1 else ""
            yield side.finding(
                side.index_of(row),
                HOLDOUT_IN_FOLD,
                f"{ctx.image_label(row)} of the held-out test set is in fold {fold}'s {kind} "
                f"side{more}",
            )
            continue
        if ctx.group_is_image:
            continue
        sharing = known[held_groups[ctx.groups.of_image[known]]]
        if len(sharing):
            row = int(sharing[0])
            yield side.finding(
                side.index_of(row),
                HOLDOUT_IN_FOLD,
                f"{ctx.group_label(row)} is in the held-out test set and in fold {fold}'s "
                f"{kind} side ({ctx.image_label(row)} here)",
            )


def _preset_copies(ctx: CheckContext) -> Iterator[Finding]:
    fold_of_row = ctx.assignment.fold_of_row
    names = ctx.reference.file_names
    joined = "\n".join(names)
    for preset in NAME_PRESETS:
        key, clue = PRESETS[preset].key, PRESETS[preset].clue
        if clue is not None and clue.search(joined) is None:
            continue  # one scan in C instead of a match per name
        folds_of: dict[str, dict[int, int]] = {}
        for row in np.flatnonzero(fold_of_row >= 0).tolist():
            group = key(names[row])
            if group is not None:
                folds_of.setdefault(group, {}).setdefault(int(fold_of_row[row]), row)
        for group, rows in folds_of.items():
            if len(rows) < 2:
                continue
            folds = sorted(rows)
            row = rows[folds[1]]
            side = ctx.val[folds[1]]
            yield side.finding(
                side.index_of(row),
                PRESET_COPIES_SPLIT,
                f"{ctx.image_label(row)} and {ctx.image_label(rows[folds[0]])} look like "
                f"{PRESETS[preset].help} ({quoted(group)}) but are in validation folds {folds[0]} "
                f"and {folds[1]}: --group-by {preset} keeps them together",
            )
