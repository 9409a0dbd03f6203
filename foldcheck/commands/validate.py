"""Validate the structure of COCO annotation files.

Each file must parse as strict JSON and hold images, annotations and categories with unique
integer ids that the annotations refer to. Prints one line per file; exit 2 if any is bad.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="DATASET.json")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems")


def run(args: argparse.Namespace) -> int:
    import sys

    from foldcheck.errors import InputError
    from foldcheck.formats.coco import load_dataset

    status = 0
    for name in args.files:
        try:
            dataset = load_dataset(name)
        except InputError as exc:
            print(exc, file=sys.stderr)
            status = 2
            continue
        if not args.quiet:
            print(
                f"{name}: ok ({dataset.n_images} images, {dataset.n_annotations} annotations,"
                f" {dataset.n_classes} classes)"
            )
    return status
