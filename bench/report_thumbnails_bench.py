"""The HTML report's page size with near-duplicate thumbnails, on a 600-class set of real
image files, and on the demo's YOLO set.

    python bench/report_thumbnails_bench.py [--photos 1200] [--copies 400]

A COCO set of ``--photos`` synthetic photos (``images.synth.scene``, 320 x 240 JPEG) with 600
long-tailed classes, ``--copies`` of them re-saved brighter (a near-duplicate each), split
into 5 folds (by image, so copies land in other folds); then ``report --html --images-dir``:
the page's size, its clusters shown and left out, and the time. The same for
``foldcheck demo --yolo``'s set (240 PNG frames of 47 videos).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import ImageEnhance

from foldcheck.images.synth import scene

CLASSES = 600


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=1200)
    parser.add_argument("--copies", type=int, default=400)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        write_set(root, options.photos, options.copies)
        run(root, ["split", "dataset.json", "--out", "folds", "-q"])
        measure(root, "600 classes", ["report", "folds", "--images-dir", "images"])
        run(root, ["demo", "--yolo", "--out", "demo"])
        measure(root, "demo --yolo", ["report", "demo", "--images-dir", "demo/data"])
    return 0


def write_set(root: Path, photos: int, copies: int) -> None:
    rng = np.random.default_rng(0)
    images = root / "images"
    images.mkdir()
    names = []
    for seed in range(photos):
        photo = scene(seed, 320, 240)
        photo.save(images / f"photo{seed}.jpg", quality=85)
        names.append(f"photo{seed}.jpg")
        if seed < copies:
            copy = ImageEnhance.Brightness(photo).enhance(1.1)
            copy.save(images / f"copy{seed}.jpg", quality=60)
            names.append(f"copy{seed}.jpg")
    weights = 1.0 / np.arange(1, CLASSES + 1)  # long-tailed, as Open Images
    classes = rng.choice(CLASSES, size=len(names) * 8, p=weights / weights.sum())
    document = {
        "images": [
            {"id": k + 1, "file_name": n, "width": 320, "height": 240} for k, n in enumerate(names)
        ],
        "annotations": [
            {
                "id": a + 1,
                "image_id": a // 8 + 1,
                "category_id": int(c) + 1,
                "bbox": [10, 10, 40, 30],
                "area": 1200.0,
                "iscrowd": 0,
            }
            for a, c in enumerate(classes.tolist())
        ],
        "categories": [{"id": c + 1, "name": f"class_{c:04d}"} for c in range(CLASSES)],
    }
    (root / "dataset.json").write_text(json.dumps(document))


def run(root: Path, argv: list[str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "foldcheck", *argv],
        cwd=root,
        check=True,
        env={"FOLDCHECK_CACHE_DIR": str(root / "cache"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
    )


def measure(root: Path, label: str, argv: list[str]) -> None:
    start = time.perf_counter()
    run(root, [*argv, "--html", "page.html", "-q"])
    seconds = time.perf_counter() - start
    page = (root / "page.html").read_text(encoding="utf-8")
    heading = re.search(r"<h2>Near-duplicate clusters: (\d+) \((\d+) images\)</h2>", page)
    shown = page.count('<section class="cluster')
    thumbs = page.count("data:image/webp")
    print(
        f"{label}: page {len(page.encode()) / 1e6:.2f} MB; clusters {heading[1] if heading else 0}"
        f" ({heading[2] if heading else 0} images), {shown} shown with {thumbs} thumbnails; "
        f"report --html --images-dir {seconds:.1f} s (every image hashed: no cache yet)",
        flush=True,
    )


if __name__ == "__main__":
    raise SystemExit(main())
