"""FC3xx: staleness, fold files that no longer match the dataset or their manifest.

Folds made from an earlier version of the dataset, or exports that no longer match their
manifest, train and validate on a split nobody checked: new images are in no fold, edited
annotations are not the ones balanced, a half-finished write mixes two splits. Training code
reads whatever files are there, so only a check before training sees it.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from foldcheck.checks.context import CheckContext
from foldcheck.core.findings import Finding, register
from foldcheck.formats.manifest import Manifest
from foldcheck.io.folderlock import LOCK_NAME
from foldcheck.io.journal import STAGING_NAME, Pending
from foldcheck.io.paths import as_typed

DATASET_CHANGED = register(
    "FC301",
    "dataset-changed",
    "error",
    "the dataset changed since the folds were made (sha256 differs)",
)
FOLD_COUNT_MISMATCH = register(
    "FC302",
    "fold-count-mismatch",
    "error",
    "the number of folds in file names differs from the manifest's k",
)
EXPORT_OUT_OF_DATE = register(
    "FC303",
    "export-out-of-date",
    "error",
    "a fold file's annotations differ from the dataset's",
)
EXPORT_DIFFERS_FROM_MANIFEST = register(
    "FC304",
    "export-differs-from-manifest",
    "error",
    "fold files beside a manifest put images in other folds than the manifest does",
)
INCOMPLETE_FOLD_SET = register(
    "FC305",
    "incomplete-fold-set",
    "error",
    "an interrupted write left its staging folder: the fold set may be half old, half new "
    "(the message gives the command that finishes or clears it)",
)

COMMITTED_MACHINERY = register(
    "FC306",
    "foldcheck-file-committed",
    "warning",
    "git tracks foldcheck's lock file or staging folder, which only a running write makes "
    "and no checkout should carry",
)


def incomplete_set(folder: Path, found: Pending) -> Finding:
    """FC305, the one finding for a folder an interrupted write left: its other rules would
    only judge the mix."""
    return Finding.at_file(folder, INCOMPLETE_FOLD_SET, found.describe(folder))


def committed_machinery(folder: Path) -> list[Finding]:
    """FC306 for the lock file or staging folder in ``folder`` that git tracks (asked of git
    only when one is there); the command printed untracks it and keeps the file."""
    from foldcheck.io.git import tracked

    what = {STAGING_NAME: "staging folder", LOCK_NAME: "lock file"}
    return [
        Finding.at_file(
            folder / name,
            COMMITTED_MACHINERY,
            f"git tracks foldcheck's {what[name]}; a write's journal or lock that comes with "
            f"the repository is never acted on, and should not be committed: untrack it: "
            f"git -C {shlex.quote(str(folder))} rm -r -q --cached -- {name}",
        )
        for name in tracked(folder, [STAGING_NAME, LOCK_NAME])
    ]


def check_staleness(
    ctx: CheckContext, dataset_sha256: str | None, governing: Manifest | None = None
) -> Iterator[Finding]:
    """FC301 for a manifest, FC303 for the exports ``governing`` (their manifest) rules."""
    manifest = ctx.fold_set.manifest
    if (
        manifest is not None
        and dataset_sha256 is not None
        and manifest.dataset_sha256 != dataset_sha256
    ):
        yield Finding.at_file(manifest.path, DATASET_CHANGED, _dataset_changed(ctx, manifest))
    if ctx.reference_given and ctx.train is not None:
        yield from _exports_out_of_date(ctx, governing or manifest)


def _dataset_changed(ctx: CheckContext, manifest: Manifest) -> str:
    """FC301's message: what changed (the files, a few by name), and the command that
    updates the folds."""
    from foldcheck.checks.stale_dataset import what_changed

    said = what_changed(manifest, ctx.reference)
    dataset = as_typed(manifest.dataset_file)
    if said and getattr(ctx.reference, "yolo", None) is not None:
        dataset = f"the dataset {dataset} names"  # its digest covers the label files
    changed = f"{dataset} changed since these folds were made"
    fix = f"update them (every image still there keeps its fold): {update_command(manifest)}"
    return f"{changed}: {'; '.join(said)}; {fix}" if said else f"{changed}; {fix}"


def update_command(manifest: Manifest) -> str:
    """``split --update``: it reads k, seed, grouping, stratification, tolerance, held-out
    set, exports and near-duplicate settings from the manifest, so the set keeps them all."""
    dataset, out = _typed(manifest.dataset_file), _typed(manifest.path.parent)
    return f"foldcheck split {dataset} --out {out} --update"


def _typed(path: Path) -> str:
    """A path as a user would type it from here (``as_typed``), shell-quoted."""
    return shlex.quote(as_typed(path))


# The export format that rewrites each kind of fold set a manifest governs.
_EXPORT_OF_KIND = {"coco": "coco", "csv": "csv", "yolo": "yolo"}


def repair_command(ctx: CheckContext, manifest: Manifest | None) -> str:
    """The one command that makes fold files agree with their manifest again, as printed:
    re-export them when the dataset is the manifest's (``export`` refuses otherwise), else
    update the whole set from the changed dataset."""
    if manifest is None:
        return "split again to rewrite them"
    if ctx.reference_given and ctx.reference.sha256 != manifest.dataset_sha256:
        return update_command(manifest)
    fmt = _EXPORT_OF_KIND.get(ctx.fold_set.kind)
    formats = f" --export {fmt}" if fmt else ""
    return f"foldcheck export {_typed(manifest.path)}{formats} --force"


def check_matches_manifest(ctx: CheckContext, manifest: Manifest) -> Iterator[Finding]:
    """FC302 and FC304: fold files beside a manifest must be its folds, as exported."""
    if ctx.k != manifest.k:
        yield Finding.at_file(
            ctx.fold_set.origin,
            FOLD_COUNT_MISMATCH,
            f"{ctx.k} folds here but {manifest.path.name} says k = {manifest.k}",
        )
    for fold, side in enumerate(ctx.val[: manifest.k]):
        keys = ctx.reference.file_names if ctx.reference.keys_are_names else None
        listed: set[Any] = (
            set(side.side.image_ids.tolist())
            if side.side.image_ids is not None
            else {
                keys[row] if keys else int(ctx.reference.image_ids[row])
                for row in side.known.tolist()
            }
        )
        expected = set(manifest.folds[fold])
        if listed == expected:
            continue
        extra, missing = sorted(listed - expected), sorted(expected - listed)
        first = f"image {extra[0]} is not in" if extra else f"image {missing[0]} is missing from"
        yield Finding.at_file(
            side.side.path,
            EXPORT_DIFFERS_FROM_MANIFEST,
            f"validation fold {fold} differs from {manifest.path.name} "
            f"({len(extra)} extra, {len(missing)} missing; {first} its fold {fold}); "
            f"rewrite them: {repair_command(ctx, manifest)}",
        )


def _exports_out_of_date(ctx: CheckContext, manifest: Manifest | None) -> Iterator[Finding]:
    """FC303: a COCO side whose images carry other annotations than the dataset's."""
    expected = np.bincount(ctx.reference.ann_image, minlength=ctx.reference.n_images)
    for side in [*ctx.val, *(ctx.train or [])]:
        coco = side.side.dataset
        if coco is None:
            continue
        rows = side.rows[coco.ann_image]  # the reference row of each annotation's image
        have = np.bincount(rows[rows >= 0], minlength=ctx.reference.n_images)
        differ = side.known[have[side.known] != expected[side.known]]
        if len(differ):
            row = int(differ[0])
            yield Finding.at_file(
                side.side.path,
                EXPORT_OUT_OF_DATE,
                f"{len(differ)} image(s) have other annotations than in the dataset "
                f"(first: {ctx.image_label(row)}: {int(have[row])} here, "
                f"{int(expected[row])} there); rewrite them: {repair_command(ctx, manifest)}",
            )
