"""Time ``foldcheck score`` against pycocotools' COCOeval doing the same work, and check they
agree.

    python bench/score_bench.py [--images 5000] [--detections 100] [--k 2]
                                [--seeds 0,1,2] [--out bench/out]

Per seed, a child makes a COCO-size dataset (``--images`` images of 640x480, 80 categories,
about 7 boxes an image, a few crowds) split into ``--k`` folds by ``foldcheck split``, and
each fold's predictions: ``--detections`` per validation image (``tests/predictions.py``, as
the score tests make them: the ground truth jittered, misses, wrong classes, false positives;
scores to 1 decimal, so many tie). Then, in fresh
interpreters taking turns: the whole ``foldcheck score FOLDS --predictions ... --format json``
command, and a script doing with pycocotools what a user's script does for the same result
(per fold: ``COCO(dataset)``, ``loadRes``, ``COCOeval`` on the fold's images; then the pooled
out-of-fold predictions on all of them). Each reports wall time from spawn to exit and its
own peak RSS; the script's stats must equal the command's to 1e-9, or the run fails.
Writes --out/score_results.md and --out/score_results.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from procs import compile_bytecode, foldcheck_command, git_revision, python_command, run_timed

STATS = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")


def make(out: Path, seed: int, images: int, detections: int, k: int) -> None:
    """Child: the dataset, its folds (foldcheck split) and each fold's predictions."""
    import subprocess

    import numpy as np
    import orjson

    from tests.predictions import noisy_predictions  # procs put this checkout on sys.path

    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    records = [
        {"id": i + 1, "width": 640, "height": 480, "file_name": f"{i:06d}.jpg"}
        for i in range(images)
    ]
    per_image = rng.poisson(7, images)
    image_of = np.repeat(np.arange(images), per_image)
    n = len(image_of)
    w = np.exp(rng.uniform(np.log(4), np.log(400), n))
    h = np.clip(w * np.exp(rng.normal(0, 0.4, n)), 2, 470)
    x, y = rng.uniform(0, 640 - np.minimum(w, 630)), rng.uniform(0, 480 - h)
    cats = rng.integers(1, 81, n)
    crowd = rng.random(n) < 0.01
    boxes = np.column_stack([x, y, w, h]).round(2)
    annotations = [
        {
            "id": a + 1,
            "image_id": int(image_of[a]) + 1,
            "category_id": int(cats[a]),
            "bbox": boxes[a].tolist(),
            "area": float(boxes[a, 2] * boxes[a, 3] * 0.8),
            "iscrowd": int(crowd[a]),
        }
        for a in range(n)
    ]
    dataset = {
        "images": records,
        "annotations": annotations,
        "categories": [{"id": c, "name": f"class{c}"} for c in range(1, 81)],
    }
    (out / "dataset.json").write_bytes(orjson.dumps(dataset))
    subprocess.run(
        [
            *foldcheck_command(),
            "split",
            str(out / "dataset.json"),
            "-k",
            str(k),
            "--out",
            str(out / "folds"),
            "-q",
            "--force",
        ],
        check=True,
    )
    folds = json.loads((out / "folds" / "folds.json").read_text())["folds"]

    for index, fold in enumerate(folds):
        mine = set(fold)
        validation = {
            "images": [record for record in records if record["id"] in mine],
            "annotations": [a for a in annotations if a["image_id"] in mine],
            "categories": dataset["categories"],
        }
        predictions = noisy_predictions(validation, rng, per_image=detections)
        (out / f"fold{index}.json").write_bytes(orjson.dumps(predictions))


