"""Split a COCO dataset into K leakage-free, class-balanced folds.

Writes OUT/folds.json (the manifest: validation image ids per fold), and with --export the
per-fold COCO files OUT/train_fold{i}.json, OUT/val_fold{i}.json and OUT/folds.csv; prints
the per-fold balance. Every group sits wholly in one fold. Same input and seed, same bytes.
"""

from __future__ import annotations

import argparse

from foldcheck.choices import STRATIFY_MODES
from foldcheck.commands.options import add_balance_output, add_group_by


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", metavar="DATASET.json", help="COCO annotation file")
    parser.add_argument(
        "-k", "--folds", type=int, default=None, metavar="K", help="number of folds (default 5)"
    )
    add_group_by(parser, default=None)
    parser.add_argument(
        "--stratify",
        choices=STRATIFY_MODES,
        default=None,
        help="balance annotation counts and image presence per class (both, default), or "
        "favour one",
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed (default 0)")
    parser.add_argument(
        "--out", default="folds", metavar="DIR", help="output folder (default: folds)"
    )
    parser.add_argument(
        "--export",
        default="",
        metavar="FORMATS",
        help="also write 'coco' (train/val per fold) and/or 'csv', comma-separated",
    )
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    add_balance_output(parser)


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from foldcheck.api import split_dataset
    from foldcheck.commands.report import show_balance
    from foldcheck.config import load_config, resolve_settings
    from foldcheck.formats.coco import load_dataset
    from foldcheck.formats.exports import parse_export_formats
    from foldcheck.formats.fold_files import manifest_of, write_fold_files
    from foldcheck.render.progress import status

    options = {
        "k": args.folds,
        "group_by": args.group_by,
        "missing_group": args.missing_group,
        "stratify": args.stratify,
        "seed": args.seed,
        "tolerance": args.tolerance,
    }
    settings = resolve_settings(options, project=load_config())
    formats = parse_export_formats(args.export)
    with status(f"reading {args.dataset}", args.quiet):
        dataset = load_dataset(args.dataset)
    with status(f"splitting {dataset.n_images} images", args.quiet):
        assignment = split_dataset(dataset, settings)
    manifest = manifest_of(assignment, Path(args.out), settings.tolerance)
    with status("writing", args.quiet):
        written = write_fold_files(assignment, manifest.path.parent, formats, args.force, manifest)
    for note in sparse_class_notes(assignment.sparse_classes, assignment.k):
        print(f"note: {note}", file=sys.stderr)
    if not args.quiet:
        show_balance(args, assignment, settings.tolerance)
    shown = ", ".join(str(path) for path in written[:3])
    more = f" and {len(written) - 3} more" if len(written) > 3 else ""
    print(f"wrote {shown}{more}", file=sys.stderr)
    return 0


def sparse_class_notes(sparse: dict[str, int], k: int, most: int = 5) -> list[str]:
    """One line per class that some folds must lack, or a summary when there are many."""
    if len(sparse) <= most:
        return [
            f"class {name!r} has no annotations: it is in no fold"
            if count == 0
            else f"class {name!r} is in {count} group{'s' * (count > 1)}, fewer than {k} "
            f"folds: {k - count} validation fold{'s' * (k - count > 1)} lack it"
            for name, count in sparse.items()
        ]
    rarest = sorted(sparse.items(), key=lambda item: item[1])[:most]
    named = ", ".join(f"{name!r} ({count})" for name, count in rarest)
    return [
        f"{len(sparse)} classes are in fewer groups than the {k} folds, so some validation "
        f"folds lack them; the rarest (groups): {named}"
    ]
