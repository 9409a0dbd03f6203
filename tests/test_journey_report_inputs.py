"""A user mistypes the page's path as one of report's own inputs — `report folds --html
folds/folds.json`, the dataset, an export beside the manifest, the predictions: report
refuses in one line naming the path, exit 2, and every input is left byte for byte as it was
(the page used to replace the manifest). A page over an old page is written as before."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.test_evolve_update import foldcheck


@pytest.fixture
def folds(tmp_path: Path, sample: Path) -> Path:
    shutil.copy(sample, tmp_path / "train.json")
    done = foldcheck("split", "train.json", "-k", "3", "--out", "folds", "--export", "coco",
                     "-q", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return tmp_path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}  # fmt: skip


@pytest.mark.parametrize(
    "page", ["folds/folds.json", "folds/val_fold1.json", "train.json", "./folds/../train.json"]
)
def test_a_page_over_an_input_is_refused_and_nothing_changes(folds: Path, page: str) -> None:
    before = snapshot(folds)
    done = foldcheck("report", "folds", "--html", page, cwd=folds)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and Path(page).name in lines[0] and "name the page otherwise" in lines[0]
    assert "Traceback" not in done.stderr
    assert snapshot(folds) == before


def test_a_page_over_the_predictions_is_refused(folds: Path) -> None:
    val = json.loads((folds / "folds" / "val_fold0.json").read_text())
    predictions = [
        {"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"],
         "score": 0.9, "fold": 0}
        for a in val["annotations"]
    ]  # fmt: skip
    (folds / "preds.json").write_text(json.dumps(predictions))
    before = snapshot(folds)
    done = foldcheck("report", "folds", "--predictions", "preds.json", "--html", "preds.json",
                     cwd=folds)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "preds.json" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert snapshot(folds) == before


def test_a_page_over_an_old_page_is_written_again(folds: Path) -> None:
    (folds / "report.html").write_text("old page")
    done = foldcheck("report", "folds", "--html", "report.html", "-q", cwd=folds)
    assert done.returncode == 0, done.stderr
    assert (folds / "report.html").read_text().startswith("<!DOCTYPE html>")
