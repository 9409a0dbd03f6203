"""Print the per-fold balance of a fold manifest.

Per fold and class: annotation counts, images containing the class, box sizes and fold
sizes, with the deviation from an equal share; cells beyond the tolerance are highlighted.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from foldcheck.commands.options import add_balance_output, progress_off

if TYPE_CHECKING:
    from foldcheck.core.assignment import FoldAssignment
    from foldcheck.core.balance import Balance
    from foldcheck.formats.manifest import Manifest


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


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from foldcheck.config import resolve_settings
    from foldcheck.formats.fold_files import manifest_at, open_manifest
    from foldcheck.render.progress import status

    path = manifest_at(Path(args.manifest))
    with status(f"reading {path} and its dataset", progress_off(args)):
        manifest, assignment = open_manifest(path)
    tolerance = resolve_settings({"tolerance": args.tolerance}, manifest).tolerance
    if args.html:
        write_html(args, manifest, assignment, tolerance)
    elif args.quiet and not args.svg:
        return 0  # read and verified: -q prints no table
    else:
        show_balance(args, assignment, tolerance)
    return 0


def write_html(
    args: argparse.Namespace, manifest: Manifest, assignment: FoldAssignment, tolerance: float
) -> None:
    """The page, with check's findings on the same manifest; written whole or not at all."""
    import sys
    from pathlib import Path

    from foldcheck import __version__
    from foldcheck.checks.runner import run_checks
    from foldcheck.core.balance import compute_balance
    from foldcheck.core.overview import fold_overview
    from foldcheck.io.atomic import write_atomic
    from foldcheck.render.html_report import html_report
    from foldcheck.render.progress import status

    with status("checking the fold set", progress_off(args)):
        findings = run_checks([Path(args.manifest)], tolerance=args.tolerance).findings
    page = html_report(
        manifest,
        compute_balance(assignment, tolerance),
        fold_overview(assignment),
        findings,
        __version__,
    )
    write_atomic(Path(args.html), page.encode("utf-8"))
    if not args.quiet:
        print(f"wrote {args.html}", file=sys.stderr)


def show_balance(
    args: argparse.Namespace,
    assignment: FoldAssignment,
    tolerance: float,
    balance: Balance | None = None,  # computed already (split's)
) -> None:
    from pathlib import Path

    from foldcheck.core.balance import compute_balance
    from foldcheck.render.balance import render_balance

    if balance is None:
        balance = compute_balance(assignment, tolerance)
    render_balance(balance, args.format, color=args.color, svg=Path(args.svg) if args.svg else None)
