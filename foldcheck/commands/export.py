"""Re-create the fold files of a manifest: COCO train/val files, YOLO fold YAMLs, the CSV.

The manifest's dataset must be unchanged (same sha256): exports of stale folds would
silently mix new images into old folds.
"""

from __future__ import annotations

import argparse

from foldcheck.choices import export_help


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("manifest", metavar="MANIFEST", help="a folds.json written by split")
    parser.add_argument(
        "--export",
        default="coco,csv",
        metavar="FORMATS",
        help=export_help("the files to write", default="coco,csv"),
    )
    parser.add_argument("--out", metavar="DIR", help="output folder (default: the manifest's)")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from foldcheck.formats.exports import parse_export_formats
    from foldcheck.formats.fold_files import open_manifest, write_fold_files
    from foldcheck.render.progress import status

    formats = parse_export_formats(args.export)
    with status(f"reading {args.manifest} and its dataset"):
        manifest, assignment = open_manifest(Path(args.manifest), require_fresh=True)
    out = Path(args.out) if args.out else manifest.path.parent
    with status(f"writing {', '.join(formats)} to {out}"):
        written = write_fold_files(assignment, out, formats, args.force, inputs=(manifest.path,))
    print(f"wrote {len(written)} files to {out}", file=sys.stderr)
    return 0
