"""The balance floor against the true optimum, enumerated on small datasets: no
group-respecting split beats the floor, and foldcheck's split gets within 1.25x of the best
split's worst class."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import foldcheck
from tests.conftest import write_coco

N_CLASSES = 3


def small_dataset(path: Path, n_groups: int, seed: int) -> Path:
    """n_groups videos of 1..3 frames, each frame with 1..5 boxes of 3 classes (the third
    rarer), so the rounding and the largest-group bounds both bite."""
    rng = np.random.default_rng(seed)
    images, annotations = [], []
    for video in range(n_groups):
        for _ in range(int(rng.integers(1, 4))):
            image_id = len(images) + 1
            images.append(
                {
                    "id": image_id,
                    "file_name": f"{image_id}.jpg",
                    "width": 640,
                    "height": 480,
                    "video_id": video,
                }
            )
            for _ in range(int(rng.integers(1, 6))):
                cls = int(rng.choice(N_CLASSES, p=[0.45, 0.3, 0.25]))
                annotations.append(
                    {
                        "id": len(annotations) + 1,
                        "image_id": image_id,
                        "category_id": cls + 1,
                        "bbox": [0, 0, 40, 40],
                        "area": 1600,
                        "iscrowd": 0,
                    }
                )
    categories = [{"id": c + 1, "name": f"class{c}"} for c in range(N_CLASSES)]
    return write_coco(path, images, annotations, categories)


def per_group_counts(dataset: foldcheck.Dataset, group: np.ndarray, n_groups: int) -> np.ndarray:
    """[groups, classes]: annotations of each class in each group."""
    cells = group[dataset.ann_image] * N_CLASSES + dataset.ann_class
    return np.bincount(cells, minlength=n_groups * N_CLASSES).reshape(n_groups, N_CLASSES)


def worst_deviations(counts: np.ndarray, fold_of_group: np.ndarray, k: int) -> np.ndarray:
    """[splits, classes]: max over folds of |count - n/K| / (n/K), for each row of
    ``fold_of_group`` ([splits, groups])."""
    expected = counts.sum(axis=0) / k
    worst = np.zeros((len(fold_of_group), N_CLASSES))
    for fold in range(k):
        in_fold = (fold_of_group == fold).astype(np.int64) @ counts
        worst = np.maximum(worst, np.abs(in_fold - expected) / expected)
    return worst


@pytest.mark.parametrize(("k", "n_groups"), [(3, 8), (4, 7), (5, 7)])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_floor_never_beats_the_optimum(tmp_path: Path, k: int, n_groups: int, seed: int) -> None:
    path = small_dataset(tmp_path / "data.json", n_groups, seed)
    assignment = foldcheck.split(path, k=k, group_by="video_id", stratify="annotations", seed=0)
    dataset, groups = assignment.dataset, assignment.groups
    counts = per_group_counts(dataset, groups.of_image, groups.count)
    assert (counts.sum(axis=0) >= k).all(), "every class must be spreadable for the test"

    every_split = np.array(list(itertools.product(range(k), repeat=groups.count)))
    uses_every_fold = np.array([len(set(row)) == k for row in every_split])
    worst = worst_deviations(counts, every_split[uses_every_fold], k)
    optimum_per_class = worst.min(axis=0)

    table = foldcheck.report(assignment).annotations
    assert (table.floor <= optimum_per_class + 1e-9).all(), (table.floor, optimum_per_class)


def test_check_names_the_floor_and_json_carries_it(tmp_path: Path) -> None:
    path = small_dataset(tmp_path / "data.json", 90, 7)
    # Videos dealt round-robin by id, blind to classes: some classes end up well off.
    document = json.loads(path.read_text())
    rows = "".join(f"{image['id']},{image['video_id'] % 3}\n" for image in document["images"])
    (tmp_path / "folds.csv").write_text("image_id,fold\n" + rows)
    cli = [sys.executable, "-m", "foldcheck"]
    checked = subprocess.run(
        [
            *cli,
            "check",
            str(tmp_path / "folds.csv"),
            "--dataset",
            str(path),
            "--group-by",
            "video_id",
            "--tolerance",
            "0.01",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 1, checked.stderr
    findings = [line for line in checked.stdout.splitlines() if " FC40" in line]
    assert findings and all(", floor " in line for line in findings), checked.stdout

    out = tmp_path / "folds"
    subprocess.run(
        [
            *cli,
            "split",
            str(path),
            "-k",
            "3",
            "--group-by",
            "video_id",
            "--out",
            str(out),
            "--quiet",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    reported = subprocess.run(
        [*cli, "report", str(out / "folds.json"), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    tables = json.loads(reported.stdout)["tables"]
    for table in tables:
        for row in table["rows"]:
            assert row["floor"] <= row["worst_deviation"] + 1e-9
            assert row["at_floor"] == (row["worst_deviation"] <= row["floor"] + 1e-9)
        summary = table["floor_summary"]
        assert summary["at_floor"] == sum(row["at_floor"] for row in table["rows"])
