"""Benchmark foldcheck against scikit-learn's StratifiedGroupKFold and iterative-stratification.

    python bench/run.py [--presets trash,coco,lvis,video] [--k 5] [--seed 0]
                        [--methods foldcheck,sgkf,iterstrat,json] [--out bench/out]

Each preset's synthetic dataset is generated once (cached under --out). Every method runs in a
fresh interpreter (bench/_worker.py) that records its own phase times and memory and saves the
fold of every image; foldcheck's CLI is timed as a whole command too. Only after all runs does
this process import numpy and score the folds (bench/scoring.py): while children run it stays
small, since on Linux a child's peak RSS starts from its parent's. Results go to stdout and to
--out/results.md and --out/results.json. See bench/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from procs import REPO, compile_bytecode, foldcheck_command, git_revision, python_command, run_timed

METHOD_TASKS = {
    "foldcheck": ("foldcheck",),
    "sgkf": ("sgkf",),
    "iterstrat": ("iterstrat",),
    "json": ("json", "orjson"),
    "jsonload": ("json",),  # json.load alone: orjson.loads of Open Images needs ~17 GB
}
LABELS = {
    "foldcheck": "foldcheck (API)",
    "sgkf": "SGKF (scikit-learn)",
    "iterstrat": "iterstrat (no groups)",
    "json": "json.load",
    "orjson": "orjson.loads",
}
CLI_LABEL = "foldcheck split (CLI)"
SPLITTING_TASKS = ("foldcheck", "sgkf", "iterstrat")
# the others group by image
GROUP_BY = {"video": "video_id", "sample": "video_id", "clips": "video_id"}


class Settings(NamedTuple):
    out: Path
    k: int
    seed: int
    timeout_s: float


class Preset(NamedTuple):
    name: str  # a bench/synth.py preset, with "@SEED" when drawn with another seed than 0
    folder: Path

    @property
    def base(self) -> str:
        return self.name.partition("@")[0]

    @property
    def data_seed(self) -> int:
        return int(self.name.partition("@")[2] or 0)

    @property
    def data(self) -> Path:
        return self.folder / "dataset.json"

    @property
    def columns(self) -> Path:
        return self.folder / "columns.npz"

    @property
    def group_by(self) -> str:
        return GROUP_BY.get(self.base, "image")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare(preset: Preset, settings: Settings) -> str | None:
    """Generate the dataset and its scoring columns unless cached; the error, if any."""
    preset.folder.mkdir(parents=True, exist_ok=True)
    if not preset.data.exists():
        log(f"[{preset.name}] generating {preset.data}")
        partial = preset.data.with_suffix(".partial")
        made = run_timed(
            python_command("synth.py", preset.base, partial, "--seed", preset.data_seed)
        )
        if not made.ok:
            return f"synth.py: {made.failure()}"
        partial.replace(preset.data)
    if not preset.columns.exists() or preset.columns.stat().st_mtime < preset.data.stat().st_mtime:
        made = run_timed(_worker_command("columns", preset, settings))
        if not made.ok:
            return f"columns: {made.failure()}"
    return None


def _worker_command(task: str, preset: Preset, settings: Settings) -> list[str]:
    return python_command(
        "_worker.py",
        task,
        preset.data,
        "--out",
        preset.folder,
        "--k",
        settings.k,
        "--seed",
        settings.seed,
        "--group-by",
        preset.group_by,
    )


def run_task(task: str, preset: Preset, settings: Settings) -> dict[str, Any]:
    record_path, folds_path = (preset.folder / f"{task}.{ext}" for ext in ("json", "npy"))
    record_path.unlink(missing_ok=True)
    folds_path.unlink(missing_ok=True)
    timed = run_timed(_worker_command(task, preset, settings), settings.timeout_s)
    row: dict[str, Any] = {"method": LABELS[task], "task": task}
    if not timed.ok:
        return {**row, "error": timed.failure()}
    record = json.loads(record_path.read_text())
    phases = record["seconds"]
    splits = task in SPLITTING_TASKS
    return {
        **row,
        "import_s": phases.get("import"),
        "load_s": phases.get("load"),
        "prep_s": phases.get("prep"),
        "split_s": phases.get("split"),
        "whole_s": timed.wall_s,
        "peak_rss_mb": record["peak_rss_mb"],
        "rss_after_parse_mb": record["rss_after_parse_mb"],
        "peak_after_parse_mb": record["peak_after_parse_mb"],
        "beyond_parse_mb": record["peak_rss_mb"] - record["rss_after_parse_mb"] if splits else None,
        "rss_at_start_mb": record["rss_at_start_mb"],
        "folds": str(folds_path) if splits else None,
    }


def split_arguments(
    preset: Preset, settings: Settings, out: Path, export: str = "csv"
) -> list[str]:
    """The arguments of the CLI row's command: ``foldcheck split`` with a CSV export (or
    ``export``)."""
    return [
        *("split", str(preset.data), "-k", str(settings.k), "--group-by", preset.group_by),
        *("--seed", str(settings.seed), "--out", str(out), "--export", export, "--force"),
    ]


def add_preset_options(parser: argparse.ArgumentParser, presets: str, timeout: float) -> None:
    """--presets, --k, --seed, --out and --timeout, as every bench script takes them."""
    parser.add_argument("--presets", default=presets, help="comma-separated bench/synth.py presets")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="the splitters' seed")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    parser.add_argument("--timeout", type=float, default=timeout, help="seconds per run")


def settings_of(args: argparse.Namespace) -> Settings:
    return Settings(args.out.resolve(), args.k, args.seed, args.timeout)


def measure_presets(
    names: str, settings: Settings, measure: Callable[[Preset, Settings], dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Each preset of the comma-separated names made if missing, then measured; a preset that
    could not be made gets {"error": why}."""
    presets = {}
    for name in names.split(","):
        preset = Preset(name, settings.out / name)
        error = prepare(preset, settings)
        presets[name] = {"error": error} if error else measure(preset, settings)
        log(f"[{name}] {presets[name]}")
    return presets


