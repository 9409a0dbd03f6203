"""The report's counts however a file orders its records: box sizes per image whether the
annotations come grouped by image or not (with boxes without an area, and images without
boxes), and the folds' ids found whether the ids run without a gap, with gaps or backwards."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from foldcheck import load_dataset
from tests.conftest import write_coco
from tests.test_journey_report_html import foldcheck


def boxes(seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """30 images, some without a box; boxes of every COCO size, some without an area."""
    rng = random.Random(seed)
    images = [{"id": i, "file_name": f"{i}.jpg", "width": 640, "height": 480} for i in range(30)]
    annotations = []
    for n in range(200):
        side = rng.choice([5, 31, 32, 60, 95, 96, 300])
        record: dict[str, Any] = {"id": n, "image_id": rng.randrange(25), "category_id": 1 + n % 2}
        if n % 17:  # the others have neither an area nor a box
            record.update(bbox=[0, 0, side, side], area=float(side * side))
        annotations.append(record)
    return images, annotations


@pytest.mark.parametrize("grouped", [True, False])
def test_box_sizes_per_image_are_counted_box_by_box(tmp_path: Path, grouped: bool) -> None:
    images, annotations = boxes(seed=4)
    if grouped:
        annotations.sort(key=lambda a: a["image_id"])
    dataset = load_dataset(write_coco(tmp_path / "train.json", images, annotations))

    expected = np.zeros((len(images), 3), np.int64)
    for record in annotations:  # COCO's buckets: below 32², below 96², the rest
        if "area" in record:
            bucket = (record["area"] >= 32**2) + (record["area"] >= 96**2)
            expected[record["image_id"], bucket] += 1
    assert np.array_equal(dataset.image_size_counts, expected)
    assert expected[25:].sum() == 0 and expected.sum() < len(annotations)


@pytest.mark.parametrize("numbering", ["from one", "with gaps", "backwards"])
def test_the_folds_ids_are_found_however_the_dataset_numbers_them(
    tmp_path: Path, sample: Path, numbering: str
) -> None:
    """An id the dataset lacks is FC203's and an image no fold lists FC201's, named by id."""
    document = json.loads(sample.read_text())
    renumber = {"from one": lambda i: i, "with gaps": lambda i: 3 * i + 7, "backwards": int}
    for record in document["images"]:
        record["id"] = renumber[numbering](record["id"])
    for record in document["annotations"]:
        record["image_id"] = renumber[numbering](record["image_id"])
    if numbering == "backwards":
        document["images"].reverse()
    dataset = tmp_path / "train.json"
    dataset.write_text(json.dumps(document))
    assert foldcheck("split", str(dataset), "-k", "3", "--out", str(tmp_path / "f"), "-q")
    manifest_path = tmp_path / "f" / "folds.json"
    manifest = json.loads(manifest_path.read_text())
    dropped = manifest["folds"][1].pop(0)
    unknown = max(r["id"] for r in document["images"]) + 1
    manifest["folds"][0].insert(0, unknown)
    manifest_path.write_text(json.dumps(manifest, indent=2))

    done = foldcheck("check", str(manifest_path), "--format", "json")

    findings = json.loads(done.stdout)["findings"]
    assert done.returncode == 1
    assert {
        (f["code"], str(unknown) in f["message"]) for f in findings if f["code"] == "FC203"
    } == {("FC203", True)}
    assert any(
        f["code"] == "FC201" and f"image {dropped} is in no" in f["message"] for f in findings
    )
