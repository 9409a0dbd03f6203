"""Issue 20, item 5: a fold CSV's numbers are bounded by its rows before anything is
allocated from them, and no field, however long, ends in a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile import assert_refused, foldcheck


def _csv(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "folds.csv"
    path.write_text("image_id,fold\n" + "".join(f"{row}\n" for row in rows))
    return path


def test_a_fold_number_beyond_the_rows_is_one_line_not_an_allocation(tmp_path: Path) -> None:
    _csv(tmp_path, "1,0", "2,1", "3,1000000000")
    proc = foldcheck("check", "folds.csv", cwd=tmp_path, timeout=20)
    assert_refused(proc, "folds.csv:4:2: error: fold 1000000000 is beyond the file's 3 rows")


@pytest.mark.parametrize("value", ["9223372036854775808", "-9223372036854775809", "9" * 30])
def test_a_fold_beyond_int64_is_one_line(tmp_path: Path, value: str) -> None:
    _csv(tmp_path, "1,0", "2,1", f"3,{value}")
    proc = foldcheck("check", "folds.csv", cwd=tmp_path)
    assert_refused(proc, f"folds.csv:4:2: error: fold '{value}' is beyond 64-bit integers")


def test_an_image_id_beyond_int64_is_one_line(tmp_path: Path) -> None:
    _csv(tmp_path, "1,0", "18446744073709551616,1")
    proc = foldcheck("check", "folds.csv", cwd=tmp_path)
    assert_refused(proc, "folds.csv:3:1: error: image_id '18446744073709551616' is beyond")


def test_a_field_past_the_csv_modules_limit_is_one_line_at_its_record(tmp_path: Path) -> None:
    _csv(tmp_path, "1,0", "2,1", '3,"' + "1" * 200_000 + '"')
    proc = foldcheck("check", "folds.csv", cwd=tmp_path)
    assert_refused(proc, "folds.csv:4: error: unreadable CSV record: field larger than")


def test_the_largest_fold_a_file_can_hold_is_still_read(tmp_path: Path) -> None:
    """K equal to the rows is the bound's edge: read, each fold one image."""
    _csv(tmp_path, "1,0", "2,1", "3,2")
    proc = foldcheck("check", "folds.csv", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (0, "")