def save_results(out: Path, name: str, text: str, results: dict[str, Any]) -> None:
    """Print the markdown and keep it, with the raw results, as OUT/NAME.md and NAME.json."""
    print(text)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.md").write_text(text)
    (out / f"{name}.json").write_text(json.dumps(results, indent=1) + "\n")


def run_cli(preset: Preset, settings: Settings) -> dict[str, Any]:
    """The whole ``foldcheck split`` command a user runs, interpreter start included."""
    out = preset.folder / "foldcheck-cli"
    command = [*foldcheck_command(), *split_arguments(preset, settings, out)]
    timed = run_timed(command, settings.timeout_s)
    row: dict[str, Any] = {"method": CLI_LABEL, "task": "foldcheck-cli", "command": command}
    if not timed.ok:
        return {**row, "error": timed.failure()}
    missing = [name for name in ("folds.json", "folds.csv") if not (out / name).exists()]
    if missing:
        return {**row, "error": f"wrote no {', '.join(missing)} in {out}"}
    return {**row, "whole_s": timed.wall_s, "peak_rss_mb": timed.peak_rss_mb}


def measure(preset: Preset, methods: list[str], settings: Settings) -> list[dict[str, Any]]:
    rows = []
    for method in methods:
        for task in METHOD_TASKS[method]:
            log(f"[{preset.name}] {task} ...")
            rows.append(run_task(task, preset, settings))
            log(f"[{preset.name}] {task}: {_summary(rows[-1])}")
        if method == "foldcheck":
            log(f"[{preset.name}] foldcheck split (CLI) ...")
            rows.append(run_cli(preset, settings))
            log(f"[{preset.name}] foldcheck split (CLI): {_summary(rows[-1])}")
    return rows


def _summary(row: dict[str, Any]) -> str:
    if row.get("error"):
        return f"failed: {row['error']}"
    return f"{row['whole_s']:.2f} s, peak {row['peak_rss_mb']:.0f} MB"


def score(preset: Preset, rows: list[dict[str, Any]], k: int) -> dict[str, Any]:
    """Scores for every row that saved folds, the dataset's floor and sizes (numpy from here)."""
    import numpy as np

    import scoring
    from columns import Columns

    columns = Columns.load(preset.columns)
    for row in rows:
        if row.get("folds"):
            row["scores"] = scoring.score(columns, np.load(row["folds"]), k)._asdict()
    return {
        "group_by": preset.group_by,
        "images": columns.n_images,
        "annotations": columns.n_annotations,
        "classes": columns.n_classes,
        "groups": columns.n_groups,
        "file_mb": preset.data.stat().st_size / 2**20,
        "floor": scoring.floor(columns, k)._asdict(),
        "rows": rows,
    }


