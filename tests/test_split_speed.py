"""What the split step's speed-ups at Open Images size must leave exactly as it was: folds.csv
as the csv module writes it on real exports, and the column holders the searches sample from as
a plain scan per column finds them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

import foldcheck
from foldcheck.cli import main
from foldcheck.core.assignment import FoldAssignment
from foldcheck.core.groups import GroupKey, group_images
from foldcheck.formats.coco.reader import load_dataset
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
