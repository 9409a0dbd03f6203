"""``report --html``: the page's parts from one read of the dataset.

``check`` reads the manifest's dataset and resolves the folds against it; the page's tables,
check's findings, the score (``--predictions``) and the near-duplicate clusters
(``--images-dir``) are all made from what it read.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from foldcheck.commands.options import progress_off

if TYPE_CHECKING:
    from foldcheck.checks.context import CheckContext
    from foldcheck.core.dataset import Dataset
    from foldcheck.formats.fold_set import FoldSet
    from foldcheck.images.thumbnails import Sheet
    from foldcheck.scoring.result import ScoreResult

THUMBNAILS_NEED = "report --images-dir (the near-duplicate thumbnails)"


def write_html(args: argparse.Namespace, path: Path) -> None:
    """The page, written whole or not at all."""
    import sys

    from foldcheck.formats.fold_files import settled_manifest_set
    from foldcheck.io.atomic import write_atomic

    read = settled_manifest_set(path)  # bad input is one line before anything is read
    _refuse_page_over_inputs(args, path, read)
    page = report_page(args, path, read=read)
    write_atomic(Path(args.html), page.encode("utf-8"))
    if not args.quiet:
        print(f"wrote {args.html}", file=sys.stderr)


def _refuse_page_over_inputs(args: argparse.Namespace, path: Path, read: FoldSet) -> None:
    """A page path that names a file report reads (the manifest, its dataset, a file of its
    set beside it, the predictions) is refused before the dataset is read: writing the page
    there would destroy the input (``report folds --html folds/folds.json``)."""
    assert read.manifest is not None  # a manifest's fold set
    folds = range(len(read.manifest.folds))
    predictions = [*(args.predictions or []), *(args.test_predictions or [])]
    named = {name.replace("{i}", str(i)) for name in predictions for i in folds}
    inputs = [path, read.manifest.dataset_file, *map(Path, sorted(named))]
    refuse_page_over(
        Path(args.html),
        path.parent,
        f"in {path.parent}",
        [(given, f"{given}, which report reads") for given in inputs],
    )


def refuse_page_over(
    page: Path, set_folder: Path, set_place: str, inputs: list[tuple[Path, str]]
) -> None:
    """A page that cannot be written, that is a file of the fold set in ``set_folder``
    (described as ``set_place``), or that is one of ``inputs`` (each a path and what it is),
    is refused, changing nothing (``report --html``'s and ``split --html``'s inputs)."""
    import os

    from foldcheck.errors import InputError
    from foldcheck.formats.export_names import is_set_file
    from foldcheck.io.atomic import refuse_unwritable

    refuse_unwritable(page)
    if os.path.abspath(page.parent) == os.path.abspath(set_folder) and is_set_file(page.name):
        raise InputError(f"is a file of the fold set {set_place}: name the page otherwise", page)
    if not os.path.exists(page):
        return
    for given, what in inputs:
        if os.path.exists(given) and os.path.samefile(page, given):
            raise InputError(f"is {what}: name the page otherwise", page)


def report_page(
    args: argparse.Namespace,
    path: Path,
    datasets: dict[Path, Dataset] | None = None,
    read: FoldSet | None = None,
) -> str:
    """The page of the manifest at ``path``. ``datasets``: ones read already, by resolved
    path (split's own, or the benchmark's, which times the report beyond the read); ``read``:
    the manifest's fold set, when the caller holds it (split, the manifest it just wrote)."""
    from foldcheck import __version__
    from foldcheck.checks.runner import run_checks
    from foldcheck.formats.fold_files import settled_manifest_set
    from foldcheck.io.heap import heap_reused
    from foldcheck.render.html_report import html_report
    from foldcheck.render.progress import status

    if read is None:
        read = settled_manifest_set(path)  # bad input is one line before anything is read
    manifest = read.manifest
    assert manifest is not None  # a manifest's fold set
    images_dir = Path(args.images_dir) if args.images_dir else None
    quiet = progress_off(args)
    reading = f"reading {path} and its dataset, " if datasets is None else ""
    # heap_reused: the counts' whole-column temporaries (126 MB apiece at Open Images size)
    # taken from pages freed before them, not zeroed afresh by the kernel (0.1-0.2 s of CPU).
    with status(f"{reading}checking the fold set", quiet), heap_reused():
        checked = run_checks(
            [path],
            tolerance=args.tolerance,
            images_dir=images_dir,
            near_distance=_near_distance(args, manifest.near_duplicates),
            datasets=datasets,
            manifests={path.resolve(): read},
        )
    report = next(r for r in checked.reports if r.fold_set.kind == "manifest")
    ctx, balance = report.context, report.balance
    assert ctx is not None and balance is not None  # a manifest's own report has both
    score = _score(args, ctx, quiet) if args.predictions else None
    sheet = _clusters(args, ctx, images_dir, manifest.near_duplicates) if images_dir else None
    return html_report(
        manifest,
        balance,
        checked.findings,
        __version__,
        score=score,
        clusters=sheet,
    )


def _near_distance(args: argparse.Namespace, recorded: dict[str, object] | None) -> int:
    """--near-distance, else the distance the split joined near-duplicates with, else 8."""
    from foldcheck.images import DEFAULT_MAX_DISTANCE

    if args.near_distance is not None:
        return int(args.near_distance)
    distance = (recorded or {}).get("max_distance")
    return distance if isinstance(distance, int) else DEFAULT_MAX_DISTANCE


def _score(args: argparse.Namespace, ctx: CheckContext, quiet: bool) -> ScoreResult:
    from foldcheck.render.progress import status
    from foldcheck.scoring.run import prediction_files, score_context

    files = args.predictions
    pattern = files[0] if len(files) == 1 and "{i}" in files[0] else None
    with status("scoring the predictions", quiet):
        return score_context(
            ctx,
            prediction_files([] if pattern else files, pattern),
            args.iou_type,
            [Path(p) for p in args.test_predictions or []],
        )


def _clusters(
    args: argparse.Namespace,
    ctx: CheckContext,
    images_dir: Path,
    recorded: dict[str, object] | None,
) -> Sheet:
    """The near-duplicate clusters among the fold set's images (the held-out set included),
    by the same hashes check's FC106 used (cached), with their thumbnails."""
    import numpy as np

    from foldcheck.images.clusters import find_clusters
    from foldcheck.images.hashes import folder_hashes
    from foldcheck.images.thumbnails import cluster_sheet
    from foldcheck.render.progress import status

    fold = ctx.assignment.fold_of_row
    placed = fold >= 0
    if ctx.held is not None:
        placed |= ctx.held
    rows = np.flatnonzero(placed)
    names = [ctx.reference.file_names[r] for r in rows.tolist()]
    with status("hashing images for near-duplicate clusters", progress_off(args)):
        hashed = folder_hashes(images_dir, names, what=THUMBNAILS_NEED)
    kept = rows[hashed.ok]
    parts = fold[kept].tolist()  # -1: the held-out test set
    clusters, _ = find_clusters(hashed.values[hashed.ok], _near_distance(args, recorded))
    # Clusters across parts first (a leak), then the largest, as find_clusters orders them.
    clusters.sort(key=lambda c: len({parts[m] for m in c.members}) < 2)
    with status("drawing thumbnails", progress_off(args)):
        return cluster_sheet(
            images_dir,
            [ctx.reference.file_names[r] for r in kept.tolist()],
            kept.tolist(),
            parts,
            clusters,
            THUMBNAILS_NEED,
        )
