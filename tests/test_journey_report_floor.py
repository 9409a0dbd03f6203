"""The page shows each class's floor beside its worst deviation (the least any split keeping
the groups whole can reach) and marks the classes at it, as `report --format json` has them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.chromium import chromium_open
from tests.conftest import SAMPLE

ROW = re.compile(
    r'<tr data-name="([^"]+)" data-total="\d+" data-gap="[^"]+"( class="?at"?)?>.*?'
    r'<td class="worst" data-v="([^"]+)">([^<]+)</td>'
    r'<td class="floor" data-v="([^"]+)" title="[^"]*">([^<]+)</td>'
)


def foldcheck(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "foldcheck", *args], capture_output=True, text=True, check=False
    )


def test_each_class_shows_its_floor_and_whether_it_is_at_it(tmp_path: Path) -> None:
    folds = tmp_path / "folds"
    split = foldcheck("split", str(SAMPLE), "--group-by", "video_id", "--out", str(folds), "-q")
    assert split.returncode == 0, split.stderr
    page = tmp_path / "report.html"
    assert foldcheck("report", str(folds), "--html", str(page)).returncode == 0
    tables = json.loads(foldcheck("report", str(folds), "--format", "json").stdout)["tables"]
    dom = chromium_open(page, tmp_path).dom
    heatmaps = re.findall(r'<table class="heat">(.*?)</table>', dom, re.S)
    headings = re.findall(r"<h2>(boxes|images) per class: [^<]*; (\d+) of (\d+) classes at", dom)
    for heatmap, table, heading in zip(heatmaps, tables[:2], headings, strict=True):
        rows = {r["name"]: r for r in table["rows"]}
        shown = ROW.findall(heatmap)
        assert {name for name, *_ in shown} == set(rows)
        for name, at, worst, worst_text, floor, floor_text in shown:
            row = rows[name]
            assert float(worst) == row["worst_deviation"] and float(floor) == row["floor"]
            assert worst_text == f"{row['worst_deviation']:.0%}"
            assert floor_text.endswith(" =") == bool(at) == row["at_floor"]
        summary = table["floor_summary"]
        assert heading[1:] == (str(summary["at_floor"]), str(summary["rows"]))
    assert any(r["at_floor"] for t in tables[:2] for r in t["rows"])
    assert not all(r["at_floor"] for t in tables[:2] for r in t["rows"])
