"""The split step alone (group keys, profiles, fold assignment): this tree against a baseline
revision, side by side in one run.

    python bench/split_step.py [--presets trash,coco,lvis,video,oi-columns] [--baseline REV]
                               [--k 5] [--seed 0] [--out bench/out]

Presets named in bench/synth.py are generated as COCO files (cached under --out, as run.py
does) and loaded by each tree's own loader; ``oi-columns`` is an Open Images-size problem
(1.9M images, one group each, 15.8M boxes, 600 Zipf-tailed classes) made directly as numpy
columns in the child, so neither generation nor parsing is part of it. For every preset each
tree -- the baseline, extracted with ``git archive`` into a temporary folder, and this checkout
-- runs in a fresh interpreter that loads the data (not timed), then times group_images +
build_profiles ("profiles") and assign_folds ("assign") with the cyclic collector paused, as
``foldcheck.split`` does, and saves the fold of every image. The parent scores both with
bench/scoring.py and prints one table with the ratios. Both layouts are understood (flat
``foldcheck.profiles`` / ``foldcheck.splitter`` and ``foldcheck.splitter.*``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from procs import BENCH, REPO, git_revision
from run import Preset, Settings, log, prepare

SYNTHETIC = {"oi-columns": (1_900_000, 15_800_000, 600, 1.0)}  # images, boxes, classes, zipf


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default="trash,coco,lvis,video,oi-columns")
    parser.add_argument("--baseline", default="2918d09", help="git revision to compare with")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    parser.add_argument("--child", nargs=4, metavar=("DATA", "GROUP_BY", "SAVE", "K_SEED"))
    args = parser.parse_args(argv)
    if args.child:
        return _child(*args.child)
    settings = Settings(args.out, args.k, args.seed, 3600.0)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as temporary:
        baseline = Path(temporary) / "baseline"
        _extract(args.baseline, baseline)
        trees = {f"baseline {args.baseline}": baseline, f"this tree {git_revision()}": REPO}
        for name in args.presets.split(","):
            preset = Preset(name, args.out / name)
            preset.folder.mkdir(parents=True, exist_ok=True)
            if name not in SYNTHETIC:
                error = prepare(preset, settings)
                if error:
                    log(f"[{name}] {error}")
                    continue
            for label, tree in trees.items():
                log(f"[{name}] {label}")
                rows.append({"preset": name, "tree": label, **_run(preset, tree, settings)})
    _report(rows, args.k)
    (args.out / "split_step.json").write_text(json.dumps(rows, indent=1) + "\n")
    return 0


def _extract(revision: str, folder: Path) -> None:
    folder.mkdir()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "foldcheck"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    with tempfile.TemporaryFile() as file:
        file.write(archive)
        file.seek(0)
        with tarfile.open(fileobj=file) as tar:
            tar.extractall(folder, filter="data")


def _run(preset: Preset, tree: Path, settings: Settings) -> dict[str, Any]:
    save = preset.folder / "split_step.npy"
    data = preset.name if preset.name in SYNTHETIC else str(preset.data)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", data, preset.group_by,
         str(save), f"{settings.k},{settings.seed}"],
        env=env, capture_output=True, text=True, cwd=tree, timeout=settings.timeout_s,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"[{preset.name}] child failed: {done.stderr.strip()[-2000:]}")
    times: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return {**times, **_score(preset, save, settings.k)}


def _score(preset: Preset, save: Path, k: int) -> dict[str, Any]:
    import numpy as np

    from columns import Columns
    from scoring import score

    if preset.name in SYNTHETIC:
        ann_image, ann_class, _ = synthetic_columns(preset.name)
        n_images, _, n_classes, _ = SYNTHETIC[preset.name]
        columns = Columns(ann_image, ann_class, np.arange(n_images), n_classes)
    else:
        columns = Columns.load(preset.columns)
    scores = score(columns, np.load(save), k)
    save.unlink()
    return dict(scores._asdict())


def synthetic_columns(name: str) -> tuple[Any, Any, Any]:
    """(ann_image, ann_class, ann_area) of a synthetic preset, as bench/synth.py draws them:
    log-normal objects per image, 1 % empty images, a few classes per image from a Zipf tail."""
    import numpy as np

    n_images, n_boxes, n_classes, zipf = SYNTHETIC[name]
    rng = np.random.default_rng(0)
    popularity = 1.0 / np.arange(1, n_classes + 1) ** zipf
    rng.shuffle(popularity)
    popularity /= popularity.sum()
    raw = rng.lognormal(0.0, 0.9, n_images)
    counts = np.maximum(1, np.rint(raw * n_boxes / (0.99 * n_images) / raw.mean())).astype(int)
    counts[rng.random(n_images) < 0.01] = 0
    ann_image = np.repeat(np.arange(n_images), counts)
    # Each image draws up to 6 classes (1 + Poisson(1.5)); its boxes pick among them.
    palette = rng.choice(n_classes, size=(n_images, 6), p=popularity)
    width = np.minimum(1 + rng.poisson(1.5, n_images), 6)
    pick = (rng.random(len(ann_image)) * width[ann_image]).astype(np.intp)
    ann_class = palette[ann_image, pick]
    sides = rng.random((len(ann_image), 2))
    ann_area = (8 + sides[:, 0] * 640 / 3) * (8 + sides[:, 1] * 480 / 3)
    return ann_image.astype(np.intp), ann_class.astype(np.intp), ann_area


def _in_memory_dataset(name: str) -> Any:
    """A Dataset of a synthetic preset built from its columns (fields by name, so that this
    works across the Dataset versions being compared)."""
    import dataclasses

    import numpy as np

    try:
        from foldcheck.core.dataset import Dataset
    except ImportError:
        from foldcheck.dataset import Dataset  # type: ignore[no-redef]
    ann_image, ann_class, ann_area = synthetic_columns(name)
    n_images, _, n_classes, _ = SYNTHETIC[name]
    known = {
        "path": Path(name),
        "sha256": "",
        "image_ids": np.arange(1, n_images + 1, dtype=np.int64),
        "category_ids": np.arange(1, n_classes + 1, dtype=np.int64),
        "category_names": tuple(f"class_{c + 1:04d}" for c in range(n_classes)),
        "ann_image": ann_image,
        "ann_class": ann_class,
        "ann_area": ann_area,
        "document": {"images": [], "annotations": [], "categories": []},
    }
    fields = {f.name: f for f in dataclasses.fields(Dataset)}
    if "source" in fields:  # the columnar reader's Dataset: image records behind a source
        from foldcheck.core.dataset import RecordsSource

        known["source"] = RecordsSource([{} for _ in range(n_images)])
    return Dataset(**{key: value for key, value in known.items() if key in fields})


def _child(data: str, group_by: str, save: str, k_seed: str) -> int:
    """Runs in a fresh interpreter with the tree under test first on the path."""
    import gc
    import time

    import numpy as np

    import foldcheck

    try:
        from foldcheck.core.groups import GroupKey, group_images
        from foldcheck.splitter.greedy import assign_folds
        from foldcheck.splitter.profiles import build_profiles
    except ImportError:  # the flat layout before the sub-packages
        from foldcheck.groups import GroupKey, group_images  # type: ignore[no-redef]
        from foldcheck.profiles import build_profiles  # type: ignore[no-redef]

        from foldcheck.splitter import assign_folds  # type: ignore[no-redef]

    k, seed = map(int, k_seed.split(","))
    dataset = _in_memory_dataset(data) if data in SYNTHETIC else foldcheck.load_dataset(data)
    gc.disable()  # as foldcheck.split does around these steps
    start = time.perf_counter()
    groups = group_images(dataset, GroupKey.parse(group_by))
    profiles = build_profiles(dataset, groups, k, "both")
    built = time.perf_counter()
    fold_of_group = assign_folds(profiles, k, seed)
    done = time.perf_counter()
    np.save(save, fold_of_group[groups.of_image])
    module = sys.modules[assign_folds.__module__].__file__
    print(json.dumps({"profiles_s": built - start, "assign_s": done - built, "module": module}))
    return 0


def _report(rows: list[dict[str, Any]], k: int) -> None:
    lines = [
        f"K={k}; wall-clock seconds, one run each; ratios = baseline / this tree",
        "",
        "| preset | tree | profiles | assign | split step | ann | img | leaked | dropped"
        " | size spread img |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['preset']} | {row['tree']} | {row['profiles_s']:.2f} s"
            f" | {row['assign_s']:.2f} s | {row['profiles_s'] + row['assign_s']:.2f} s"
            f" | {row['ann']:.1%} | {row['img']:.1%}"
            f" | {row['leaked_groups']} | {row['dropped_images']} | {row['image_spread']:.2%} |"
        )
    lines += ["", "| preset | profiles | assign | split step |", "|---|---|---|---|"]
    for base, ours in zip(rows[::2], rows[1::2], strict=True):
        ratio = [base[key] / max(ours[key], 1e-9) for key in ("profiles_s", "assign_s")] + [
            (base["profiles_s"] + base["assign_s"]) / (ours["profiles_s"] + ours["assign_s"])
        ]
        lines.append(f"| {base['preset']} | " + " | ".join(f"{r:.1f}x" for r in ratio) + " |")
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
