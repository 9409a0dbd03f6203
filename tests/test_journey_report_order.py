"""The report's counts do not depend on how a dataset file orders its records: a COCO export
lists annotations image by image, a merged or hand-edited file may not, and a set with many
classes has image-class keys too wide for the 32 bits the common case sorts. Each gives the
page, report's and check's JSON and the terminal table a user gets from the same folds."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from foldcheck import api
from tests.conftest import real_dataset, write_coco


def foldcheck(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "foldcheck", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def what_a_user_sees(folder: Path) -> dict[str, str]:
    """Every output of report and check on ``folder``/folds, run from ``folder``."""
    foldcheck(folder, "report", "folds", "--html", "report.html", "-q")
    return {
        "page": (folder / "report.html").read_text(encoding="utf-8"),
        "report json": foldcheck(folder, "report", "folds", "--format", "json"),
        "check json": foldcheck(folder, "check", "folds", "--format", "json"),
        "table": foldcheck(folder, "report", "folds", "--color", "never"),
    }


def test_annotations_in_any_order_give_the_same_report(tmp_path: Path) -> None:
    grouped, scattered = tmp_path / "grouped", tmp_path / "scattered"
    grouped.mkdir()
    shutil.copy(real_dataset("chess"), grouped / "train.json")  # annotations image by image
    foldcheck(grouped, "split", "train.json", "--holdout", "0.1", "--out", "folds", "-q")

    # The same records, the annotations shuffled; the folds the same, their digest the new one.
    document = json.loads((grouped / "train.json").read_text(encoding="utf-8"))
    random.Random(0).shuffle(document["annotations"])
    assert [a["image_id"] for a in document["annotations"]] != sorted(
        a["image_id"] for a in document["annotations"]
    )
    shutil.copytree(grouped / "folds", scattered / "folds")
    data = json.dumps(document).encode("utf-8")
    (scattered / "train.json").write_bytes(data)
    manifest_file = scattered / "folds" / "folds.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    old_digest = manifest["dataset"]["sha256"]
    new_digest = hashlib.sha256(data).hexdigest()
    manifest["dataset"]["sha256"] = new_digest
    manifest_file.write_text(json.dumps(manifest, indent=1), encoding="utf-8")

    before, after = what_a_user_sees(grouped), what_a_user_sees(scattered)
    assert "FC3" not in after["check json"]  # not stale: the digest is the shuffled file's
    assert after["page"].count(new_digest) == before["page"].count(old_digest) > 0
    after["page"] = after["page"].replace(new_digest, old_digest)
    for output in before:
        assert after[output] == before[output], output


def test_image_class_keys_wider_than_32_bits(tmp_path: Path) -> None:
    """31,000 images x 70,000 classes: image row x classes + class passes 2**31."""
    n_images, n_classes = 31_000, 70_000
    rng = np.random.default_rng(0)
    image_of = rng.integers(0, n_images, 5_000)
    image_of[:3] = n_images - 1  # the widest keys, and one pair of three boxes
    class_of = rng.integers(0, n_classes, 5_000)
    class_of[:3] = n_classes - 1
    path = write_coco(
        tmp_path / "wide.json",
        [{"id": i, "file_name": f"{i}.jpg", "width": 64, "height": 64} for i in range(n_images)],
        [
            {"id": n, "image_id": int(i), "category_id": int(c), "bbox": [0, 0, 4, 4]}
            for n, (i, c) in enumerate(zip(image_of, class_of, strict=True))
        ],
        [{"id": c, "name": f"c{c}"} for c in range(n_classes)],
    )
    assert n_images * n_classes > 2**31

    pair_image, pair_class, per_pair = api.load_dataset(path).image_class_counts

    keys, counts = np.unique(image_of * n_classes + class_of, return_counts=True)
    assert pair_image.tolist() == (keys // n_classes).tolist()
    assert pair_class.tolist() == (keys % n_classes).tolist()
    assert per_pair.tolist() == counts.tolist()
    assert (pair_image[-1], pair_class[-1], per_pair[-1]) == (n_images - 1, n_classes - 1, 3)
