"""FC2xx coverage (every image validated exactly once) and FC3xx staleness."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from foldcheck.checks.context import CheckContext
from foldcheck.core.findings import Finding
from foldcheck.formats.manifest import Manifest


def check_coverage(ctx: CheckContext) -> Iterator[Finding]:
    yield from _in_several_val_folds(ctx)
    if ctx.reference_given:
        yield from _unknown_images(ctx)
        yield from _in_no_fold(ctx)
    if ctx.train is not None:
        yield from _train_not_complement(ctx)


def _in_several_val_folds(ctx: CheckContext) -> Iterator[Finding]:
    """FC202, at the image's listing in its second validation fold."""
    seen_in = np.full(ctx.reference.n_images, -1, dtype=np.intp)
    for fold, side in enumerate(ctx.val):
        known = side.known
        again = known[seen_in[known] >= 0]
        for row in again.tolist():
            yield side.finding(
                side.index_of(row),
                "FC202",
                f"{ctx.image_label(row)} is in validation folds {int(seen_in[row])} and {fold}",
            )
        fresh = known[seen_in[known] < 0]
        seen_in[fresh] = fold


def _unknown_images(ctx: CheckContext) -> Iterator[Finding]:
    """FC203."""
    for side in [*ctx.val, *(ctx.train or [])]:
        for index in np.flatnonzero(side.rows < 0).tolist():
            listed = (
                side.side.image_ids[index]
                if side.side.image_ids is not None
                else repr((side.side.file_names or [])[index])
            )
            yield side.finding(
                index, "FC203", f"image {listed} is not in the dataset {ctx.reference.path.name}"
            )


def _in_no_fold(ctx: CheckContext) -> Iterator[Finding]:
    """FC201, at the image's record in the dataset."""
    for row in np.flatnonzero(ctx.val_fold_of_row < 0).tolist():
        yield ctx.dataset_finding(
            row,
            "FC201",
            f"{ctx.image_label(row)} is in no validation fold of {ctx.fold_set.origin}",
        )


def _train_not_complement(ctx: CheckContext) -> Iterator[Finding]:
    """FC204: train + val of a fold should be the whole dataset (or, with no dataset given,
    every image the fold files name)."""
    everything = np.arange(ctx.reference.n_images)
    for fold, (val, train) in enumerate(zip(ctx.val, ctx.train or [], strict=True)):
        missing = np.setdiff1d(everything, np.union1d(val.known, train.known))
        if len(missing):
            row = int(missing[0])
            yield Finding(
                str(train.side.path),
                None,
                None,
                "FC204",
                f"fold {fold} uses {len(missing)} image(s) in neither its train nor "
                f"its val file (first: {ctx.image_label(row)})",
            )


def check_staleness(ctx: CheckContext, dataset_sha256: str | None) -> Iterator[Finding]:
    manifest = ctx.fold_set.manifest
    if (
        manifest is not None
        and dataset_sha256 is not None
        and manifest.dataset_sha256 != dataset_sha256
    ):
        yield Finding(
            str(manifest.path),
            None,
            None,
            "FC301",
            f"{manifest.dataset_file} changed since these folds were made; regenerate "
            f"them: {regenerate_command(ctx)}",
        )
    if ctx.reference_given and ctx.train is not None:
        yield from _exports_out_of_date(ctx)


def regenerate_command(ctx: CheckContext) -> str:
    manifest = ctx.fold_set.manifest
    assert manifest is not None
    return (
        f"foldcheck split {manifest.dataset_file} -k {manifest.k} --group-by "
        f"'{manifest.group_by}' --stratify {manifest.stratify} --seed {manifest.seed} "
        f"--out {manifest.path.parent} --force"
    )


def check_matches_manifest(ctx: CheckContext, manifest: Manifest) -> Iterator[Finding]:
    """FC302 and FC304: fold files beside a manifest must be its folds, as exported."""
    if ctx.k != manifest.k:
        yield Finding(
            str(ctx.fold_set.origin),
            None,
            None,
            "FC302",
            f"{ctx.k} folds here but {manifest.path.name} says k = {manifest.k}",
        )
    for fold, side in enumerate(ctx.val[: manifest.k]):
        listed = (
            set(side.side.image_ids.tolist())
            if side.side.image_ids is not None
            else {int(ctx.reference.image_ids[row]) for row in side.known.tolist()}
        )
        expected = set(manifest.folds[fold])
        if listed == expected:
            continue
        extra, missing = sorted(listed - expected), sorted(expected - listed)
        first = f"image {extra[0]} is not in" if extra else f"image {missing[0]} is missing from"
        yield Finding(
            str(side.side.path),
            None,
            None,
            "FC304",
            f"validation fold {fold} differs from {manifest.path.name} "
            f"({len(extra)} extra, {len(missing)} missing; {first} its fold {fold}); "
            "re-export with foldcheck export --force",
        )


def _exports_out_of_date(ctx: CheckContext) -> Iterator[Finding]:
    """FC303: a COCO side whose images carry other annotations than the dataset's."""
    expected = np.bincount(ctx.reference.ann_image, minlength=ctx.reference.n_images)
    for side in [*ctx.val, *(ctx.train or [])]:
        coco = side.side.coco
        if coco is None:
            continue
        ids = side.side.image_ids
        assert ids is not None
        row_of_id = dict(zip(ids.tolist(), side.rows.tolist(), strict=True))
        rows = np.asarray(
            [row_of_id.get(a.get("image_id"), -1) for a in coco["annotations"]], dtype=np.intp
        )
        have = np.bincount(rows[rows >= 0], minlength=ctx.reference.n_images)
        differ = side.known[have[side.known] != expected[side.known]]
        if len(differ):
            row = int(differ[0])
            yield Finding(
                str(side.side.path),
                None,
                None,
                "FC303",
                f"{len(differ)} image(s) have other annotations than in the dataset "
                f"(first: {ctx.image_label(row)}: {int(have[row])} here, "
                f"{int(expected[row])} there); re-export with foldcheck export",
            )
