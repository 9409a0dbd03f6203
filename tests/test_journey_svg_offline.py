"""A user saves the balance table with `foldcheck report FOLDS --svg table.svg` on a GPU server
without a network and opens it in a browser: no request leaves the file (rich's own template
loads Fira Code from a CDN), and the box lines stand on the character grid. The browser is
real headless Chromium (tests/chromium.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.chromium import chromium_open

SAMPLE = Path(__file__).resolve().parent.parent / "foldcheck" / "data" / "sample.json"
BOX = "│┃┏┓┗┛┡┩└┘┌┐╇╋┳┻━─┼┬┴"

# Each box-drawing character's position against where the grid puts it: rich gives every run
# of text its x and its width (textLength), so a monospace font lands each character on
# x + i * (width / characters).
MEASURE = """<script>
var worst = 0, seen = 0;
document.querySelectorAll("svg text").forEach(function (t) {
  var text = t.textContent, length = Number(t.getAttribute("textLength"));
  if (!length || !text.length || t.getNumberOfChars() !== text.length) return;
  var x = t.getStartPositionOfChar(0).x, step = length / text.length;
  for (var i = 0; i < text.length; i++) {
    if (BOX.indexOf(text[i]) < 0) continue;
    worst = Math.max(worst, Math.abs(t.getStartPositionOfChar(i).x - (x + i * step)));
    seen++;
  }
});
document.body.dataset.worst = worst.toFixed(3);
document.body.dataset.seen = String(seen);
</script>"""


def foldcheck(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "foldcheck", *args], capture_output=True, text=True, check=False
    )


def saved_svg(tmp_path: Path) -> Path:
    folds = tmp_path / "folds"
    assert foldcheck("split", str(SAMPLE), "--out", str(folds), "-q").returncode == 0
    picture = tmp_path / "table.svg"
    done = foldcheck("report", str(folds), "--svg", str(picture), "--color", "always")
    assert done.returncode == 0, done.stderr
    return picture


def grid_error(svg: Path, tmp_path: Path) -> tuple[float, int]:
    """The largest distance (px) of a box character from its grid place, and how many."""
    page = tmp_path / f"{svg.stem}-measured.html"
    script = MEASURE.replace("BOX.", f'"{BOX}".')
    page.write_text(f"<!DOCTYPE html><html><body>{svg.read_text()}{script}</body></html>")
    dom = chromium_open(page, tmp_path).dom
    found = re.search(r'data-worst="([\d.]+)" data-seen="(\d+)"', dom)
    assert found, dom[:500]
    return float(found[1]), int(found[2])


def test_svg_asks_for_nothing_and_its_box_lines_align(tmp_path: Path) -> None:
    svg = saved_svg(tmp_path)
    text = svg.read_text(encoding="utf-8")
    # The SVG namespace is a name, never fetched; nothing else may name a place.
    assert re.findall(r"https?://[^\s\"']+", text) == ["http://www.w3.org/2000/svg"]
    assert "@font-face" not in text and "url(http" not in text
    opened = chromium_open(svg, tmp_path)
    assert opened.console == []
    assert [url for url in opened.requests if not url.startswith("file:")] == []
    worst, seen = grid_error(svg, tmp_path)
    assert seen > 500  # every table's borders were measured
    assert worst < 0.5


def test_the_checks_see_a_web_font_and_a_misaligned_grid(tmp_path: Path) -> None:
    """The controls: rich's own template asks a CDN for Fira Code, and the same picture in a
    proportional font puts box characters off the grid."""
    import io

    from rich.console import Console

    console = Console(record=True, width=60, file=io.StringIO())
    console.print("┏━━━━┳━━━━┓\n┃ il ┃ WM ┃\n┗━━━━┻━━━━┛")
    rich_svg = tmp_path / "rich.svg"
    rich_svg.write_text(console.export_svg())
    requests = chromium_open(rich_svg, tmp_path).requests
    assert any("cdnjs.cloudflare.com" in url for url in requests)

    svg = saved_svg(tmp_path)
    serif = tmp_path / "serif.svg"
    serif.write_text(
        re.sub(r"font-family: [^;]*monospace;", "font-family: serif;", svg.read_text())
    )
    worst, _ = grid_error(serif, tmp_path)
    assert worst > 1  # the aligned picture is within 0.5 px
