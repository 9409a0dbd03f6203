"""foldcheck's split against the best split there is, enumerated, on datasets of a few videos.

The optimum here is the least, over every cut of the videos into K non-empty folds that
``check`` accepts (all of them when it accepts none), of the split's worst deviation: the
largest over classes and folds of |count - n/K| / (n/K), boxes and images containing the class
alike. It is computed from the COCO file itself, by code that shares nothing with the
splitter (what check accepts: its documented rule, held against the real ``check`` on each
split foldcheck makes); foldcheck's split must reach it within 1.25x.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import foldcheck
from foldcheck.formats.fold_files import manifest_of, write_fold_files
from tests.conftest import box, video_frame, write_coco
from tests.test_balance_floor import small_dataset

N_CLASSES = 4


def videos_dataset(path: Path, n_videos: int, seed: int) -> Path:
    """Videos of 2..7 frames, each frame with 0..5 boxes from the video's own two or three of
    4 classes (the last one rare): the shape of a tracking dataset's few sequences."""
    rng = np.random.default_rng(seed)
    images, annotations = [], []
    for video in range(n_videos):
        palette = rng.choice(N_CLASSES, size=int(rng.integers(2, 4)), replace=False)
        weights = np.where(palette == N_CLASSES - 1, 0.2, 1.0)
        for _ in range(int(rng.integers(2, 8))):
            image_id = len(images) + 1
            images.append(video_frame(image_id, video, 1280, 720))
            for _ in range(int(rng.integers(0, 6))):
                cls = int(rng.choice(palette, p=weights / weights.sum()))
                annotations.append(box(len(annotations) + 1, image_id, cls + 1, 60, 40))
    categories = [{"id": c + 1, "name": f"class{c}"} for c in range(N_CLASSES)]
    return write_coco(path, images, annotations, categories)


