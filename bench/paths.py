"""The splitter's paths side by side at sizes around the group counts that choose between them.

    python bench/paths.py [--threshold descent|bulk] [--sizes N,N,...] [--seeds 0,1,2]
                          [--k 5] [--out /tmp/paths-bench]

``assign_folds`` picks its search by the number of groups: at most ``DESCENT_GROUPS`` (4,096)
the exhaustive descent and the guided search (``--threshold descent``, against J's sampled
refinement and the reweighted search), over ``BULK_GROUPS`` (50,000) the bulk path (``--threshold
bulk``, against the exact greedy and refinement). For each size and data seed a COCO-shaped
draw (bench/synth.py's ``coco`` preset scaled to that many images, one group each, drawn with
that seed) is generated and loaded, its profiles built once, then both paths run in turn in
this process (the order alternating by seed), timed in CPU seconds of this process (the fold
assignment alone: the machine is shared, and CPU time is what a path costs) and scored with
bench/scoring.py: each kind's worst class over its bar (1.00: at the floor).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from columns import Columns
from procs import REPO
from scoring import score
from synth import PRESETS, generate

sys.path.insert(0, str(REPO))

from foldcheck import load_dataset
from foldcheck.core.groups import GroupKey, group_images
from foldcheck.splitter.greedy import assign_folds
from foldcheck.splitter.profiles import build_profiles

SIZES = {"descent": "2048,4096,8192", "bulk": "25000,50000,100000"}
# Each threshold's two paths: (name, forced path) on either side of it.
PATHS = {
    "descent": (("descent", {"descent": True}), ("refine", {"descent": False})),
    "bulk": (("exact", {"bulk": False}), ("bulk", {"bulk": True})),
}


def draw(out: Path, n_images: int, seed: int) -> Path:
    """bench/synth.py's coco preset at ``n_images`` images (boxes per image unchanged)."""
    coco = PRESETS["coco"]
    preset = coco._replace(
        images=n_images, annotations=round(coco.annotations * n_images / coco.images)
    )
    path = out / f"coco-{n_images}@{seed}.json"
    if not path.exists():
        path.write_text(json.dumps(generate(preset, seed)))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", choices=sorted(PATHS), default="bulk")
    parser.add_argument("--sizes", help="group counts (default: around the threshold)")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("/tmp/paths-bench"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    paths = PATHS[args.threshold]
    names = [name for name, _ in paths]
    print(f"| groups | seed | {' | '.join(f'{n} CPU s' for n in names)} | "
          f"{' | '.join(f'{n} ann / img' for n in names)} |")  # fmt: skip
    print("|" + "---:|" * (2 + 2 * len(paths)))
    for size in [int(s) for s in (args.sizes or SIZES[args.threshold]).split(",")]:
        for seed in [int(s) for s in args.seeds.split(",")]:
            path = draw(args.out, size, seed)
            dataset = load_dataset(path)
            groups = group_images(dataset, GroupKey.parse("image"))
            profiles = build_profiles(dataset, groups, args.k, "both")
            columns = Columns.from_document(json.loads(path.read_text()), "image")
            cpu, balance = {}, {}
            for name, forced in paths if seed % 2 == 0 else paths[::-1]:
                start = time.process_time()
                folds = assign_folds(profiles, args.k, seed=0, tolerance=0.1, **forced)
                cpu[name] = time.process_time() - start
                scores = score(columns, folds[groups.of_image], args.k)
                balance[name] = f"{scores.ann_over_target:.2f} / {scores.img_over_target:.2f}"
            print(
                f"| {size:,} | {seed} | {' | '.join(f'{cpu[n]:.2f}' for n in names)} | "
                f"{' | '.join(balance[n] for n in names)} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
