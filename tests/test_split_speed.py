"""What the split step's speed-ups at Open Images size must leave exactly as it was (folds.csv
as the csv module writes it on real exports, the column holders the searches sample from as a
plain scan per column finds them), and the memory settings they rest on: large temporaries
reuse the heap only during the split step, and the command line asks numpy for no huge pages
unless the user does."""

from __future__ import annotations

import csv
import io
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import foldcheck
from foldcheck.cli import main
from foldcheck.core.assignment import FoldAssignment
from foldcheck.core.groups import GroupKey, group_images
from foldcheck.formats.coco.reader import load_dataset
from foldcheck.io.heap import heap_reused
from foldcheck.splitter.profiles import build_profiles

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "real"


def _csv_module(assignment: FoldAssignment) -> bytes:
    """folds.csv as csv.writer writes it, a row and a label lookup at a time."""
    dataset, groups = assignment.dataset, assignment.groups
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["image_id", "file_name", "group", "fold"])
    for row in np.flatnonzero(assignment.fold_of_row >= 0).tolist():
        label = groups.labels[int(groups.of_image[row])]
        fold = int(assignment.fold_of_row[row])
        writer.writerow([int(dataset.image_ids[row]), dataset.file_names[row], label, fold])
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize("group_by", ["image", "roboflow"])
@pytest.mark.parametrize("export", ["car-damage/train.json", "chess/train.json"])
def test_folds_csv_of_a_real_export_is_what_the_csv_module_writes(
    tmp_path: Path, export: str, group_by: str
) -> None:
    path = REAL / export
    out = tmp_path / "folds"
    argv = ["split", str(path), "--group-by", group_by, "--out", str(out), "--export", "csv"]
    assert main([*argv, "--seed", "11", "-q"]) == 0
    assignment = foldcheck.split(path, k=5, group_by=group_by, seed=11)
    written = (out / "folds.csv").read_bytes()
    assert written == _csv_module(assignment)
    assert written.count(b"\n") == assignment.dataset.n_images + 1


@pytest.mark.parametrize("group_by", ["image", "roboflow"])
def test_column_holders_are_the_groups_holding_each_column(group_by: str) -> None:
    dataset = load_dataset(REAL / "chess" / "train.json")
    groups = group_images(dataset, GroupKey.parse(group_by))
    profiles = build_profiles(dataset, groups, 5, "both")
    holders, bounds = profiles.column_holders
    rows = profiles.row_of_entries()
    for column in range(len(profiles.targets)):
        expected = rows[profiles.columns == column]
        assert holders[bounds[column] : bounds[column + 1]].tolist() == expected.tolist()
    assert profiles.column_holders is profiles.column_holders  # made once, shared
    with pytest.raises(ValueError):
        rows[0] = 1  # shared by every search: none may write into it


def _faults_of_a_fresh_array() -> int:
    """Minor page faults of making (and filling) a 64 MB array after dropping another."""
    dropped = np.ones(8 << 20)
    del dropped
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    kept = np.ones(8 << 20)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    del kept
    return faults


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_large_temporaries_reuse_the_heap_only_while_asked() -> None:
    fresh = _faults_of_a_fresh_array()
    with heap_reused():
        _faults_of_a_fresh_array()  # the heap grows once
        reused = _faults_of_a_fresh_array()
    assert reused * 4 < fresh
    assert _faults_of_a_fresh_array() * 4 > fresh  # glibc's own settings are back


_HUGEPAGE_ADVICE = """
import sys
from foldcheck.cli import entry
sys.argv = ["foldcheck", "split", sys.argv[1], "--out", sys.argv[2], "-q"]
try:
    entry()
except SystemExit as done:
    assert done.code == 0, done.code
import numpy._core.multiarray as multiarray
print(multiarray._set_madvise_hugepage(True))  # returns the setting the command ran with
"""


@pytest.mark.parametrize(("user_value", "advised"), [(None, "False"), ("1", "True")])
def test_the_command_line_asks_no_huge_pages_unless_the_user_does(
    tmp_path: Path, user_value: str | None, advised: str
) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    if user_value is not None:
        environment["NUMPY_MADVISE_HUGEPAGE"] = user_value
    data, out = REAL / "chess" / "train.json", tmp_path / "folds"
    ran = subprocess.run(
        [sys.executable, "-c", _HUGEPAGE_ADVICE, str(data), str(out)],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert ran.stdout.strip() == advised
    assert (out / "folds.json").is_file()