def per_video_counts(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From the COCO file: [videos, classes] boxes and images containing each class, and the
    video of each image (by the image's position in the file)."""
    document = json.loads(path.read_text())
    video_of = {image["id"]: image["video_id"] for image in document["images"]}
    classes = [category["id"] for category in document["categories"]]
    n_videos = max(video_of.values()) + 1
    boxes = np.zeros((n_videos, len(classes)), dtype=np.int64)
    image_ids = [image["id"] for image in document["images"]]
    holds: set[tuple[int, int]] = set()
    for annotation in document["annotations"]:
        column = classes.index(annotation["category_id"])
        boxes[video_of[annotation["image_id"]], column] += 1
        holds.add((annotation["image_id"], column))
    images = np.zeros_like(boxes)
    for image_id, column in holds:
        images[video_of[image_id], column] += 1
    return boxes, images, np.array([video_of[image_id] for image_id in image_ids])


def every_cut(n: int, k: int) -> Iterator[list[int]]:
    """Each cut of n items into k non-empty folds once (folds numbered by first use)."""

    def grow(prefix: list[int], used: int) -> Iterator[list[int]]:
        if len(prefix) == n:
            if used == k:
                yield prefix
            return
        if k - used > n - len(prefix):
            return  # too few items left to open the remaining folds
        for fold in range(min(used + 1, k)):
            yield from grow([*prefix, fold], max(used, fold + 1))

    yield from grow([], 0)


def worst_deviation(counts: np.ndarray, fold_of_video: np.ndarray, k: int) -> np.ndarray:
    """[splits]: the worst |count - n/K| / (n/K) over the classes that have any and the folds,
    for each row of ``fold_of_video``."""
    counts = counts[:, counts.sum(axis=0) > 0]
    expected = counts.sum(axis=0) / k
    worst = np.zeros(len(fold_of_video))
    for fold in range(k):
        in_fold = (fold_of_video == fold).astype(np.int64) @ counts
        worst = np.maximum(worst, (np.abs(in_fold - expected) / expected).max(axis=1))
    return worst


def check_accepts(
    boxes: np.ndarray, images: np.ndarray, video_of_image: np.ndarray, cuts: np.ndarray, k: int
) -> np.ndarray:
    """[splits]: whether ``check`` at its default tolerance (10 %) passes each split: every
    class's boxes and images, every fold's images and boxes within max(10 % of an equal share,
    the most one video holds) of it (FC401, FC404, FC402; every box here is of one COCO size,
    so FC405's row is the box count), and a class that at least K videos hold in every fold
    (FC403)."""
    frames = np.bincount(video_of_image, minlength=len(boxes))[:, None]
    rows = np.hstack([boxes, images, frames, boxes.sum(axis=1, keepdims=True)])
    rows = rows[:, rows.sum(axis=0) > 0]
    expected = rows.sum(axis=0) / k
    allowed = np.maximum(0.1 * expected, rows.max(axis=0))
    spread = (boxes > 0).sum(axis=0) >= k
    accepts = np.ones(len(cuts), dtype=bool)
    for fold in range(k):
        in_fold = (cuts == fold).astype(np.int64)
        accepts &= (np.abs(in_fold @ rows - expected) <= allowed).all(axis=1)
        accepts &= ((in_fold @ boxes)[:, spread] > 0).all(axis=1)
    return accepts


def check_refuses_for_balance(assignment: foldcheck.FoldAssignment, out: Path) -> bool:
    """Whether the real ``check`` refuses the fold set for balance (an FC4xx error)."""
    write_fold_files(assignment, out, (), force=False, manifest=manifest_of(assignment, out, 0.1))
    findings = foldcheck.check([out / "folds.json"])
    return any(f.code.startswith("FC4") and f.severity == "error" for f in findings)


def split_worst_and_optimum(path: Path, k: int, seed: int) -> tuple[float, float]:
    boxes, images, video_of_image = per_video_counts(path)
    cuts = np.array(list(every_cut(len(boxes), k)))
    accepted = check_accepts(boxes, images, video_of_image, cuts, k)
    if accepted.any():
        cuts = cuts[accepted]
    optimum = np.maximum(worst_deviation(boxes, cuts, k), worst_deviation(images, cuts, k)).min()

    assignment = foldcheck.split(path, k=k, group_by="video_id", seed=seed)
    assert assignment.dataset.image_ids.tolist() == list(range(1, len(video_of_image) + 1))
    fold_of_video = np.full(len(boxes), -1)
    fold_of_video[video_of_image] = assignment.fold_of_row  # rows in the file's order
    chosen = fold_of_video[None, :]
    refused = check_refuses_for_balance(assignment, path.parent / "folds")
    assert refused == (not check_accepts(boxes, images, video_of_image, chosen, k)[0])
    assert not (refused and accepted.any()), "check refuses the split, yet accepts another"
    reached = max(worst_deviation(boxes, chosen, k)[0], worst_deviation(images, chosen, k)[0])
    return float(reached), float(optimum)


@pytest.mark.parametrize("k", [3, 4, 5])
@pytest.mark.parametrize("n_videos", [6, 7, 8, 9, 10])
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_split_is_within_a_quarter_of_the_optimum(
    tmp_path: Path, n_videos: int, k: int, seed: int
) -> None:
    path = videos_dataset(tmp_path / "data.json", n_videos, seed)
    reached, optimum = split_worst_and_optimum(path, k, seed=0)
    assert reached <= 1.25 * optimum + 1e-9, (reached, optimum)


@pytest.mark.parametrize(("k", "n_groups"), [(3, 7), (3, 8), (3, 9), (4, 8), (5, 8), (5, 9)])
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_short_clips_within_a_quarter_of_the_optimum(
    tmp_path: Path, k: int, n_groups: int, seed: int
) -> None:
    """test_balance_floor's clips of 1..3 frames; before the exact search, 9 clips in 3 folds
    (seed 4) reached 30.8 % where 21.9 % was possible (1.41x), 7 clips (seed 1) 1.5x."""
    path = small_dataset(tmp_path / "data.json", n_groups, seed)
    reached, optimum = split_worst_and_optimum(path, k, seed=0)
    assert reached <= 1.25 * optimum + 1e-9, (reached, optimum)


def test_small_split_is_the_same_bytes_for_the_same_seed(tmp_path: Path) -> None:
    path = videos_dataset(tmp_path / "data.json", 9, 5)
    written = []
    for run in ("first", "second"):
        options = ["-k", "4", "--group-by", "video_id", "--seed", "3", "--out", str(tmp_path / run)]
        subprocess.run(
            [sys.executable, "-m", "foldcheck", "split", str(path), *options, "-q"],
            check=True,
            capture_output=True,
        )
        written.append((tmp_path / run / "folds.json").read_bytes())
    assert written[0] == written[1]
