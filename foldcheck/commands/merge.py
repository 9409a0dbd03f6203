"""Merge COCO files into one: a labelling service's train/valid/test, or labelling batches.

The same file_name in two inputs is one image (its annotations must agree); image and
annotation ids are kept unless they collide, then renumbered; categories are unified by name
(Roboflow's unused placeholder category is kept); every other key is kept as the first input
has it. Then split the merged file, with the service's test set held out of every fold, and
check it:
    foldcheck merge train.json valid.json test.json -o all.json
    foldcheck split all.json --group-by roboflow --holdout-from test.json --out folds
    foldcheck check folds
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="FILE.json", help="COCO files, in order")
    parser.add_argument(
        "-o", "--out", required=True, metavar="OUT.json", help="the merged COCO file to write"
    )
    parser.add_argument("--force", action="store_true", help="overwrite OUT.json")


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from foldcheck.errors import InputError
    from foldcheck.formats.coco.merge import merge_coco
    from foldcheck.io.atomic import committing
    from foldcheck.io.jsonio import dumps
    from foldcheck.render.progress import status

    inputs, out = [Path(name) for name in args.inputs], Path(args.out)
    if any(path.resolve() == out.resolve() for path in inputs):
        raise InputError("-o names one of the inputs; write the merge to a new file", out)
    with status(f"reading and merging {len(inputs)} files"):
        document, summary = merge_coco(inputs)
    with status(f"writing {out}"), committing(out.parent, inputs=inputs) as commit:
        commit.refuse_overwrite([out], args.force)
        commit.write(out, dumps(document))
    shared = f", {summary.shared_images} found in several inputs" if summary.shared_images else ""
    renumbered = f"; {summary.renumbered} ids renumbered" if summary.renumbered else ""
    print(
        f"wrote {out}: {summary.images} images{shared}, {summary.annotations} annotations, "
        f"{summary.categories} categories from {summary.inputs} files{renumbered}",
        file=sys.stderr,
    )
    return 0
