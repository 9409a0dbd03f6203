"""Time ``foldcheck validate`` (load + lint) against what ``split`` takes to load the same file.

    python bench/validate_bench.py [--presets coco] [--runs 3] [--out bench/out]
                                   [--baseline REV]

Per preset, in fresh interpreters taking turns (``--runs`` of each): split's load
(``formats.coco.reader.load_dataset``, the "load" column of bench/run.py); with ``--baseline REV``,
the same load and validate's pipeline of the code at REV (a ``git archive`` of it, first on
``sys.path``), to show the lint decoding costs split nothing and what validate took before;
and validate's whole pipeline as the command runs it, each
phase timed inside the child with the garbage collector paused as the CLI pauses it: the read
(``load_lint_table``: the one pass over the file that also decodes the lint columns), every
COCO lint rule, the findings (capped as the CLI shows them, with their places); and the whole
``foldcheck validate FILE`` command, from spawn to exit. Times are medians. The ratio is the
median over the turns of each turn's validate pipeline over its split's load: the two run one
after the other, so a change of the machine's speed between turns (seen here: 30 % within a
minute) does not enter it. Writes --out/validate_results.md and --out/validate_results.json.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from procs import REPO, foldcheck_command, git_revision, run_timed
from report import seconds, times
from run import Preset, Settings, log, prepare, save_results

LOAD = """
import gc, json, sys, time
if len(sys.argv) > 2:
    sys.path.insert(0, sys.argv[2])  # the baseline's tree
gc.disable()
from foldcheck import load_dataset  # the public name: the same in every revision
start = time.perf_counter()
dataset = load_dataset(sys.argv[1])
print(json.dumps({"load": time.perf_counter() - start, "annotations": dataset.n_annotations}))
"""

VALIDATE = """
import gc, json, sys, time
from pathlib import Path
if len(sys.argv) > 2:
    sys.path.insert(0, sys.argv[2])  # the baseline's tree
gc.disable()
from foldcheck.checks.lint import LintSettings, lint_findings, run_lint
from foldcheck.core.findings import MOST_PER_RULE
from foldcheck.formats.coco.reader import load_lint_table
import foldcheck.checks.validate  # the rules register on import
path = Path(sys.argv[1])
t0 = time.perf_counter()
table = load_lint_table(path)  # what checks.validate.lint_file does, phase by phase
t1 = time.perf_counter()
result = run_lint(table, LintSettings(), "coco")
t2 = time.perf_counter()
findings = lint_findings(str(path), result, table.places.places, most=MOST_PER_RULE)
t3 = time.perf_counter()
print(json.dumps({"read": t1 - t0, "rules": t2 - t1, "findings": t3 - t2,
                  "validate": t3 - t0, "found": len(findings)}))
