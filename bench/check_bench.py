"""Time ``foldcheck check`` and ``foldcheck --help`` as the whole commands a user runs.

    python bench/check_bench.py [--presets trash,coco] [--k 5] [--seed 0] [--out bench/out]
                                [--pairs]

For each preset: ``foldcheck check DIR/folds.json`` (DIR from ``foldcheck split``, made as in
bench/run.py unless already there) against a bare ``json.load`` of the same dataset, each in a
fresh interpreter. With ``--pairs``, also ``foldcheck check PAIRS/val_fold0.json``: the K
train/val COCO files that ``split --export coco`` writes, checked with no dataset (each file
read, the union of them the reference), with its peak RSS. Until the ``check`` sub-command
exists this says so and skips it.
Writes --out/check_results.md and --out/check_results.json.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Sequence
from typing import Any

from procs import compile_bytecode, foldcheck_command, git_revision, run_timed
from report import seconds, times
from run import (
    Preset,
    Settings,
    add_preset_options,
    measure_presets,
    run_cli,
    run_task,
    save_results,
    settings_of,
    split_arguments,
)

HELP_RUNS = 5


def time_check(preset: Preset, settings: Settings) -> dict[str, Any]:
    folds = preset.folder / "foldcheck-cli" / "folds.json"
    if not folds.exists():
        made = run_cli(preset, settings)
        if made.get("error"):
            return {"error": f"foldcheck split: {made['error']}"}
    checked = run_timed([*foldcheck_command(), "check", str(folds)], settings.timeout_s)
    if "invalid choice" in checked.stderr:
        return {"skipped": "foldcheck has no 'check' command yet (argparse: invalid choice)"}
    if checked.timed_out or checked.returncode not in (0, 1):  # 1: findings, still a full run
        return {"error": f"foldcheck check: {checked.failure()}"}
    parse = run_task("json", preset, settings)
    json_load = None if parse.get("error") else parse["load_s"]
    return {
        "check_s": checked.wall_s,
        "check_peak_rss_mb": checked.peak_rss_mb,
        "exit": checked.returncode,
        "json_load_s": json_load,
        "ratio": checked.wall_s / json_load if json_load else None,
    }


def time_pairs(preset: Preset, settings: Settings) -> dict[str, Any]:
    pairs = preset.folder / "foldcheck-pairs"
    if not (pairs / "val_fold0.json").exists():
        arguments = split_arguments(preset, settings, pairs, export="coco")
        made = run_timed([*foldcheck_command(), *arguments], settings.timeout_s)
        if not made.ok:
            return {"pairs_error": f"foldcheck split --export coco: {made.failure()}"}
    checked = run_timed(
        [*foldcheck_command(), "check", str(pairs / "val_fold0.json")], settings.timeout_s
    )
    if checked.timed_out or checked.returncode not in (0, 1):
        return {"pairs_error": f"foldcheck check (pairs): {checked.failure()}"}
    return {"pairs_check_s": checked.wall_s, "pairs_peak_rss_mb": checked.peak_rss_mb}


def time_help() -> dict[str, Any]:
    runs = [run_timed([*foldcheck_command(), "--help"]) for _ in range(HELP_RUNS)]
    failed = next((run for run in runs if not run.ok), None)
    if failed:
        return {"error": failed.failure()}
    walls = [run.wall_s for run in runs]
    return {"median_s": statistics.median(walls), "min_s": min(walls), "runs": len(walls)}


def render(results: dict[str, Any]) -> str:
    lines = [
        f"## foldcheck check at {results['commit']}",
        "",
        "| preset | foldcheck check (whole command) | json.load | check / json.load |",
        "|---|---|---|---|",
    ]
    for name, row in results["presets"].items():
        if "pairs_check_s" in row:
            lines.append(
                f"| {name} (train/val COCO pairs, no dataset) | {seconds(row['pairs_check_s'])}"
                f", peak {row['pairs_peak_rss_mb']:,.0f} MB | | |"
            )
        if "check_s" in row:
            lines.append(
                f"| {name} | {seconds(row['check_s'])} | {seconds(row['json_load_s'])}"
                f" | {times(row['ratio'])} |"
            )
        else:
            lines.append(f"| {name} | {row.get('skipped') or 'failed: ' + row['error']} | | |")
    help_run = results["help"]
    lines += [
        "",
        "`foldcheck --help`: "
        + (
            f"median {seconds(help_run['median_s'])}, min {seconds(help_run['min_s'])} over "
            f"{help_run['runs']} runs"
            if "error" not in help_run
            else f"failed: {help_run['error']}"
        ),
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_preset_options(parser, "trash,coco", 3600)
    parser.add_argument("--pairs", action="store_true", help="also check exported COCO pairs")
    settings = settings_of(args := parser.parse_args(argv))
    compile_bytecode()

    def measure(preset: Preset, settings: Settings) -> dict[str, Any]:
        row = time_check(preset, settings)
        return {**row, **time_pairs(preset, settings)} if args.pairs else row

    presets = measure_presets(args.presets, settings, measure)
    results = {"commit": git_revision(), "presets": presets, "help": time_help()}
    save_results(settings.out, "check_results", render(results), results)
    rows = [*presets.values(), results["help"]]
    return 1 if any("error" in row or "pairs_error" in row for row in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
