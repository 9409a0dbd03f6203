"""The balance tables in a real terminal (tmux) at 80 and 120 columns, K = 3, 5 and 10:
`split`, `check --show-table` and `report` print every cell whole, none cut to '…'."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import real_dataset

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def in_tmux(command: list[str], width: int, tmp_path: Path) -> str:
    """Everything a terminal of ``width`` columns showed while ``command`` ran in it."""
    socket = f"foldcheck-{uuid.uuid4().hex[:8]}"
    done = tmp_path / f"done-{socket}"
    config = tmp_path / "tmux.conf"
    config.write_text("set -g history-limit 20000\n")
    tmux = ["tmux", "-L", socket, "-f", str(config)]
    shell = f"{shlex.join(command)}; touch {shlex.quote(str(done))}; sleep 120"
    subprocess.run([*tmux, "new-session", "-d", "-x", str(width), "-y", "40", shell], check=True)
    try:
        waited = subprocess.run(
            [
                "sh",
                "-c",
                f"for i in $(seq 900); do [ -e {shlex.quote(str(done))} ] && exit 0; "
                "sleep 0.1; done; exit 1",
            ],
            check=False,
        )
        assert waited.returncode == 0, f"{command} did not finish"
        return subprocess.run(
            [*tmux, "capture-pane", "-p", "-S", "-", "-E", "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)


def expected_cells(manifest: Path) -> list[str]:
    """Each class's name and each fold cell's text ("count +deviation"), from the JSON."""
    report = subprocess.run(
        [sys.executable, "-m", "foldcheck", "report", str(manifest), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    cells = []
    for table in json.loads(report.stdout)["tables"]:
        for row in table["rows"]:
            cells.append(row["name"])
            # From the counts, not the JSON's deviations (rounded to 4 places, which can round
            # a half percent the other way); whole percent, rounded before signed: -0.2% is +0%
            share = row["total"] / len(row["counts"])
            off = [(c - share) / share if share else 0.0 for c in row["counts"]]
            deviations = [f"{round(d * 100):+d}%" for d in off]
            cells += [f"{c} {d}" for c, d in zip(row["counts"], deviations, strict=True)]
    return cells


@pytest.mark.parametrize("k", [3, 5, 10])
def test_every_balance_table_fits_80_and_120_columns(tmp_path: Path, k: int) -> None:
    dataset = real_dataset("chess")
    out = tmp_path / "folds"
    split = [sys.executable, "-m", "foldcheck", "split", str(dataset), "-k", str(k)]
    split += ["--group-by", r"re:(?i)^(.+)_jpg\.rf\.", "--out", str(out), "--color", "never"]
    manifest = out / "folds.json"
    for width in (80, 120):
        split_shown = in_tmux([*split, "--force"], width, tmp_path)
        cells = expected_cells(manifest)
        shown = {
            "split": split_shown,
            "check --show-table": in_tmux(
                [
                    sys.executable,
                    "-m",
                    "foldcheck",
                    "check",
                    str(out),
                    "--show-table",
                    "--color",
                    "never",
                ],
                width,
                tmp_path,
            ),
            "report": in_tmux(
                [sys.executable, "-m", "foldcheck", "report", str(manifest), "--color", "never"],
                width,
                tmp_path,
            ),
        }
        for command, screen in shown.items():
            assert "…" not in screen, f"{command} at {width} columns, K={k}:\n{screen}"
            assert max(len(line) for line in screen.splitlines()) <= width
            missing = [cell for cell in cells if cell not in screen]
            assert not missing, f"{command} at {width} columns, K={k} lacks {missing}:\n{screen}"
