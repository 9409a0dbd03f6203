"""FC106: near-duplicate images (the same photo re-encoded, resized, brightened, slightly
cropped or re-saved) on different sides of a fold, found by perceptual hash (--images-dir).

An export or augmentation step re-saves one photo under another name; with one copy in
training and one in validation the model is scored on a picture it has seen, as with any
leak (FC1xx), and a byte comparison (FC105) cannot see it.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from foldcheck.checks.context import CheckContext, SideRows
from foldcheck.core.findings import Finding, register

NEAR_DUPLICATES = register(
    "FC106",
    "near-duplicate-images",
    "error",
    "near-duplicate image files (--images-dir: perceptual hashes within --near-distance) "
    "are in two validation folds or on both sides of a fold",
)


def check_near_duplicates(ctx: CheckContext, max_distance: int) -> Iterator[Finding]:
    """One finding per pair across folds, at the later fold's listing of its image."""
    # Imported here: a check without --images-dir (every hook run) never needs them.
    from foldcheck.images.hashes import folder_hashes
    from foldcheck.images.neardup import near_pairs

    assert ctx.images_dir is not None
    sides = [*ctx.val, *(ctx.train or [])]
    rows = np.unique(np.concatenate([side.known for side in sides]))
    names = ctx.reference.file_names
    listed = [names[r] for r in rows.tolist()]
    if len(rows) < 2 or not all(listed):
        return  # without file names (CSV by id, no dataset) there is nothing to open
    hashed = folder_hashes(
        ctx.images_dir, listed, what="near-duplicate search (FC106; --ignore FC106 skips it)"
    )
    # Files it cannot open are FC105's and validate's business (missing, not an image).
    rows = rows[hashed.ok]
    pairs = near_pairs(hashed.values[hashed.ok], max_distance)
    pairs_of = [
        (np.isin(rows, val.known), np.isin(rows, train.known), val, train)
        for val, train in zip(ctx.val, ctx.train or [], strict=False)
    ]
    for i, j, d in zip(pairs.i.tolist(), pairs.j.tolist(), pairs.distance.tolist(), strict=True):
        a, b = int(rows[i]), int(rows[j])
        if names[a] == names[b]:
            continue  # one file listed under two ids: FC104's
        place = _across_val_folds(ctx, a, b) or _across_train_and_val(pairs_of, i, j, a, b)
        if place is not None:
            side, here, there, where = place
            yield side.finding(
                side.index_of(here),
                NEAR_DUPLICATES,
                f"{_named(ctx, here)} is a near-duplicate of {_named(ctx, there)} in {where}: "
                f"hash distance {d}",
            )


def _named(ctx: CheckContext, row: int) -> str:
    label, name = ctx.image_label(row), ctx.reference.file_names[row]
    return label if repr(name) in label else f"{label} ({name})"


Place = tuple[SideRows, int, int, str]  # side to report on, its image, the other, where that is


def _across_val_folds(ctx: CheckContext, a: int, b: int) -> Place | None:
    fa, fb = (int(f) for f in ctx.assignment.fold_of_row[[a, b]])
    if fa < 0 or fb < 0 or fa == fb:
        return None
    here, there = (b, a) if fb > fa else (a, b)
    return ctx.val[max(fa, fb)], here, there, f"validation fold {min(fa, fb)}"


def _across_train_and_val(
    pairs_of: list[tuple[np.ndarray, np.ndarray, SideRows, SideRows]],
    i: int,
    j: int,
    a: int,
    b: int,
) -> Place | None:
    """A pair split between one fold's train and val files (FC103's layout)."""
    for in_val, in_train, val, train in pairs_of:
        if in_train[i] and in_val[j]:
            return train, a, b, val.side.path.name
        if in_train[j] and in_val[i]:
            return train, b, a, val.side.path.name
    return None
