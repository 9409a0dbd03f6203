"""Time doctor's ``pylance-files`` row (``enumeration_row``) on a workspace of many files.

    python bench/pylance_files.py [--files 100000] [--per-folder 1000] [--turns 5]
                                  [--out /tmp/pylance-files]

Makes ``--files`` empty image files under ``data/images/<folder>/`` (``--per-folder`` each)
beside a small ``src/`` of Python files, once (kept in ``--out`` and reused), then times the
row ``--turns`` times in this process, first without an exclude (it lists everything and
fails), then with ``"python.analysis.exclude": [..., "data"]`` (it skips the folder). The
first turn pays for a cold directory cache; the median is what a user re-running doctor
sees. Prints one line per case: the row's status, entries counted, and min / median / max.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from foldcheck.repo.doctor.enumeration import enumeration_row
from foldcheck.repo.doctor.layers import read_layers
from procs import git_revision


def make_workspace(root: Path, files: int, per_folder: int) -> None:
    marker = root / f".made-{files}-{per_folder}"
    if marker.is_file():
        return
    for i in range(files):
        folder = root / "data" / "images" / f"{i // per_folder:04d}"
        if i % per_folder == 0:
            folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{i:06d}.jpg").touch()
    (root / "src").mkdir(exist_ok=True)
    for i in range(50):
        (root / "src" / f"module_{i}.py").write_text("x = 1\n", encoding="utf-8")
    marker.touch()


def time_row(root: Path, turns: int) -> tuple[str, list[float]]:
    times = []
    found = ""
    for _ in range(turns):
        start = time.perf_counter()
        row = enumeration_row(root, read_layers(root, None))
        times.append(time.perf_counter() - start)
        found = f"{row.status}: {row.found.split(' under ')[0]}"
    return found, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--per-folder", type=int, default=1000)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("/tmp/pylance-files"))
    args = parser.parse_args()
    root = args.out.resolve()
    root.mkdir(parents=True, exist_ok=True)
    make_workspace(root, args.files, args.per_folder)
    settings = root / ".vscode" / "settings.json"
    settings.unlink(missing_ok=True)
    print(f"foldcheck {git_revision()}, {args.files:,} files, {args.turns} turns")
    for case in ("no exclude", "data excluded"):
        if case == "data excluded":
            settings.parent.mkdir(exist_ok=True)
            value = ["**/node_modules", "**/__pycache__", "**/.*", "data"]
            settings.write_text(json.dumps({"python.analysis.exclude": value}), encoding="utf-8")
        found, times = time_row(root, args.turns)
        print(
            f"{case}: {found}; min {min(times):.3f} s, median "
            f"{statistics.median(times):.3f} s, max {max(times):.3f} s"
        )


if __name__ == "__main__":
    main()
