"""Where the whole ``foldcheck split`` command spends its time and memory, phase by phase.

    python bench/cli_phases.py [--presets openimages:0.25] [--k 5] [--seed 0] [--out bench/out]

The command of ``run.py``'s CLI row (``split DATA -k K --group-by G --seed S --out DIR
--export csv --force``) runs in a fresh interpreter (this script with ``--child``) that wraps
the functions ``commands/split.py`` calls with a timer, so the command itself is unchanged.
Each phase records its seconds, its CPU seconds (user and system, of this process's threads
and of the children it reaped: the reader's decoding child), the RSS after it and its own peak
(the kernel's high-water mark is reset before it: ``/proc/self/clear_refs``). "start-up and
exit" is the whole command's wall time, taken from outside, less what the child measured from
its first line to ``main``'s end.
Writes --out/cli_phases.md and --out/cli_phases.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from procs import git_revision, python_command, run_timed
from report import seconds
from run import (
    Preset,
    Settings,
    add_preset_options,
    measure_presets,
    save_results,
    settings_of,
    split_arguments,
)

STARTED = time.perf_counter()
# (module, attribute, phase name): what the split command calls, in the order it calls them.
PHASES = (
    ("foldcheck.formats.datasets", "read_dataset", "read (load_dataset)"),
    ("foldcheck.api", "split_dataset", "split step (groups, profiles, assign)"),
    ("foldcheck.formats.fold_files", "manifest_of", "manifest record"),
    ("foldcheck.formats.fold_files", "write_fold_files", "write folds.json + folds.csv"),
    ("foldcheck.commands.split", "dataset_notes", "dataset notes"),
    ("foldcheck.core.balance", "compute_balance", "balance computed"),
    ("foldcheck.commands.split", "tolerance_notes", "tolerance notes"),
    ("foldcheck.commands.report", "show_balance", "balance table"),
)
SPARSE = "sparse-class notes"


def _status(field: str) -> float:
    """A /proc/self/status memory line (VmRSS, VmHWM) in MB."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1]) / 1024


def _cpu_seconds() -> tuple[float, float]:
    """User and system CPU seconds so far of this process (its threads) and its reaped
    children (the reader's decoding child)."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + children.ru_utime, own.ru_stime + children.ru_stime


class Recorder:
    def __init__(self) -> None:
        self.phases: list[dict[str, Any]] = []

    def timed(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            with open("/proc/self/clear_refs", "w") as refs:  # VmHWM := VmRSS
                refs.write("5")
            start, used = time.perf_counter(), _cpu_seconds()
            try:
                return function(*args, **kwargs)
            finally:
                user, system = (
                    after - before for after, before in zip(_cpu_seconds(), used, strict=True)
                )
                self.phases.append(
                    {
                        "phase": name,
                        "s": time.perf_counter() - start,
                        "user_s": user,
                        "system_s": system,
                        "rss_after_mb": _status("VmRSS"),
                        "peak_mb": _status("VmHWM"),
                    }
                )

        return run


def child(argv: list[str], record: Path) -> int:
    import functools
    import importlib

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as foldcheck.cli.entry does
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")  # likewise (numpy is not loaded yet)
    recorder = Recorder()
    imported = time.perf_counter()
    from foldcheck.cli import main
    from foldcheck.core.assignment import FoldAssignment

    for module_name, attribute, name in PHASES:
        module = importlib.import_module(module_name)
        setattr(module, attribute, recorder.timed(name, getattr(module, attribute)))
    sparse = recorder.timed(SPARSE, FoldAssignment.sparse_classes.func)
    prop = functools.cached_property(sparse)
    prop.__set_name__(FoldAssignment, "sparse_classes")
    FoldAssignment.sparse_classes = prop  # type: ignore[assignment,method-assign]
    imports = time.perf_counter() - imported
    code = main(argv)
    record.write_text(
        json.dumps(
            {
                "exit": code,
                "imports_s": imports,
                "measured_s": time.perf_counter() - STARTED,
                "phases": recorder.phases,
            },
            indent=1,
        )
    )
    return code


def measure(preset: Preset, settings: Settings) -> dict[str, Any]:
    record = preset.folder / "cli_phases.json"
    record.unlink(missing_ok=True)
    timed = run_timed(
        python_command(
            "cli_phases.py",
            "--child",
            record,
            "--",
            *split_arguments(preset, settings, preset.folder / "foldcheck-phases"),
        ),
        settings.timeout_s,
    )
    if not timed.ok:
        return {"error": timed.failure()}
    result: dict[str, Any] = json.loads(record.read_text())
    result["whole_s"], result["peak_rss_mb"] = timed.wall_s, timed.peak_rss_mb
    result["startup_exit_s"] = timed.wall_s - result["measured_s"]
    return result


def render(results: dict[str, Any]) -> str:
    lines = [f"## foldcheck split, phase by phase, at {results['commit']}", ""]
    for name, row in results["presets"].items():
        if "error" in row:
            lines += [f"{name}: failed: {row['error']}", ""]
            continue
        lines += [
            f"### {name}: whole command {seconds(row['whole_s'])}, peak RSS "
            f"{row['peak_rss_mb']:,.0f} MB",
            "",
            "| phase | seconds | CPU user + system | RSS after | peak in phase |",
            "|---|---|---|---|---|",
            f"| start-up and exit (interpreter, argparse, teardown) "
            f"| {seconds(row['startup_exit_s'])} | | | |",
            f"| imports of the command's modules | {seconds(row['imports_s'])} | | | |",
        ]
        for phase in row["phases"]:
            lines.append(
                f"| {phase['phase']} | {seconds(phase['s'])} "
                f"| {phase['user_s']:.2f} + {phase['system_s']:.2f} s "
                f"| {phase['rss_after_mb']:,.0f} MB"
                f" | {phase['peak_mb']:,.0f} MB |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        return child(argv[3:], Path(argv[1]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_preset_options(parser, "openimages:0.25", 3600)
    settings = settings_of(args := parser.parse_args(argv))
    presets = measure_presets(args.presets, settings, measure)
    results = {"commit": git_revision(), "presets": presets}
    save_results(settings.out, "cli_phases", render(results), results)
    return 1 if any("error" in row for row in presets.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
