"""The balance floor against the true optimum, enumerated on small datasets: no
group-respecting split beats the floor, and foldcheck's split gets within 1.25x of the best
split's worst class."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import foldcheck
from tests.conftest import box, video_frame, write_coco

N_CLASSES = 3


def small_dataset(path: Path, n_groups: int, seed: int) -> Path:
    """n_groups videos of 1..3 frames, each frame with 1..5 boxes of 3 classes (the third
    rarer), so the rounding and the largest-group bounds both bite."""
    rng = np.random.default_rng(seed)
    images, annotations = [], []
    for video in range(n_groups):
        for _ in range(int(rng.integers(1, 4))):
            image_id = len(images) + 1
            images.append(video_frame(image_id, video))
            for _ in range(int(rng.integers(1, 6))):
                cls = int(rng.choice(N_CLASSES, p=[0.45, 0.3, 0.25]))
                annotations.append(box(len(annotations) + 1, image_id, cls + 1, 40, 40))
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
        if summary["at_floor"] == summary["rows"]:  # then no row is furthest above it
            assert summary["furthest_row"] is None, summary
        else:
            furthest = next(r for r in table["rows"] if r["name"] == summary["furthest_row"])
            assert not furthest["at_floor"]
            assert furthest["worst_deviation"] - furthest["floor"] == max(
                r["worst_deviation"] - r["floor"] for r in table["rows"]
            )


def per_group_presence(dataset: foldcheck.Dataset, group: np.ndarray, n_groups: int) -> np.ndarray:
    """[groups, classes]: images of each group that contain each class."""
    image, cls = dataset.image_class_pairs
    cells = group[image] * N_CLASSES + cls
    return np.bincount(cells, minlength=n_groups * N_CLASSES).reshape(n_groups, N_CLASSES)


@pytest.mark.parametrize(("k", "n_groups"), [(3, 8), (4, 7), (5, 7)])
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_conflict_floor_never_beats_the_optimum(
    tmp_path: Path, k: int, n_groups: int, seed: int
) -> None:
    """No split has both of a class's deviations (boxes, images) under its conflict floor."""
    path = small_dataset(tmp_path / "data.json", n_groups, seed)
    assignment = foldcheck.split(path, k=k, group_by="video_id", seed=0)
    dataset, groups = assignment.dataset, assignment.groups
    boxes = per_group_counts(dataset, groups.of_image, groups.count)
    presence = per_group_presence(dataset, groups.of_image, groups.count)

    every_split = np.array(list(itertools.product(range(k), repeat=groups.count)))
    every_split = every_split[[len(set(row)) == k for row in every_split]]
    both = np.maximum(
        worst_deviations(boxes, every_split, k), worst_deviations(presence, every_split, k)
    )
    # The table's conflict floor is over the splits whose two rows of the class check
    # accepts (all of them where it accepts none): the splits split may write.
    accepted = accepted_rows(boxes, every_split, k) & accepted_rows(presence, every_split, k)
    optimum_per_class = np.where(
        accepted.any(axis=0), np.where(accepted, both, np.inf).min(axis=0), both.min(axis=0)
    )

    joint = foldcheck.report(assignment).conflict_floor
    assert (joint <= optimum_per_class + 1e-9).all(), (joint, optimum_per_class)
    assert joint.max() > 0, "the instance should crowd some class, or the test shows nothing"


def accepted_rows(counts: np.ndarray, fold_of_group: np.ndarray, k: int) -> np.ndarray:
    """[splits, classes]: whether check accepts the class's row (every fold within
    max(tolerance x n/K, the largest group's count) of n/K, at the default tolerance 0.1)."""
    expected = counts.sum(axis=0) / k
    allowed = np.maximum(0.1 * expected, counts.max(axis=0))
    within = np.ones((len(fold_of_group), N_CLASSES), dtype=bool)
    for fold in range(k):
        in_fold = (fold_of_group == fold).astype(np.int64) @ counts
        within &= np.abs(in_fold - expected) <= allowed
    return within


def crowded_dataset(path: Path) -> Path:
    """coco-half seed 11's conflicting class, rebuilt: 'crowded' has 614 boxes in 176 images,
    119 of them in one image; 'spread' has one box in each of 400 other images."""
    images, annotations = [], []

    def add_image(boxes: dict[int, int]) -> None:
        image_id = len(images) + 1
        images.append({"id": image_id, "file_name": f"{image_id}.jpg", "width": 64, "height": 64})
        for category, count in boxes.items():
            for _ in range(count):
                annotations.append(
                    {
                        "id": len(annotations) + 1,
                        "image_id": image_id,
                        "category_id": category,
                        "bbox": [0, 0, 8, 8],
                        "area": 64,
                        "iscrowd": 0,
                    }
                )

    add_image({1: 119})
    rest = np.random.default_rng(11).multinomial(614 - 119 - 175, np.full(175, 1 / 175)) + 1
    for count in rest:
        add_image({1: int(count)})
    for _ in range(400):
        add_image({2: 1})
    categories = [{"id": 1, "name": "crowded"}, {"id": 2, "name": "spread"}]
    return write_coco(path, images, annotations, categories)


def test_split_says_which_kind_gave_way(tmp_path: Path) -> None:
    """Where boxes and image presence conflict, split's table says so, naming the class, the
    joint floor and the kind it let go; the JSON carries the same."""
    path = crowded_dataset(tmp_path / "data.json")
    cli = [sys.executable, "-m", "foldcheck"]
    out = tmp_path / "folds"
    split = subprocess.run(
        [*cli, "split", str(path), "-k", "5", "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    said = [line.strip() for line in split.stdout.splitlines()]
    assert "boxes and image presence conflict in 1 class" in split.stdout, split.stdout
    line = next(line for line in said if line.startswith("crowded: joint floor"))
    assert "gave way" in line, line

    reported = subprocess.run(
        [*cli, "report", str(out), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    (conflict,) = json.loads(reported.stdout)["conflicts"]
    assert conflict["class"] == "crowded"
    ann, img = conflict["annotations"], conflict["images"]
    # The joint floor is above both kinds' own floors (that is the conflict) and no higher
    # than what this split reached on the worse of the two.
    assert conflict["joint_floor"] > max(ann["floor"], img["floor"])
    assert max(ann["worst_deviation"], img["worst_deviation"]) >= conflict["joint_floor"]
    gave = conflict["gave_way"]
    assert f"{gave} gave way: {conflict[gave]['worst_deviation']:.1%}" in line
