"""Whether this tree writes the same folds.json as a baseline revision, byte for byte, on the
bench's cached draws: the check behind a pure speed-up of the splitter.

    python bench/same_folds.py [--baseline main] [--revision HEAD] [--data /tmp/sp-bench]
                               [--draws coco,coco@11,...] [--k 5] [--seed 0]

Each draw is DATA/DRAW/dataset.json (as bench/run.py caches it; read, never written), split
by ``foldcheck split`` with the preset's grouping, once by the baseline (extracted with
``git archive`` into a temporary folder) and once by this checkout (or by ``--revision``,
extracted likewise, so that the checkout may change while it runs), each in a fresh
interpreter; prints one line per draw and exits 1 if any folds.json differs.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from procs import REPO
from run import Preset
from split_step import _extract

DRAWS = (
    "coco,coco@11,coco@12,coco-half,coco-half@11,coco-half@12,lvis,lvis@11,lvis@12,"
    "trash,trash@11,trash@12,video,video@11,openimages:0.125,openimages:0.125@11"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git revision to compare with")
    parser.add_argument("--revision", help="git revision to check (default: this checkout)")
    parser.add_argument("--data", type=Path, default=Path("/tmp/sp-bench"))
    parser.add_argument("--draws", default=DRAWS)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    differing = 0
    with tempfile.TemporaryDirectory() as temporary:
        baseline = Path(temporary) / "baseline"
        _extract(args.baseline, baseline)
        checked = REPO
        if args.revision:
            checked = Path(temporary) / "checked"
            _extract(args.revision, checked)
        for draw in args.draws.split(","):
            preset = Preset(draw, args.data / draw)
            digests = [
                _folds_digest(tree, preset, args.k, args.seed, Path(temporary) / label)
                for label, tree in (("baseline", baseline), ("checked", checked))
            ]
            same = digests[0] == digests[1]
            differing += not same
            verdict = "same" if same else "DIFFERENT"
            print(f"{draw}: {verdict} ({digests[0][:12]} / {digests[1][:12]})", flush=True)
    return 1 if differing else 0


def _folds_digest(tree: Path, preset: Preset, k: int, seed: int, out: Path) -> str:
    """sha256 of the folds.json the tree's ``foldcheck split`` writes for the preset's draw."""
    command = [sys.executable, "-m", "foldcheck", "split", str(preset.data), "-k", str(k),
               "--group-by", preset.group_by, "--seed", str(seed), "--out", str(out),
               "--force", "-q"]  # fmt: skip
    done = subprocess.run(
        command, env={**os.environ, "PYTHONPATH": str(tree)}, cwd=tree, capture_output=True
    )
    if done.returncode not in (0, 1):  # 1: split wrote the folds and named a cell check refuses
        raise SystemExit(f"{preset.name}: split failed: {done.stderr.decode()[-2000:]}")
    return hashlib.sha256((out / "folds.json").read_bytes()).hexdigest()


if __name__ == "__main__":
    raise SystemExit(main())
