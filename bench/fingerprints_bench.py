"""What the label fingerprints cost on a large YOLO set (issue 21): the record's size beside
the manifest's, and the hook's time (``foldcheck check FOLDS``) on the unchanged set and after
one label file is edited, where FC301 names that file.

The set: ``--images`` images (one tiny JPEG's bytes each) with 0-3 boxes of 4 classes, made
with ``--seed``. With ``--baseline SRC`` (a checkout of foldcheck without the record, e.g.
``git archive main | tar -x -C /tmp/base``) each time is a pair, [this code, that code], their
runs taken in turn.

    python bench/fingerprints_bench.py --images 100000 --out /tmp/fp-bench --baseline /tmp/base
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
import zlib
from pathlib import Path


def tiny_jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


def make_set(root: Path, images: int, seed: int) -> Path:
    rng = random.Random(seed)
    picture = tiny_jpeg()
    for split in ("train", "val"):
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
    for index in range(images):
        split = "val" if index % 5 == 0 else "train"
        (root / "images" / split / f"{index:07d}.jpg").write_bytes(picture)
        rows = [
            f"{rng.randrange(4)} {rng.uniform(0.2, 0.8):.6f} {rng.uniform(0.2, 0.8):.6f} "
            f"{rng.uniform(0.05, 0.3):.6f} {rng.uniform(0.05, 0.3):.6f}\n"
            for _ in range(rng.randint(0, 3))
        ]
        (root / "labels" / split / f"{index:07d}.txt").write_text("".join(rows))
    data = root / "data.yaml"
    names = "\n".join(f"  {i}: class{i}" for i in range(4))
    data.write_text(f"path: {root}\ntrain: images/train\nval: images/val\nnames:\n{names}\n")
    return data


def timed(args: list[str], cwd: Path, source: Path | None = None) -> tuple[float, str]:
    env = dict(os.environ, NO_COLOR="1")
    if source is not None:
        env["PYTHONPATH"] = str(source)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "foldcheck", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return time.perf_counter() - started, done.stdout + done.stderr


def median_times(args: list[str], cwd: Path, runs: int, baseline: Path | None) -> list[float]:
    """The median time of this code's run (and the baseline's), the two taken in turn so
    that other load on the machine falls on both alike."""
    sources = [None, baseline] if baseline else [None]
    times: list[list[float]] = [[] for _ in sources]
    for _ in range(runs):
        for index, source in enumerate(sources):
            times[index].append(timed(args, cwd, source)[0])
    return [round(statistics.median(taken), 2) for taken in times]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--baseline", type=Path, help="a foldcheck source tree to compare")
    args = parser.parse_args()
    root = args.out
    data = make_set(root / "data", args.images, args.seed)
    split_time, _ = timed(["split", str(data), "--out", "folds", "-q"], root)
    manifest, record = root / "folds" / "folds.json", root / "folds" / "folds.fingerprints"
    sizes = {
        path.name: {
            "bytes": path.stat().st_size,
            "zlib": len(zlib.compress(path.read_bytes(), 6)),  # about what git stores
        }
        for path in (manifest, record)
    }
    check = ["check", "folds"]
    result: dict[str, object] = {
        "images": args.images,
        "seed": args.seed,
        "split_s": round(split_time, 2),
        "sizes": sizes,
        "check_unchanged_s": median_times(check, root, args.runs, args.baseline),
    }
    label = root / "data" / "labels" / "train" / f"{1:07d}.txt"
    label.write_text(label.read_text() + "0 0.5 0.5 0.1 0.1\n")
    named = "data/labels/train/0000001.txt" in timed(check, root)[1]
    result["fc301_names_the_file"] = named
    result["check_one_label_edited_s"] = median_times(check, root, args.runs, args.baseline)
    print(json.dumps(result, indent=2))
    return 0 if named else 1


if __name__ == "__main__":
    raise SystemExit(main())
