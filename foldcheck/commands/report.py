"""Print the per-fold balance of a fold manifest.

Per fold and class: annotation counts, images containing the class, box sizes and fold
sizes, with the deviation from an equal share; cells beyond the tolerance are highlighted.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from foldcheck.commands.options import add_balance_output

if TYPE_CHECKING:
    import numpy as np

    from foldcheck.core.dataset import Dataset


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("manifest", metavar="MANIFEST", help="a folds.json written by split")
    add_balance_output(parser)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from foldcheck.commands.options import first_set
    from foldcheck.formats.fold_files import fold_of_image_from, open_manifest

    manifest, dataset, groups = open_manifest(Path(args.manifest))
    tolerance = first_set(args.tolerance, manifest.tolerance)
    show_balance(
        args, dataset, fold_of_image_from(manifest, dataset), groups.of_image, manifest.k, tolerance
    )
    return 0


def show_balance(
    args: argparse.Namespace,
    dataset: Dataset,
    fold_of_image: np.ndarray,
    group_of_image: np.ndarray,
    k: int,
    tolerance: float,
) -> None:
    from pathlib import Path

    from foldcheck.core.balance import compute_balance
    from foldcheck.render.balance import render_balance

    balance = compute_balance(dataset, fold_of_image, group_of_image, k, tolerance)
    render_balance(balance, args.format, color=args.color, svg=Path(args.svg) if args.svg else None)