def ratios(presets: dict[str, dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """foldcheck against SGKF and against a bare json.load, per preset, from this run's rows."""

    def value(row: dict[str, Any] | None, key: str) -> float | None:
        if row is None or row.get("error"):
            return None
        found = row.get("scores", {}).get(key) if key in ("ann", "img") else row.get(key)
        return None if found is None else float(found)

    def ratio(a: float | None, b: float | None) -> float | None:
        return None if a is None or not b else a / b

    table = {}
    for name, preset in presets.items():
        by_task = {row["task"]: row for row in preset["rows"]}
        fc, sgkf = by_task.get("foldcheck"), by_task.get("sgkf")
        if fc is None:
            continue
        table[name] = {
            "split_speedup": ratio(value(sgkf, "split_s"), value(fc, "split_s")),
            "ann_ratio": ratio(value(fc, "ann"), value(sgkf, "ann")),
            "img_ratio": ratio(value(fc, "img"), value(sgkf, "img")),
            "command_vs_json_load": ratio(
                value(by_task.get("foldcheck-cli"), "whole_s"), value(by_task.get("json"), "load_s")
            ),
            "beyond_parse_mb": value(fc, "beyond_parse_mb"),
        }
    return table


def with_seeds(presets: str, seeds: str) -> str:
    """Each preset once per data seed: "coco" for seed 0, "coco@11" for seed 11."""
    return ",".join(
        name if seed == "0" else f"{name}@{seed}"
        for name in presets.split(",")
        for seed in seeds.split(",")
    )


def worst_seed(
    presets: dict[str, dict[str, Any]], ratios: dict[str, dict[str, float | None]]
) -> dict[str, dict[str, Any]]:
    """Per preset, over its seeds: the largest foldcheck/floor and foldcheck/SGKF balance
    ratios and the smallest split-time speedup, so no single draw can flatter the splitter."""
    worst: dict[str, dict[str, Any]] = {}
    for name, preset in presets.items():
        by_task = {row["task"]: row for row in preset["rows"]}
        scores = by_task.get("foldcheck", {}).get("scores")
        if not scores:
            continue
        entry = worst.setdefault(name.partition("@")[0], {"seeds": []})
        entry["seeds"].append(name)
        candidates = {
            # each class against the kind's floor, or its own conflict floor where higher
            "ann_over_floor": scores["ann_over_target"],
            "img_over_floor": scores["img_over_target"],
            "ann_ratio_sgkf": ratios.get(name, {}).get("ann_ratio"),
            "img_ratio_sgkf": ratios.get(name, {}).get("img_ratio"),
        }
        for key, value in candidates.items():
            if value is not None and value >= entry.get(key, (-1.0, ""))[0]:
                entry[key] = (value, name)
        speedup = ratios.get(name, {}).get("split_speedup")
        if speedup is not None and speedup <= entry.get("split_speedup", (float("inf"), ""))[0]:
            entry["split_speedup"] = (speedup, name)
    return worst


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as file:
            model = next(
                line.split(":", 1)[1].strip() for line in file if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_preset_options(parser, "trash,coco,lvis,video", 3600)
    parser.add_argument(
        "--methods",
        default="foldcheck,sgkf,iterstrat,json",  # jsonload is json's first half: not twice
        help=f"comma-separated, of {', '.join(METHOD_TASKS)}",
    )
    parser.add_argument(
        "--seeds",
        default="0",
        help="comma-separated seeds each preset's data is drawn with (0: the bench's own "
        "draw); the worst seed of each preset is reported",
    )
    args = parser.parse_args(argv)
    args.presets = with_seeds(args.presets, args.seeds)
    methods = args.methods.split(",")
    unknown = sorted(set(methods) - set(METHOD_TASKS))
    if unknown:
        parser.error(f"unknown method {', '.join(unknown)}; choose from {', '.join(METHOD_TASKS)}")
    settings = settings_of(args)

    commit = git_revision()
    log(f"foldcheck benchmark at {commit}")
    compile_bytecode()
    measured: dict[str, tuple[Preset, list[dict[str, Any]]]] = {}
    for name in args.presets.split(","):
        preset = Preset(name, settings.out / name)
        error = prepare(preset, settings)
        if error:
            log(f"[{name}] skipped: {error}")
            continue
        measured[name] = (preset, measure(preset, methods, settings))

    presets = {name: score(preset, rows, settings.k) for name, (preset, rows) in measured.items()}
    results = {
        "commit": commit,
        "machine": machine(),
        "k": settings.k,
        "seed": settings.seed,
        "presets": presets,
        "ratios": ratios(presets),
        "worst_seed": worst_seed(presets, ratios(presets)),
    }
    from report import render, render_worst_seed

    save_results(settings.out, "results", render(results) + render_worst_seed(results), results)
    failed = any(row.get("error") for _, rows in measured.values() for row in rows)
    return 1 if failed or len(measured) < len(args.presets.split(",")) else 0


if __name__ == "__main__":
    raise SystemExit(main())
