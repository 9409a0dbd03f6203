"""Near-duplicate images: hashing speed (cold, cached, and what a cached FC106 adds to a
check) and the multi-index search against brute force.

    python bench/images_bench.py [--images 10000] [--cold 2000] [--hashes 1000000]
                                 [--subset 20000] [--out bench/out] [--work /tmp/foldcheck-images]

Image files (640x480 JPEGs, photo-like, made with Pillow) are generated once under --work
(they are large: never inside the repository). Hold /work/coord/bench.lock while it runs.
Writes --out/images_results.md and --out/images_results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from foldcheck.images.hashes import folder_hashes
from foldcheck.images.neardup import brute_force_pairs, near_pairs
from foldcheck.images.synth import scene
from procs import foldcheck_command, git_revision, run_timed

THRESHOLD = 8


def make_images(folder: Path, count: int) -> list[str]:
    """count distinct 640x480 JPEGs: views of photo-like scenes, each file a different window
    (at least 48 px, 7.5 %, apart) of one, far enough apart not to be near-duplicates."""
    names = [f"img{k:06d}.jpg" for k in range(count)]
    if all((folder / n).exists() for n in names):
        return names
    from concurrent.futures import ThreadPoolExecutor

    folder.mkdir(parents=True, exist_ok=True)
    offsets = [(x, y) for y in range(0, 241, 48) for x in range(0, 321, 48)]  # 42 windows
    n_scenes = -(-count // len(offsets))

    def write_scene(s: int) -> None:
        big = scene(s, 960, 720)
        for w, (x, y) in enumerate(offsets):
            k = s * len(offsets) + w
            if k < count:
                big.crop((x, y, x + 640, y + 480)).save(folder / names[k], quality=90)

    with ThreadPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(write_scene, range(n_scenes)))
    return names


def coco_of(names: list[str], path: Path) -> None:
    images = [
        {"id": k + 1, "file_name": n, "width": 640, "height": 480} for k, n in enumerate(names)
    ]
    annotations = [
        {
            "id": k + 1,
            "image_id": k + 1,
            "category_id": 1 + k % 3,
            "bbox": [10, 10, 50, 50],
            "area": 2500,
            "iscrowd": 0,
        }
        for k in range(len(names))
    ]
    categories = [{"id": c, "name": f"class{c}"} for c in (1, 2, 3)]
    path.write_text(
        json.dumps({"images": images, "annotations": annotations, "categories": categories})
    )


def bench_hashing(work: Path, n_images: int, n_cold: int) -> dict[str, Any]:
    images = work / "images"
    names = make_images(images, n_images)
    cache_dir = work / "cache"
    os.environ["FOLDCHECK_CACHE_DIR"] = str(cache_dir)
    out: dict[str, Any] = {"images": n_images, "cold_images": n_cold}
    cold = names[:n_cold]
    for workers in (1, None):
        shutil.rmtree(cache_dir, ignore_errors=True)
        start = time.perf_counter()
        folder_hashes(images, cold, what="bench", use_cache=False, workers=workers).or_raise()
        out[f"cold_per_s_{'1thread' if workers == 1 else 'threads'}"] = n_cold / (
            time.perf_counter() - start
        )
    shutil.rmtree(cache_dir, ignore_errors=True)
    start = time.perf_counter()
    folder_hashes(images, names, what="bench").or_raise()  # fills the cache
    out["fill_cache_s"] = time.perf_counter() - start
    start = time.perf_counter()
    folder_hashes(images, names, what="bench").or_raise()
    out["cached_s"] = time.perf_counter() - start

    # What FC106 adds to a cached hook run: the same check with and without it.
    dataset = work / "dataset.json"
    coco_of(names, dataset)
    folds = work / "folds"
    run_timed([*foldcheck_command(), "split", str(dataset), "--out", str(folds), "--force", "-q"])
    base = [*foldcheck_command(), "check", str(folds / "folds.json"), "--images-dir", str(images)]
    warm = run_timed(base)  # warm the cache and the file system
    out["check_exit"] = warm.returncode  # 0: none of the generated views is a near-duplicate
    walls: dict[str, list[float]] = {"with": [], "without": []}
    for _ in range(3):  # interleaved, so load on the machine hits both alike
        walls["without"].append(run_timed([*base, "--ignore", "FC106"]).wall_s)
        walls["with"].append(run_timed(base).wall_s)
    out["check_without_fc106_s"] = min(walls["without"])
    out["check_with_fc106_s"] = min(walls["with"])
    out["fc106_adds_s"] = out["check_with_fc106_s"] - out["check_without_fc106_s"]
    return out


def bench_search(n: int, subset: int) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    h = rng.integers(0, 2**64 - 1, n, dtype=np.uint64, endpoint=True)
    planted = rng.choice(n, 2000, replace=False).reshape(-1, 2)
    for a, b in planted:  # 1000 pairs at distances 0..THRESHOLD
        bits = rng.choice(64, int(rng.integers(0, THRESHOLD + 1)), replace=False)
        h[b] = h[a] ^ np.uint64(sum(1 << int(x) for x in bits))
    start = time.perf_counter()
    pairs = near_pairs(h, THRESHOLD)
    mih_s = time.perf_counter() - start
    found = set(zip(pairs.i.tolist(), pairs.j.tolist(), strict=True))
    planted_found = sum((min(a, b), max(a, b)) in found for a, b in planted.tolist())

    # The same search on a subset holding 500 planted pairs, against brute force.
    keep = np.unique(np.concatenate([planted[:500].ravel(), rng.choice(n, subset, replace=False)]))[
        :subset
    ]
    keep = np.unique(np.concatenate([planted[:500].ravel(), keep]))
    sub = h[keep]
    start = time.perf_counter()
    fast = near_pairs(sub, THRESHOLD)
    fast_s = time.perf_counter() - start
    start = time.perf_counter()
    slow = brute_force_pairs(sub, THRESHOLD)
    brute_s = time.perf_counter() - start
    same = all(np.array_equal(x, y) for x, y in zip(fast, slow, strict=True))
    return {
        "hashes": n,
        "threshold": THRESHOLD,
        "mih_s": mih_s,
        "pairs": len(pairs.i),
        "planted": len(planted),
        "planted_found": planted_found,
        "subset": len(sub),
        "subset_pairs": len(fast.i),
        "subset_mih_s": fast_s,
        "subset_brute_s": brute_s,
        "subset_same_pairs": same,
        "subset_ratio": brute_s / fast_s,
    }


def render(r: dict[str, Any]) -> str:
    h, s = r["hashing"], r["search"]
    return "\n".join(
        [
            f"## near-duplicate images at {r['commit']} ({os.cpu_count()} cores)",
            "",
            "| hashing 640x480 JPEGs | |",
            "|---|---|",
            f"| cold, 1 thread | {h['cold_per_s_1thread']:.0f} images/s |",
            f"| cold, threads | {h['cold_per_s_threads']:.0f} images/s |",
            f"| {h['images']} images, cache filled | {h['fill_cache_s']:.2f} s |",
            f"| {h['images']} images, cached | {h['cached_s']:.3f} s |",
            f"| check --images-dir, cached, without FC106 | {h['check_without_fc106_s']:.2f} s |",
            f"| check --images-dir, cached, with FC106 | {h['check_with_fc106_s']:.2f} s "
            f"(+{h['fc106_adds_s']:.2f} s) |",
            "",
            f"| search, T = {s['threshold']} | pairs | time | |",
            "|---|---|---|---|",
            f"| {s['hashes']:,} random hashes, multi-index | {s['pairs']} "
            f"({s['planted_found']}/{s['planted']} planted) | {s['mih_s']:.1f} s | |",
            f"| {s['subset']:,}-hash subset, multi-index | {s['subset_pairs']} | "
            f"{s['subset_mih_s']:.2f} s | |",
            f"| {s['subset']:,}-hash subset, brute force | {s['subset_pairs']} "
            f"({'same pairs' if s['subset_same_pairs'] else 'DIFFERENT PAIRS'}) | "
            f"{s['subset_brute_s']:.2f} s | {s['subset_ratio']:.0f}x slower |",
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--cold", type=int, default=2000)
    parser.add_argument("--hashes", type=int, default=1_000_000)
    parser.add_argument("--subset", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--work", type=Path, default=Path("/tmp/foldcheck-images"))
    args = parser.parse_args(argv)
    results = {
        "commit": git_revision(),
        "hashing": bench_hashing(args.work, args.images, args.cold),
        "search": bench_search(args.hashes, args.subset),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "images_results.json").write_text(json.dumps(results, indent=2))
    text = render(results)
    (args.out / "images_results.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
