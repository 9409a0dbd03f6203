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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("manifest", metavar="MANIFEST", help="a folds.json written by split")
    add_balance_output(parser)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from foldcheck.config import resolve_settings
    from foldcheck.formats.fold_files import open_manifest
    from foldcheck.render.progress import status

    with status(f"reading {args.manifest} and its dataset", progress_off(args)):
        manifest, assignment = open_manifest(Path(args.manifest))
    show_balance(
        args, assignment, resolve_settings({"tolerance": args.tolerance}, manifest).tolerance
    )
    return 0


def show_balance(args: argparse.Namespace, assignment: FoldAssignment, tolerance: float) -> None:
    from pathlib import Path

    from foldcheck.core.balance import compute_balance
    from foldcheck.render.balance import render_balance

    balance = compute_balance(assignment, tolerance)
    render_balance(balance, args.format, color=args.color, svg=Path(args.svg) if args.svg else None)
