"""-q hides the balance table, never the --svg picture a user asked for: split and report
write it without printing the table (split -q --svg once wrote no picture at all)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "foldcheck" / "data" / "sample.json"
CLI = [sys.executable, "-m", "foldcheck"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, check=True)


def test_quiet_split_and_report_still_write_the_svg(tmp_path: Path) -> None:
    split = run(
        "split", str(SAMPLE), "-k", "5", "--group-by", "video_id", "--out", "folds",
        "-q", "--svg", "split.svg", cwd=tmp_path,
    )  # fmt: skip
    report = run("report", "folds", "-q", "--svg", "report.svg", cwd=tmp_path)
    for done, picture in ((split, "split.svg"), (report, "report.svg")):
        assert done.stdout == "", done.stdout  # no table on screen
        svg = (tmp_path / picture).read_text()
        assert svg.startswith("<svg") and "class_0007" in svg  # the table, drawn
    assert (tmp_path / "split.svg").read_bytes() == (tmp_path / "report.svg").read_bytes()
