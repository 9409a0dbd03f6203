"""A user who trained a model per fold writes the report with its predictions,
`foldcheck report FOLDS --html report.html --predictions 'oof/fold{i}.json'`, and opens it in
a browser offline: the page shows the score `foldcheck score` computes (per fold, mean and
spread, out of fold, the test set, AP per class) to the last digit, and its findings."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.chromium import chromium_open
from tests.cocoeval_reference import PYCOCOTOOLS_WARNING
from tests.conftest import SAMPLE
from tests.predictions import noisy_predictions

pytest.importorskip("pycocotools")
pytestmark = PYCOCOTOOLS_WARNING
STATS = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")


def foldcheck(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "foldcheck", *args], capture_output=True, text=True, check=False
    )


def trained(tmp_path: Path) -> Path:
    """Folds of the sample with a held-out test set, and each fold model's predictions on
    its validation images and on the test set (made from the ground truth, with noise)."""
    folds = tmp_path / "folds"
    done = foldcheck(
        "split", str(SAMPLE), "-k", "3", "--group-by", "video_id", "--holdout", "0.15",
        "--out", str(folds), "-q",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    manifest = json.loads((folds / "folds.json").read_text())
    every = noisy_predictions(json.loads(SAMPLE.read_text()), np.random.default_rng(5))
    (tmp_path / "oof").mkdir()
    for i, fold in enumerate(manifest["folds"]):
        mine = set(fold)
        (tmp_path / "oof" / f"fold{i}.json").write_text(
            json.dumps([p for p in every if p["image_id"] in mine])
        )
    held = set(manifest["holdout"]["images"])
    (tmp_path / "test.json").write_text(json.dumps([p for p in every if p["image_id"] in held]))
    return folds


def shown(row: str) -> list[tuple[float, str]]:
    """A row's values: the exact one (data-v) and the one shown."""
    return [(float(v), text) for v, text in re.findall(r'<td data-v="([^"]+)">([^<]*)</td>', row)]


def as_shown(value: float) -> str:
    return "-" if value == -1 else f"{value:.3f}"


def assert_row(row: str, expected: list[float]) -> None:
    values = shown(row)
    assert [v for v, _ in values] == expected
    assert [text for _, text in values] == [as_shown(v) for v in expected]


def page_shows_score(page: Path, tmp_path: Path, score: dict[str, Any]) -> str:
    """Open the page in headless Chromium (no console error, no request leaving the file),
    assert its score table holds ``score --format json``'s values for every fold, the mean,
    std, out-of-fold and test rows; the rendered DOM, for further checks."""
    opened = chromium_open(page, tmp_path)
    assert opened.console == []
    assert [url for url in opened.requests if not url.startswith("file:")] == []
    table = re.search(r'<table class="score">(.*?)</table>', opened.dom, re.S)
    assert table is not None
    rows = dict(re.findall(r"<tr class=\"[^\"]+\"><th>([^<]+)</th>(.*?)</tr>", table[1]))
    folds = [f"fold {fold['fold']}" for fold in score["folds"]]
    assert list(rows) == [*folds, "mean", "std", "out-of-fold", "test"]
    for fold in score["folds"]:
        row = rows[f"fold {fold['fold']}"]
        assert_row(row, [fold["stats"][s] for s in STATS])
        assert f"<td>{fold['images']}</td><td>{fold['predictions']}</td>" in row
    assert_row(rows["mean"], [score["mean"][s] for s in STATS])
    assert_row(rows["std"], [score["std"][s] for s in STATS])
    assert_row(rows["out-of-fold"], [score["oof"]["stats"][s] for s in STATS])
    assert_row(rows["test"], [score["test"]["stats"][s] for s in STATS])
    return opened.dom


def test_the_page_shows_the_score_score_computes(tmp_path: Path) -> None:
    folds = trained(tmp_path)
    predictions = ["--predictions", str(tmp_path / "oof" / "fold{i}.json")]
    test = ["--test-predictions", str(tmp_path / "test.json")]
    page = tmp_path / "report.html"
    done = foldcheck("report", str(folds), "--html", str(page), *predictions, *test)
    assert done.returncode == 0, done.stderr
    scored = foldcheck("score", str(folds), *predictions, *test, "--format", "json")
    assert scored.returncode == 0, scored.stderr
    score: dict[str, Any] = json.loads(scored.stdout)

    dom = page_shows_score(page, tmp_path, score)
    assert score["test"]["images"] > 0 and score["oof"]["stats"]["AP"] > 0.1

    per_class = re.search(r'<table class="classap">(.*?)</table>', dom, re.S)
    assert per_class is not None
    class_rows = dict(
        re.findall(r'<tr data-name="([^"]+)"[^>]*><th>[^<]*</th>(.*?)</tr>', per_class[1])
    )
    assert list(class_rows) == [c["class"] for c in score["per_class"]]
    for c in score["per_class"]:
        assert_row(class_rows[c["class"]], [*c["AP"], c["oof"], c["std"]])
    headline = f"AP {as_shown(score['mean']['AP'])} ± {as_shown(score['std']['AP'])} over 3 folds"
    assert headline in dom


def test_the_page_lists_the_score_findings(tmp_path: Path) -> None:
    """Fold 1's file holds fold 2's predictions (a model scored on images it trained on):
    score's FC601 findings are on the page, each at its place."""
    folds = trained(tmp_path)
    oof = tmp_path / "oof"
    (oof / "fold1.json").write_text((oof / "fold2.json").read_text())
    predictions = ["--predictions", str(oof / "fold{i}.json")]
    page = tmp_path / "report.html"
    done = foldcheck("report", str(folds), "--html", str(page), *predictions)
    assert done.returncode == 0, done.stderr
    scored = foldcheck("score", str(folds), *predictions, "--format", "json")
    findings = json.loads(scored.stdout)["findings"]
    assert any(f["code"] == "FC601" for f in findings)
    html = page.read_text()
    for code in {f["code"] for f in findings}:
        same = [f for f in findings if f["code"] == code]
        for f in same[:20]:  # the page shows 20 of each rule and counts the rest
            place = f["path"] + (f":{f['line']}:{f['col']}" if f["line"] else "")
            assert f'<li class="finding">{place}: <b>{f["code"]}</b>' in html
        if len(same) > 20:
            assert f"<li>... and {len(same) - 20} more {code} findings (foldcheck score " in html
    assert f"Findings of score ({len(findings)})" in html


def test_predictions_without_html_is_a_usage_error(tmp_path: Path) -> None:
    folds = trained(tmp_path)
    done = foldcheck("report", str(folds), "--predictions", str(tmp_path / "oof" / "fold{i}.json"))
    assert done.returncode == 2
    assert done.stderr == "error: --predictions adds to the HTML page: give --html FILE too\n"
    missing = foldcheck(
        "report", str(folds), "--html", str(tmp_path / "r.html"),
        "--predictions", str(tmp_path / "nowhere{i}.json"),
    )  # fmt: skip
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    assert "nowhere0.json" in missing.stderr and not (tmp_path / "r.html").exists()
