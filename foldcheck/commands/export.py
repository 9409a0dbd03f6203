"""Re-create per-fold COCO train/val files and the fold CSV from a manifest.

The manifest's dataset must be unchanged (same sha256): exports of stale folds would
silently mix new images into old folds.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("manifest", metavar="MANIFEST", help="a folds.json written by split")
    parser.add_argument(
        "--export",
        default="coco,csv",
        metavar="FORMATS",
        help="'coco' and/or 'csv', comma-separated (default: both)",
    )
    parser.add_argument("--out", metavar="DIR", help="output folder (default: the manifest's)")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from foldcheck.dataset import load_dataset
    from foldcheck.errors import InputError
    from foldcheck.export import parse_export_formats
    from foldcheck.groups import GroupKey, group_images
    from foldcheck.manifest import read_manifest
    from foldcheck.pipeline import write_manifest_exports

    formats = parse_export_formats(args.export)
    manifest = read_manifest(Path(args.manifest))
    dataset = load_dataset(manifest.dataset_file)
    if dataset.sha256 != manifest.dataset_sha256:
        raise InputError(
            f"{manifest.dataset_file} changed since these folds were made "
            "(sha256 differs); re-run foldcheck split",
            manifest.path,
            json_path="$.dataset.sha256",
        )
    groups = group_images(dataset, GroupKey.parse(manifest.group_by), manifest.missing_group)
    out = Path(args.out) if args.out else manifest.path.parent
    written = write_manifest_exports(manifest, dataset, groups, out, formats, args.force)
    print(f"wrote {len(written)} files to {out}", file=sys.stderr)
    return 0
