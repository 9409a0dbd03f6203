"""The HTML report of an Open Images-shaped set (600 long-tailed classes) against the split
that made it: time beyond reading the dataset, and the page's size.

    python bench/html_report_bench.py [SCALE]   (default 0.01: 19,000 images, 160,000 boxes)

Reading the dataset is left out of both sides: the split's time is the split itself, the
report's is its balance, overview and page (check's findings are not run here).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth_text
from foldcheck import api
from foldcheck.core.balance import compute_balance
from foldcheck.core.overview import fold_overview
from foldcheck.formats.fold_files import open_manifest
from foldcheck.render.html_report import html_report


def main() -> int:
    scale = sys.argv[1] if len(sys.argv) > 1 else "0.01"
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "openimages.json"
        images, boxes, classes = synth_text.write(f"openimages:{scale}", data, seed=0)
        dataset = api.load_dataset(data)
        start = time.perf_counter()
        api.split(dataset, k=5, seed=0)
        split_s = time.perf_counter() - start
        folds = Path(scratch) / "folds"  # the same split, written as a user would
        subprocess.run(
            [sys.executable, "-m", "foldcheck", "split", str(data), "--out", str(folds), "-q"],
            check=True,
        )
        manifest, assignment = open_manifest(Path(scratch) / "folds" / "folds.json")
        start = time.perf_counter()
        balance = compute_balance(assignment, manifest.tolerance)
        page = html_report(manifest, balance, fold_overview(assignment), [], "bench")
        report_s = time.perf_counter() - start
    size = len(page.encode("utf-8"))
    print(f"openimages:{scale}: {images} images, {boxes} boxes, {classes} classes, K = 5")
    print(f"split {split_s:.3f} s; report {report_s:.3f} s ({report_s / split_s:.1%} of split)")
    print(f"page {size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
