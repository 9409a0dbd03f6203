"""split and check share one definition of acceptable balance: every set split writes passes
check with the same settings, or split said at split time which cells check will refuse."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_balance_floor import small_dataset

CLI = [sys.executable, "-m", "foldcheck"]


def split_then_check(tmp_path: Path, n_groups: int, seed: int, k: int, tolerance: str):
    path = small_dataset(tmp_path / "data.json", n_groups, seed)
    out = tmp_path / "folds"
    split = subprocess.run(
        [
            *CLI,
            "split",
            str(path),
            "-k",
            str(k),
            "--group-by",
            "video_id",
            "--out",
            str(out),
            "--tolerance",
            tolerance,
            "--seed",
            str(seed),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert split.returncode == 0, split.stderr
    check = subprocess.run(
        [*CLI, "check", str(out / "folds.json")], capture_output=True, text=True, check=False
    )
    return split, check


@pytest.mark.parametrize("tolerance", ["0.1", "0.25"])
@pytest.mark.parametrize(("n_groups", "k"), [(12, 3), (40, 5), (150, 4), (400, 5)])
@pytest.mark.parametrize("seed", [4, 5])
def test_what_split_writes_passes_check_or_split_said_why(
    tmp_path: Path, n_groups: int, k: int, seed: int, tolerance: str
) -> None:
    split, check = split_then_check(tmp_path, n_groups, seed, k, tolerance)
    warned = re.search(r"will refuse (\d+) cells?", split.stderr)
    if check.returncode == 0:
        assert warned is None, split.stderr
        return
    assert check.returncode == 1, check.stderr
    refused = [line for line in check.stdout.splitlines() if re.search(r" FC40[1245] ", line)]
    assert warned is not None and int(warned.group(1)) == len(refused), split.stderr + check.stdout
