"""FC2xx: coverage, every image validated exactly once.

K-fold cross-validation averages K validation scores on the promise that every image is
validated exactly once. An image in no validation fold is never scored (its out-of-fold
prediction is missing); one in two folds is scored twice and trained on in neither; an id
the dataset lacks means the fold file was made for another version of the data.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from foldcheck.checks.context import CheckContext, and_list
from foldcheck.core.findings import Finding, register

IMAGE_IN_NO_FOLD = register(
    "FC201", "image-in-no-fold", "error", "a dataset image is in no validation fold"
)
IMAGE_IN_SEVERAL_FOLDS = register(
    "FC202", "image-in-several-folds", "error", "an image is in more than one validation fold"
)
UNKNOWN_IMAGE = register(
    "FC203", "unknown-image", "error", "a fold names an image the dataset does not have"
)
TRAIN_NOT_COMPLEMENT = register(
    "FC204",
    "train-not-complement",
    "warning",
    "a fold's train set is not the rest of the dataset",
)


def check_coverage(ctx: CheckContext) -> Iterator[Finding]:
    yield from _in_several_val_folds(ctx)
    if ctx.reference_given:
        yield from _unknown_images(ctx)
        yield from _in_no_fold(ctx)
    if ctx.train is not None:
        yield from _train_not_complement(ctx)


def _in_several_val_folds(ctx: CheckContext) -> Iterator[Finding]:
    """FC202, once per image (one line, however many folds), at its listing in its second
    validation fold, naming every fold that holds it."""
    seen_in = np.full(ctx.reference.n_images, -1, dtype=np.intp)
    folds_of: dict[int, list[int]] = {}
    for fold, side in enumerate(ctx.val):
        known = side.known
        for row in known[seen_in[known] >= 0].tolist():
            folds_of.setdefault(row, [int(seen_in[row])]).append(fold)
        fresh = known[seen_in[known] < 0]
        seen_in[fresh] = fold
    for row, folds in folds_of.items():
        side = ctx.val[folds[1]]
        yield side.finding(
            side.index_of(row),
            IMAGE_IN_SEVERAL_FOLDS,
            f"{ctx.image_label(row)} is in validation folds {and_list(folds)}",
        )


def _unknown_images(ctx: CheckContext) -> Iterator[Finding]:
    """FC203."""
    for side in [*ctx.val, *(ctx.train or [])]:
        unknown = np.setdiff1d(np.flatnonzero(side.rows < 0), ctx.unknown_held(side))
        for index in unknown.tolist():
            yield side.finding(
                index,
                UNKNOWN_IMAGE,
                f"{ctx.listed_label(side, index)} is not in the dataset {ctx.reference.path.name}",
            )


def _in_no_fold(ctx: CheckContext) -> Iterator[Finding]:
    """FC201, at the image's record in the dataset."""
    outside = ctx.assignment.fold_of_row < 0
    if ctx.held is not None:  # the held-out test set belongs in no fold
        outside &= ~ctx.held
    for row in np.flatnonzero(outside).tolist():
        yield ctx.dataset_finding(
            row,
            IMAGE_IN_NO_FOLD,
            f"{ctx.image_label(row)} is in no validation fold of {ctx.fold_set.origin}",
        )


def _train_not_complement(ctx: CheckContext) -> Iterator[Finding]:
    """FC204: train + val of a fold should be the whole dataset (or, with no dataset given,
    every image the fold files name)."""
    everything = np.arange(ctx.reference.n_images)
    if ctx.held is not None:
        everything = everything[~ctx.held]
    for fold, (val, train) in enumerate(zip(ctx.val, ctx.train or [], strict=True)):
        missing = np.setdiff1d(everything, np.union1d(val.known, train.known))
        if len(missing):
            row = int(missing[0])
            yield Finding.at_file(
                train.side.path,
                TRAIN_NOT_COMPLEMENT,
                f"fold {fold} uses {len(missing)} image(s) in neither its train nor "
                f"its val file (first: {ctx.image_label(row)})",
            )
