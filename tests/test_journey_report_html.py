"""A user writes `foldcheck report FOLDS --html report.html` and opens it in a browser on a
machine with no network: the page renders, asks for nothing outside itself, and a hostile
class name stays text. The browser is real headless Chromium (tests/chromium.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.chromium import chromium_open
from tests.conftest import real_dataset, write_coco

HOSTILE = "<script>alert(1)</script>"
CLASSES = ["car", "person", HOSTILE, 'say "hi" & <b>bye</b>']


def foldcheck(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "foldcheck", *args], capture_output=True, text=True, check=False
    )


def make_folds(tmp_path: Path, k: int = 3) -> Path:
    images = [
        {"id": i, "file_name": f"img_{i}<img src=x>.jpg", "width": 640, "height": 480}
        for i in range(60)
    ]
    annotations = [
        {
            "id": n,
            "image_id": n % 60,
            "category_id": 1 + (n * 7) % len(CLASSES),
            "bbox": [10, 10, 5 + n % 150, 5 + n % 120],
            "area": float((5 + n % 150) * (5 + n % 120)),
            "iscrowd": 0,
        }
        for n in range(240)
    ]
    categories = [{"id": i + 1, "name": name} for i, name in enumerate(CLASSES)]
    dataset = write_coco(tmp_path / "train.json", images, annotations, categories)
    done = foldcheck(
        "split",
        str(dataset),
        "-k",
        str(k),
        "--holdout",
        "0.1",
        "--out",
        str(tmp_path / "folds"),
        "-q",
    )
    assert done.returncode == 0, done.stderr
    return tmp_path / "folds" / "folds.json"


def test_report_renders_offline_with_no_request_and_one_cell_per_fold_and_class(
    tmp_path: Path,
) -> None:
    k = 3
    manifest = make_folds(tmp_path, k)
    page = tmp_path / "report.html"
    done = foldcheck("report", str(manifest), "--html", str(page))
    assert done.returncode == 0, done.stderr
    html = page.read_text(encoding="utf-8")
    # Nothing in the file names a place to fetch from, and the policy forbids fetching.
    assert "default-src 'none'" in html
    assert not re.search(r"\b(src|href)\s*=|url\(|@import|https?:", html)

    dom, console, requests = chromium_open(page, tmp_path)
    assert console == []  # no error, no refused request, nothing logged at all
    assert [url for url in requests if not url.startswith("file:")] == []
    assert 'data-ready="1"' in dom  # the page's own script ran under its policy
    heatmaps = re.findall(r'<table class="heat">(.*?)</table>', dom, re.S)
    assert len(heatmaps) == 2  # boxes and images per class
    for heatmap in heatmaps:
        assert len(re.findall(r'<td class="cell ', heatmap)) == k * len(CLASSES)
        assert heatmap.count("<tr data-name=") == len(CLASSES)
    # The hostile names are shown as text: no element came of them.
    assert dom.count("<script>") == 1 and "<b>bye" not in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert 'say "hi" &amp; &lt;b&gt;bye&lt;/b&gt;' in dom


def test_the_browser_check_sees_a_request_the_page_would_make(tmp_path: Path) -> None:
    """The control: the same page with one outside image is refused, and the test sees it."""
    manifest = make_folds(tmp_path)
    page = tmp_path / "report.html"
    assert foldcheck("report", str(manifest), "--html", str(page)).returncode == 0
    leaky = tmp_path / "leaky.html"
    leaky.write_text(
        page.read_text().replace("</body>", '<img src="http://example.invalid/x.png"></body>')
    )
    _, console, _ = chromium_open(leaky, tmp_path)
    assert any("example.invalid" in line and "Content Security Policy" in line for line in console)


def test_report_shows_settings_hash_holdout_and_findings(tmp_path: Path) -> None:
    manifest = make_folds(tmp_path)
    page = tmp_path / "report.html"
    assert foldcheck("report", str(manifest), "--html", str(page)).returncode == 0
    html = page.read_text()
    recorded = json.loads(manifest.read_text())
    assert recorded["dataset"]["sha256"] in html
    assert "<th>held out</th>" in html
    held = len(recorded["holdout"]["images"])
    assert re.search(rf"<tr><th>images</th>(<td>\d+</td>){{3}}<td class=held>{held}</td>", html)
    assert "Findings of check" in html
    # A tampered fold file: check's finding is in the report.
    recorded["folds"][1].append(recorded["folds"][0][0])
    manifest.write_text(json.dumps(recorded))
    assert foldcheck("report", str(manifest), "--html", str(page)).returncode == 0
    assert re.search(r"Findings of check \(\d+\)", page.read_text())


def test_same_folds_same_bytes_and_bad_input_writes_nothing(tmp_path: Path) -> None:
    manifest = make_folds(tmp_path)
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    assert foldcheck("report", str(manifest), "--html", str(first)).returncode == 0
    assert foldcheck("report", str(manifest), "--html", str(second)).returncode == 0
    assert first.read_bytes() == second.read_bytes()

    missing = tmp_path / "nowhere" / "folds.json"
    page = tmp_path / "c.html"
    done = foldcheck("report", str(missing), "--html", str(page))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and str(missing) in done.stderr
    assert not page.exists()


def test_report_of_a_real_roboflow_export(tmp_path: Path) -> None:
    dataset = real_dataset("chess")
    out = tmp_path / "folds"
    split = foldcheck(
        "split", str(dataset), "--group-by", r"re:(?i)^(.+)_jpg\.rf\.", "--out", str(out), "-q"
    )
    assert split.returncode == 0, split.stderr
    page = tmp_path / "chess.html"
    assert foldcheck("report", str(out / "folds.json"), "--html", str(page)).returncode == 0
    names = json.loads(dataset.read_text())["categories"]
    html = page.read_text()
    heat = html.split('<table class="heat">')[1]
    assert heat.count('<td class="cell ') == 5 * len(names)