def cocoeval(out: Path) -> None:
    """Child: what a user's script does with pycocotools; prints the stats as JSON."""
    import contextlib
    import io
    import warnings

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    warnings.simplefilter("ignore", DeprecationWarning)  # pycocotools' numpy 2 warning
    folds = json.loads((out / "folds" / "folds.json").read_text())["folds"]
    result: dict[str, Any] = {"folds": []}
    pooled: list[Any] = []
    with contextlib.redirect_stdout(io.StringIO()):
        truth = COCO(str(out / "dataset.json"))

        def run(predictions: list[Any], images: list[int]) -> dict[str, float]:
            evaluation = COCOeval(truth, truth.loadRes(predictions), "bbox")
            evaluation.params.imgIds = sorted(images)
            evaluation.evaluate()
            evaluation.accumulate()
            evaluation.summarize()
            return dict(zip(STATS, map(float, evaluation.stats), strict=True))

        for index, fold in enumerate(folds):
            predictions = json.loads((out / f"fold{index}.json").read_text())
            pooled += predictions
            result["folds"].append({"stats": run(predictions, fold)})
        result["oof"] = {"stats": run(pooled, [i for fold in folds for i in fold])}
    print(json.dumps(result))


def _agree(ours: dict[str, Any], theirs: dict[str, Any]) -> float:
    worst = 0.0
    for mine, other in [
        *zip(ours["folds"], theirs["folds"], strict=True),
        (ours["oof"], theirs["oof"]),
    ]:
        for stat in STATS:
            worst = max(worst, abs(mine["stats"][stat] - other["stats"][stat]))
    return worst


def main(argv: list[str]) -> int:
    if argv and argv[0] == "make":
        make(Path(argv[1]), int(argv[2]), int(argv[3]), int(argv[4]), int(argv[5]))
        return 0
    if argv and argv[0] == "cocoeval":
        cocoeval(Path(argv[1]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--detections", type=int, default=100)
    parser.add_argument("--k", type=int, default=2)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args(argv)
    compile_bytecode()
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        data = args.out / f"score_seed{seed}"
        made = run_timed(
            python_command(
                "score_bench.py", "make", data, seed, args.images, args.detections, args.k
            )
        )
        if not made.ok:
            raise SystemExit(f"making seed {seed}'s data failed: {made.failure()}")
        ours = run_timed(
            [
                *foldcheck_command(),
                "score",
                str(data / "folds" / "folds.json"),
                "--predictions",
                str(data / "fold{i}.json"),
                "--format",
                "json",
            ]
        )
        theirs = run_timed(python_command("score_bench.py", "cocoeval", data))
        for name, timed in (("foldcheck score", ours), ("pycocotools", theirs)):
            if timed.returncode not in (0, 1) or timed.timed_out:
                raise SystemExit(f"{name} failed on seed {seed}: {timed.failure()}")
        worst = _agree(json.loads(ours.stdout), json.loads(theirs.stdout))
        if worst > 1e-9:
            raise SystemExit(f"seed {seed}: foldcheck and pycocotools differ by {worst}")
        rows.append(
            {
                "seed": seed,
                "foldcheck_s": ours.wall_s,
                "pycocotools_s": theirs.wall_s,
                "ratio": theirs.wall_s / ours.wall_s,
                "foldcheck_mb": ours.peak_rss_mb,
                "pycocotools_mb": theirs.peak_rss_mb,
                "largest_difference": worst,
            }
        )
        print(
            f"seed {seed}: foldcheck {ours.wall_s:.1f} s ({ours.peak_rss_mb:.0f} MB), "
            f"pycocotools {theirs.wall_s:.1f} s ({theirs.peak_rss_mb:.0f} MB), "
            f"{rows[-1]['ratio']:.1f}x, largest difference {worst:g}",
            flush=True,
        )
    header = (
        f"score at {git_revision()}: {args.images} images, {args.k} folds, "
        f"{args.detections} detections per validation image"
    )
    lines = [
        f"### {header}",
        "",
        "| seed | foldcheck score | peak | pycocotools COCOeval | peak | faster |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['seed']} | {r['foldcheck_s']:.1f} s | {r['foldcheck_mb']:.0f} MB | "
        f"{r['pycocotools_s']:.1f} s | {r['pycocotools_mb']:.0f} MB | {r['ratio']:.1f}x |"
        for r in rows
    ]
    lines.append(f"\nmedian ratio {statistics.median(r['ratio'] for r in rows):.1f}x")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "score_results.md").write_text("\n".join(lines) + "\n")
    (args.out / "score_results.json").write_text(
        json.dumps({"header": header, "rows": rows}, indent=1)
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