"""


def child(script: str, data: Path, timeout_s: float, *extra: str) -> dict[str, Any]:
    done = run_timed([sys.executable, "-c", script, str(data), *extra], timeout_s)
    if not done.ok:
        raise RuntimeError(done.failure())
    record: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    record["wall"] = done.wall_s
    record["peak_rss_mb"] = done.peak_rss_mb
    return record


def time_preset(
    preset: Preset, runs: int, timeout_s: float, baseline: Path | None
) -> dict[str, Any]:
    loads, base_loads, validates, base_validates, commands = [], [], [], [], []
    for _ in range(runs):
        loads.append(child(LOAD, preset.data, timeout_s))
        validates.append(child(VALIDATE, preset.data, timeout_s))
        if baseline:
            base_loads.append(child(LOAD, preset.data, timeout_s, str(baseline)))
            base_validates.append(child(VALIDATE, preset.data, timeout_s, str(baseline)))
        command = run_timed([*foldcheck_command(), "validate", str(preset.data)], timeout_s)
        if command.returncode not in (0, 1):
            raise RuntimeError(f"foldcheck validate: {command.failure()}")
        commands.append({"wall": command.wall_s, "peak_rss_mb": command.peak_rss_mb})

    def median(rows: list[dict[str, Any]], key: str) -> float:
        return statistics.median(row[key] for row in rows)

    def turn_ratio(validated: list[dict[str, Any]], loaded: list[dict[str, Any]]) -> float:
        pairs = zip(validated, loaded, strict=True)
        return statistics.median(run["validate"] / load["load"] for run, load in pairs)

    load, validate = median(loads, "load"), median(validates, "validate")
    return {
        "annotations": loads[0]["annotations"],
        "runs": runs,
        "load_s": load,
        "validate_s": validate,
        "ratio": turn_ratio(validates, loads),
        "baseline_ratio": turn_ratio(base_validates, base_loads) if base_loads else None,
        "baseline_load_s": median(base_loads, "load") if base_loads else None,
        "baseline_validate_s": median(base_validates, "validate") if base_validates else None,
        "phases_s": {k: median(validates, k) for k in ("read", "rules", "findings")},
        "command_s": median(commands, "wall"),
        "command_peak_rss_mb": median(commands, "peak_rss_mb"),
        "load_peak_rss_mb": median(loads, "peak_rss_mb"),
        "raw": {
            "load": loads,
            "baseline_load": base_loads,
            "baseline_validate": base_validates,
            "validate": validates,
            "command": commands,
        },
    }


def render(results: dict[str, Any]) -> str:
    base = results.get("baseline")
    lines = [
        f"## foldcheck validate at {results['commit']}",
        "",
        f"| preset | split's load | validate: read (one pass, lint columns included) | rules "
        "| findings | validate (all) | validate / load | whole `foldcheck validate` "
        f"| at {base or '-'}: split's load | validate | validate / load |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, row in results["presets"].items():
        if "error" in row:
            lines.append(f"| {name} | failed: {row['error']} |||||||||")
            continue
        p, base_load, base_validate = (
            row["phases_s"],
            row["baseline_load_s"],
            row["baseline_validate_s"],
        )
        base_ratio = row["baseline_ratio"]
        lines.append(
            f"| {name} | {seconds(row['load_s'])} | "
            f"{seconds(p['read'])} | {seconds(p['rules'])} | {seconds(p['findings'])} | "
            f"{seconds(row['validate_s'])} | {times(row['ratio'])} | {seconds(row['command_s'])} | "
            f"{seconds(base_load)} | {seconds(base_validate)} | {times(base_ratio)} |"
        )
    lines += ["", f"Medians of {results['runs']} runs of each, taking turns, on {results['host']}."]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default="coco")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    parser.add_argument("--baseline", metavar="REV", help="also time split's load at REV")
    args = parser.parse_args(argv)
    settings = Settings(args.out.resolve(), 5, 0, args.timeout)
    presets: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tree:
        baseline = _checkout(args.baseline, Path(tree)) if args.baseline else None
        for name in args.presets.split(","):
            preset = Preset(name, settings.out / name)
            error = prepare(preset, settings)
            try:
                timed = {"error": error} if error else None
                presets[name] = timed or time_preset(preset, args.runs, args.timeout, baseline)
            except RuntimeError as exc:
                presets[name] = {"error": str(exc)}
            log(f"[{name}] {json.dumps({k: v for k, v in presets[name].items() if k != 'raw'})}")
    import platform

    host = f"{platform.node()} ({platform.processor() or platform.machine()})"
    results = {
        "commit": git_revision(),
        "baseline": args.baseline,
        "runs": args.runs,
        "host": host,
        "presets": presets,
    }
    save_results(settings.out, "validate_results", render(results), results)
    return 1 if any("error" in row for row in presets.values()) else 0


def _checkout(rev: str, tree: Path) -> Path:
    """The foldcheck package of ``rev``, unpacked into ``tree``."""
    archive = subprocess.run(
        ["git", "archive", rev, "foldcheck"], cwd=REPO, capture_output=True, check=True
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(tree, filter="data")
    return tree


if __name__ == "__main__":
    raise SystemExit(main())
