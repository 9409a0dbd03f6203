"""``split --update`` against a fresh split when the data grows by 10 % (issue 24).

Per seed: a preset dataset (``synth.py``) is cut to its first 1/1.1 of images, less 0.1 % of
them deleted at random: the "old" data, split into K folds. The whole preset is then the
grown data (10 % new images, a few gone), and both ``foldcheck split --update`` and a fresh
``foldcheck split --force`` make its folds. For each: the wall time of the command, the images
that changed fold among those that were in the old folds (as numbered, and under the best
renumbering of the fresh folds, which is generous to it), and its balance as ``foldcheck
report`` computes it: the worst relative deviation of a class's annotation count and of a
class's image count over classes with at least ``--common`` boxes, the worst fold size
deviation, and the cells out of tolerance (what ``check`` reports as FC401/FC402/FC404/FC405).

    python bench/update_bench.py --preset coco --seeds 0,1,2 --out /tmp/update-bench
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from synth import PRESETS, generate

GROWTH = 1.1
DELETED = 0.001


def foldcheck(*args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "foldcheck", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"foldcheck {' '.join(args)} failed:\n{done.stderr}")
    return time.perf_counter() - started, done


def fold_of(manifest: Path) -> dict[int, int]:
    document = json.loads(manifest.read_text())
    return {image: fold for fold, images in enumerate(document["folds"]) for image in images}


def changed(old: dict[int, int], new: dict[int, int], k: int) -> tuple[int, int]:
    """Images of ``old`` still in ``new`` whose fold differs: as numbered, and under the
    renumbering of ``new``'s folds that keeps the most in place."""
    shared = [image for image in old if image in new]
    pairs = np.bincount([old[i] * k + new[i] for i in shared], minlength=k * k).reshape(
        k, k
    )  # [old fold, new fold]
    kept_best = max(
        sum(pairs[o, n] for o, n in enumerate(perm)) for perm in itertools.permutations(range(k))
    )
    return len(shared) - int(np.trace(pairs)), len(shared) - int(kept_best)


def balance(folder: Path, common: int) -> dict[str, Any]:
    _, done = foldcheck("report", str(folder / "folds.json"), "--format", "json")
    tables = {table["title"]: table["rows"] for table in json.loads(done.stdout)["tables"]}

    def worst(rows: list[dict[str, Any]]) -> float:
        return max(
            (abs(d) for row in rows if row["total"] >= common for d in row["deviation"]),
            default=0.0,
        )

    by_class = next(rows for title, rows in tables.items() if title.startswith("annotations"))
    images = next(rows for title, rows in tables.items() if title.startswith("images"))
    sizes = next(rows for title, rows in tables.items() if "size" in title and "fold" in title)
    return {
        "worst_class_annotations": worst(by_class),
        "worst_class_images": worst(images),
        "worst_fold_size": max(abs(d) for row in sizes for d in row["deviation"]),
        "out_of_tolerance": sum(
            sum(row["out_of_tolerance"]) for rows in tables.values() for row in rows
        ),
    }


def one_seed(preset: str, seed: int, k: int, root: Path, common: int) -> dict[str, Any]:
    root.mkdir(parents=True, exist_ok=True)
    full = generate(PRESETS[preset], seed)
    n_old = int(len(full["images"]) / GROWTH)
    rng = np.random.default_rng(seed)
    gone = set(rng.choice(n_old, size=int(n_old * DELETED), replace=False).tolist())
    old_images = [im for i, im in enumerate(full["images"][:n_old]) if i not in gone]
    old_ids = {image["id"] for image in old_images}
    old = {
        **full,
        "images": old_images,
        "annotations": [a for a in full["annotations"] if a["image_id"] in old_ids],
    }
    grown_images = [im for i, im in enumerate(full["images"]) if i not in gone]
    grown_ids = {image["id"] for image in grown_images}
    grown = {
        **full,
        "images": grown_images,
        "annotations": [a for a in full["annotations"] if a["image_id"] in grown_ids],
    }
    # The deleted images are deleted from the grown data too; put a few other old images out.
    for image in rng.choice(n_old, size=int(n_old * DELETED), replace=False).tolist():
        grown_ids.discard(full["images"][image]["id"])
    grown["images"] = [im for im in grown["images"] if im["id"] in grown_ids]
    grown["annotations"] = [a for a in grown["annotations"] if a["image_id"] in grown_ids]
    data = root / "data.json"
    data.write_text(json.dumps(old))
    split_s, _ = foldcheck("split", str(data), "-k", str(k), "--seed", str(seed), "--out",
                           str(root / "folds"), "--force", "-q")  # fmt: skip
    before = fold_of(root / "folds" / "folds.json")
    data.write_text(json.dumps(grown))
    fresh_s, _ = foldcheck("split", str(data), "-k", str(k), "--seed", str(seed), "--out",
                           str(root / "fresh"), "--force", "-q")  # fmt: skip
    update_s, done = foldcheck("split", str(data), "--out", str(root / "folds"), "--update",
                               "--format", "json")  # fmt: skip
    report = json.loads(done.stdout)
    fresh_moved, fresh_best = changed(before, fold_of(root / "fresh" / "folds.json"), k)
    update_moved, _ = changed(before, fold_of(root / "folds" / "folds.json"), k)
    assert update_moved == report["counts"]["moved"]
    return {
        "seed": seed,
        "old_images": len(old_images),
        "grown_images": len(grown["images"]),
        "old_split_s": round(split_s, 2),
        "update": {
            "seconds": round(update_s, 2),
            "moved": update_moved,
            **report["counts"],
            **balance(root / "folds", common),
        },
        "fresh": {
            "seconds": round(fresh_s, 2),
            "moved": fresh_moved,
            "moved_best_renumbering": fresh_best,
            **balance(root / "fresh", common),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="coco", choices=sorted(PRESETS))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--common", type=int, default=1000, help="boxes of a 'common' class")
    parser.add_argument("--out", type=Path, default=Path("bench/out/update"))
    args = parser.parse_args(argv)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    results = [
        one_seed(args.preset, int(seed), args.k, args.out / f"seed{seed}", args.common)
        for seed in args.seeds.split(",")
    ]
    (args.out / "results.json").write_text(json.dumps({"commit": commit, "runs": results}))
    print(f"### split --update vs a fresh split: {args.preset} grown by 10 % (at {commit})\n")
    print("| seed | images old -> grown | | seconds | images moved | worst class annotations "
          "| worst class images | worst fold size | cells out of tolerance |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for run in results:
        for name in ("update", "fresh"):
            row = run[name]
            moved = f"{row['moved']:,} ({row['moved'] / run['old_images']:.1%})"
            if name == "fresh":
                moved += f"; {row['moved_best_renumbering']:,} renumbered at best"
            print(
                f"| {run['seed']} | {run['old_images']:,} -> {run['grown_images']:,} | {name} "
                f"| {row['seconds']:.1f} | {moved} | {row['worst_class_annotations']:.1%} "
                f"| {row['worst_class_images']:.1%} | {row['worst_fold_size']:.2%} "
                f"| {row['out_of_tolerance']} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
