"""Print the per-fold balance of a fold manifest.

Per fold and class: annotation counts, images containing the class, box sizes and fold
sizes, with the deviation from an equal share; cells beyond the tolerance are highlighted.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from foldcheck.commands.options import add_balance_output, add_near_distance, progress_off

if TYPE_CHECKING:
    from pathlib import Path

    from foldcheck.core.assignment import FoldAssignment
    from foldcheck.core.balance import Balance


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "manifest", metavar="MANIFEST", help="a folds.json written by split, or its folder"
    )
    add_balance_output(parser)
    parser.add_argument(
        "--html",
        metavar="FILE",
        help="write the report as one self-contained HTML page instead of printing the table: "
        "heatmaps, fold sizes, held-out set, check's findings, settings (docs/report.md)",
    )
    page = parser.add_argument_group("what else the --html page shows")
    page.add_argument(
        "--predictions",
        nargs="+",
        metavar="FILE",
        help="each fold's results file, in fold order, or one pattern with {i} for the fold: "
        "the page adds foldcheck score's results (per-fold mAP, spread, out-of-fold)",
    )
    page.add_argument(
        "--iou-type",
        choices=("bbox", "segm"),
        default="bbox",
        help="score boxes (default) or masks",
    )
    page.add_argument(
        "--test-predictions",
        nargs="+",
        metavar="FILE",
        help="results on the held-out test set: one file, or one per fold model",
    )
    page.add_argument(
        "--images-dir",
        metavar="DIR",
        help="the folder the dataset's file_name values are under: the page adds the "
        "near-duplicate clusters with thumbnails (needs Pillow), and check's image rules",
    )
    add_near_distance(page, default=None)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from foldcheck.errors import InputError
    from foldcheck.formats.fold_files import manifest_at

    path = manifest_at(Path(args.manifest))
    if args.html:
        from foldcheck.commands.report_html import write_html

        write_html(args, path)
        return 0
    for option, given in _PAGE_ONLY.items():
        if getattr(args, given) is not None:
            raise InputError(f"{option} adds to the HTML page: give --html FILE too")
    from foldcheck.config import resolve_settings
    from foldcheck.formats.fold_files import open_manifest
    from foldcheck.render.progress import status

    with status(f"reading {path} and its dataset", progress_off(args)):
        manifest, assignment = open_manifest(path)
    show_balance(
        args, assignment, resolve_settings({"tolerance": args.tolerance}, manifest).tolerance
    )
    return 0


def page_arguments(manifest: Path, html: str, quiet: bool) -> argparse.Namespace:
    """What ``foldcheck report MANIFEST --html FILE [-q]`` runs with (split --html makes the
    same page)."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args([f"--html={html}", *(["-q"] if quiet else []), "--", str(manifest)])


_PAGE_ONLY = {
    "--predictions": "predictions",
    "--test-predictions": "test_predictions",
    "--images-dir": "images_dir",
    "--near-distance": "near_distance",
}


def show_balance(
    args: argparse.Namespace,
    assignment: FoldAssignment,
    tolerance: float,
    balance: Balance | None = None,  # computed already (split's)
) -> None:
    """The balance table as --format asks; with -q none, only the --svg picture if asked."""
    import io
    from pathlib import Path

    from foldcheck.core.balance import compute_balance
    from foldcheck.render.balance import render_balance

    if args.quiet and not args.svg:
        return
    if balance is None:
        balance = compute_balance(assignment, tolerance)
    render_balance(
        balance,
        args.format,
        io.StringIO() if args.quiet else None,  # -q: drawn for the picture, never shown
        color=args.color,
        svg=Path(args.svg) if args.svg else None,
    )
