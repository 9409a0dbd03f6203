"""Finish (or clear) a write that foldcheck was interrupted in, in FOLDER.

A split, export or init killed mid-write leaves FOLDER/.foldcheck-staging/. Committed (its
journal is there), some new files may already be in place: recover renames the rest and
deletes what the journal says, so the folder holds the new set whole. Not committed,
nothing had changed: recover deletes the staging folder. `check` reports such a folder as
FC305 with this command; nothing but `recover` and the commands that write into the folder
ever act on a journal, and only on one naming plain files inside FOLDER.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", metavar="FOLDER", help="the folder holding .foldcheck-staging")
    parser.add_argument(
        "--discard",
        action="store_true",
        help="delete the staging folder whatever its journal says, leaving the files as they "
        "are (for a journal foldcheck refuses to carry out)",
    )


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from foldcheck.io.atomic import recover_folder

    folder = Path(args.folder)
    found = recover_folder(folder, discard=args.discard)
    if found is None:
        print(f"{folder}: nothing to recover", file=sys.stderr)
    elif args.discard:
        print(f"{folder}: deleted the staging folder; the files are as they were", file=sys.stderr)
    elif found.committed:
        count = len(found.targets)
        print(f"{folder}: finished the interrupted write ({count} files)", file=sys.stderr)
    else:
        print(
            f"{folder}: cleared an uncommitted staging folder (nothing had changed)",
            file=sys.stderr,
        )
    return 0
