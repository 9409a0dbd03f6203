"""FC1xx: leakage, the same group, image or picture on both sides of a fold.

A model validated on images it trained on (the same image, another frame of the same video,
another export of the same photo) is scored on what it memorised: the cross-validation score
overstates how it does on new data, and choices made by that score favour overfitting. No
training framework notices: MMDetection, Detectron2 and Ultralytics train and evaluate
whatever files they are given.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from foldcheck.checks.context import CheckContext, SideRows, and_list
from foldcheck.core.findings import Finding, register
from foldcheck.io.excerpt import quoted

GROUP_IN_SEVERAL_FOLDS = register(
    "FC101",
    "group-in-several-folds",
    "error",
    "a group (image, video, ...) is in more than one fold's validation set",
)
GROUP_IN_TRAIN_AND_VAL = register(
    "FC102",
    "group-in-train-and-val",
    "error",
    "a group has images in both the train and the val file of one fold",
)
IMAGE_IN_TRAIN_AND_VAL = register(
    "FC103",
    "image-in-train-and-val",
    "error",
    "an image id is in both the train and the val file of one fold",
)
FILE_NAME_ON_BOTH_SIDES = register(
    "FC104",
    "file-name-on-both-sides",
    "error",
    "the same file_name, under different ids, is on both sides of a fold",
)
IDENTICAL_FILES = register(
    "FC105",
    "identical-image-files",
    "error",
    "byte-identical image files (--images-dir) are on both sides of a fold",
)


def check_leakage(ctx: CheckContext) -> Iterator[Finding]:
    if not ctx.group_is_image:
        yield from _groups_in_several_val_folds(ctx)
    if ctx.train is not None:
        for val, train in zip(ctx.val, ctx.train, strict=True):
            yield from _train_val_overlap(ctx, val, train)
    yield from _file_names_on_both_sides(ctx)
    if ctx.images_dir is not None:
        yield from _identical_files(ctx, ctx.images_dir)


def _groups_in_several_val_folds(ctx: CheckContext) -> Iterator[Finding]:
    """FC101, once per group, at its first image in the second fold that holds it."""
    folds_of_group: dict[int, list[int]] = defaultdict(list)
    for fold, side in enumerate(ctx.val):
        for group in np.unique(ctx.groups.of_image[side.known]).tolist():
            folds_of_group[group].append(fold)
    for group, folds in folds_of_group.items():
        if len(folds) < 2:
            continue
        side = ctx.val[folds[1]]
        rows = side.known[ctx.groups.of_image[side.known] == group]
        yield side.finding(
            side.index_of(rows[0]),
            GROUP_IN_SEVERAL_FOLDS,
            f"{ctx.group_label(int(rows[0]))} is in validation folds "
            f"{and_list(folds)} ({ctx.image_label(int(rows[0]))} here)",
        )


def _train_val_overlap(ctx: CheckContext, val: SideRows, train: SideRows) -> Iterator[Finding]:
    """FC103 for shared images, FC102 for groups shared through different images."""
    shared = np.intersect1d(val.known, train.known)
    for row in shared.tolist():
        yield train.finding(
            train.index_of(row),
            IMAGE_IN_TRAIN_AND_VAL,
            f"{ctx.image_label(row)} is also in {val.side.path.name}",
        )
    if ctx.group_is_image:
        return
    group = ctx.groups.of_image
    val_groups = np.unique(group[val.known])
    train_only = np.setdiff1d(train.known, shared)
    leaking = train_only[np.isin(group[train_only], val_groups)]
    first_of_group: dict[int, int] = {}
    for row in leaking.tolist():
        first_of_group.setdefault(int(group[row]), row)
    for row in first_of_group.values():
        yield train.finding(
            train.index_of(row),
            GROUP_IN_TRAIN_AND_VAL,
            f"{ctx.group_label(row)} has images in "
            f"{val.side.path.name} too ({ctx.image_label(row)} here)",
        )


def _file_names_on_both_sides(ctx: CheckContext) -> Iterator[Finding]:
    """FC104: one file_name under different ids, in two validation folds or on both sides of
    a train/val pair (a re-uploaded picture)."""
    names = ctx.reference.file_names
    if _all_differ(names):  # the usual case
        return
    repeated = {name for name, count in Counter(names).items() if count > 1 and name}
    sides = [(fold, "val", side) for fold, side in enumerate(ctx.val)]
    sides += [(fold, "train", side) for fold, side in enumerate(ctx.train or [])]
    where: dict[str, list[tuple[int, str, int, SideRows]]] = defaultdict(list)
    for fold, kind, side in sides:
        for row in side.known.tolist():
            if names[row] in repeated:
                where[names[row]].append((fold, kind, row, side))
    for name, entries in where.items():
        rows = {row for _, _, row, _ in entries}
        if len(rows) < 2:
            continue
        for fold, kind, row, side in entries:
            clash = next(
                (e for e in entries if e[2] != row and _opposite(e[:2], (fold, kind))), None
            )
            if clash is not None:
                yield side.finding(
                    side.index_of(row),
                    FILE_NAME_ON_BOTH_SIDES,
                    f"file_name {quoted(name)} of {ctx.image_label(row)}"
                    f" is also {ctx.image_label(clash[2])} in fold {clash[0]}'s "
                    f"{clash[1]} side",
                )
                break


def _all_differ(names: list[str]) -> bool:
    """Whether no name is repeated: told by the names' hashes, sorted (a set of 1.9 million
    names took twice as long); two hashes alike may be one name twice, and a set decides."""
    hashes = np.fromiter(map(hash, names), np.int64, len(names))
    hashes.sort()
    if not (hashes[1:] == hashes[:-1]).any():
        return True
    return len(set(names)) == len(names)


def _opposite(a: tuple[int, str], b: tuple[int, str]) -> bool:
    """Whether two (fold, side) places are on different sides of some fold."""
    if a[1] == "val" and b[1] == "val":
        return a[0] != b[0]
    if a[1] != b[1]:
        return a[0] == b[0]
    return False


def _identical_files(ctx: CheckContext, images_dir: Path) -> Iterator[Finding]:
    """FC105: hash only files whose size another file shares, then compare by content."""
    by_size: dict[int, list[int]] = defaultdict(list)
    for row in np.flatnonzero(ctx.assignment.fold_of_row >= 0).tolist():
        path = images_dir / ctx.reference.file_names[row]
        if path.is_file():
            by_size[path.stat().st_size].append(row)
    by_digest: dict[bytes, list[int]] = defaultdict(list)
    for rows in by_size.values():
        if len(rows) > 1 and len({ctx.assignment.fold_of_row[r] for r in rows}) > 1:
            for row in rows:
                by_digest[_digest(images_dir / ctx.reference.file_names[row])].append(row)
    for rows in by_digest.values():
        folds = sorted({int(ctx.assignment.fold_of_row[r]) for r in rows})
        if len(folds) < 2:
            continue
        later = next(r for r in rows if ctx.assignment.fold_of_row[r] == folds[1])
        first = next(r for r in rows if ctx.assignment.fold_of_row[r] == folds[0])
        side = ctx.val[folds[1]]
        yield side.finding(
            side.index_of(later),
            IDENTICAL_FILES,
            f"{ctx.image_label(later)} ({quoted(ctx.reference.file_names[later])}) is "
            f"byte-identical to {ctx.image_label(first)} "
            f"({quoted(ctx.reference.file_names[first])}) in validation fold {folds[0]}",
        )


def _digest(path: Path) -> bytes:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.digest()
