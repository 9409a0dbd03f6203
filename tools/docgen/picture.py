"""The README's picture: `foldcheck report --svg` of the demo's folds, without the web fonts
rich's SVG fetches from a CDN (the docs are read offline; the viewer's monospace is used).

    python -m tools.docgen.picture docs/assets/balance.svg
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from foldcheck.cli import main

_FONT_FACE = re.compile(r"\s*@font-face\s*\{[^}]*\}")
_CREDIT = re.compile(r"\s*<!-- Generated with Rich https://www\.textualize\.io -->")
WIDTH = 100  # columns: the tables' widest row fits


def balance_svg() -> str:
    with tempfile.TemporaryDirectory() as scratch, _quiet():
        folds, svg = Path(scratch) / "folds", Path(scratch) / "balance.svg"
        split = ["split", str(_sample()), "-k", "5", "--group-by", "video_id", "-q"]
        main([*split, "--out", str(folds)])
        main(["report", str(folds / "folds.json"), "--svg", str(svg), "--color", "always"])
        text = svg.read_text("utf-8")
    return _CREDIT.sub("", _FONT_FACE.sub("", text))


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(WIDTH)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


def _sample() -> Path:
    import foldcheck

    return Path(foldcheck.__file__).parent / "data" / "sample.json"


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(balance_svg(), "utf-8")
