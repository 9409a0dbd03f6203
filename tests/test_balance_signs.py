"""A deviation that rounds to 0% is shown as +0%, never as -0%: rounded first, then signed,
in the balance tables of split and report (text and Markdown) and the HTML report."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import BIN, write_coco

# One box per image over 1,001 images in two folds: 501 and 500 against a share of 500.5,
# deviations of +0.1% and -0.1%, which printed as "+0%" and "-0%".
IMAGES = 1001


@pytest.fixture
def odd_split(tmp_path: Path) -> tuple[Path, str]:
    images = [
        {"id": i, "file_name": f"{i}.jpg", "width": 100, "height": 100}
        for i in range(1, IMAGES + 1)
    ]
    boxes = [
        {
            "id": i,
            "image_id": i,
            "category_id": 1,
            "bbox": [1, 1, 10, 10],
            "area": 100,
            "iscrowd": 0,
        }
        for i in range(1, IMAGES + 1)
    ]
    dataset = write_coco(tmp_path / "odd.json", images, boxes, [{"id": 1, "name": "cat"}])
    split = foldcheck(tmp_path, "split", dataset.name, "-k", "2", "--out", "folds")
    return tmp_path, split


def foldcheck(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "foldcheck"), *args, "--color", "never"],
        cwd=cwd, capture_output=True, text=True, env={**os.environ, "COLUMNS": "120"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def cells(table: str) -> list[str]:
    return re.findall(r"\b50[01] \(?([+-]\d+%)", table)


def test_a_deviation_under_half_a_percent_is_plus_zero(odd_split: tuple[Path, str]) -> None:
    root, split_table = odd_split
    report_text = foldcheck(root, "report", "folds")
    markdown = foldcheck(root, "report", "folds", "--format", "markdown")
    for table in (split_table, report_text, markdown):
        shown = cells(table)
        assert shown and set(shown) == {"+0%"}, table
        assert "-0%" not in table
    foldcheck(root, "report", "folds", "--html", "report.html")
    page = (root / "report.html").read_text(encoding="utf-8")
    assert ">+0%</td>" in page and ">-0%</td>" not in page
