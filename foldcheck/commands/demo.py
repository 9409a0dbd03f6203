"""Split the bundled sample dataset and show the balance: foldcheck in one command.

The sample (240 frames of 47 videos, 10 long-tailed classes) is split into 5 folds grouped
by video_id and written to DIR (default: foldcheck-demo), with COCO and CSV exports. The
demo's folder is its own: running it again replaces what it wrote there. With --yolo the
sample is first written as a YOLO dataset (DIR/data: real PNGs, label files, data.yaml; one
folder per video) and split with --group-by folder and a 10% held-out test set into fold
YAMLs Ultralytics trains from.
"""

from __future__ import annotations

import argparse

from foldcheck.commands.options import add_color


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        default="foldcheck-demo",
        metavar="DIR",
        help="output folder (default: foldcheck-demo)",
    )
    parser.add_argument(
        "--yolo", action="store_true", help="the sample as a YOLO data.yaml, split into fold YAMLs"
    )
    add_color(parser)


def run(args: argparse.Namespace) -> int:
    import sys
    from importlib import resources
    from pathlib import Path

    from foldcheck.cli import main

    out = Path(args.out)
    sample = out / "sample.json"
    bundled = resources.files("foldcheck").joinpath("data/sample.json")
    if args.yolo:
        from foldcheck.commands.demo_yolo import write_yolo_sample

        with resources.as_file(bundled) as source:
            data = write_yolo_sample(source, out)
        print(f"foldcheck demo: splitting {data} into 5 folds grouped by folder", file=sys.stderr)
        split = ["split", str(data), "--group-by", "folder", "--holdout", "0.1", "--out"]
        return main([*split, str(out), "--export", "csv", "--force", "--color", args.color])
    from foldcheck.io.atomic import write_atomic

    write_atomic(sample, bundled.read_bytes())  # replaces, never writes through, a link
    print(f"foldcheck demo: splitting {sample} into 5 folds grouped by video_id", file=sys.stderr)
    return main(
        [
            "split",
            str(sample),
            "--group-by",
            "video_id",
            "--out",
            str(out),
            "--export",
            "coco,csv",
            "--force",
            "--color",
            args.color,
        ]
    )
