"""split reaches its goal on video-grouped data: every class within 1.25x its bar, both kinds.

Frames grouped by video, as the bench's ``video`` preset draws them: each video has a palette
of 4 of 30 Zipf-tailed classes and 5-20 boxes of each, so a rare class (65 boxes to a fold,
goal +-1 box) is held by ~70 videos and no single move or swap meets it without pushing
other columns out. J's search with the columns past their goal reweighted (and the repair
after it) left such draws at 1.3-1.9x their bar; the guided search over every exchange
between two folds, and the settling of each class still past its goal, bring both kinds
within 1.25x (``foldcheck/splitter/guided.py``).

Each class is judged as ``bench/scoring.py`` judges it, from the balance table ``split``
prints: its worst deviation over its bar, the bar being the kind's floor (worst over classes
of at least 50 items), or the class's own floor raised to its conflict floor where higher.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import foldcheck
from foldcheck.core.balance import Table

K = 5
N_CLASSES = 30
MIN_ITEMS = 50  # classes scored, as the bench scores them


def video_frames(path: Path, n_videos: int, seed: int) -> Path:
    """``n_videos`` videos of ~24 frames, each frame with ~5 boxes of its video's palette."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, N_CLASSES + 1)
    rng.shuffle(popularity)
    popularity /= popularity.sum()
    n_images = 24 * n_videos
    video_of_image = np.sort(rng.integers(0, n_videos, n_images))
    palettes = np.array(
        [rng.choice(N_CLASSES, 4, replace=False, p=popularity) for _ in range(n_videos)]
    )
    raw = rng.lognormal(0.0, 0.9, n_images)
    boxes = np.maximum(1, np.rint(raw * 5.5 / raw.mean())).astype(int)
    boxes[rng.random(n_images) < 0.01] = 0
    # Each box draws one of its video's palette, in proportion to the classes' popularity.
    box_image = np.repeat(np.arange(n_images), boxes)
    box_video = video_of_image[box_image]
    share = np.cumsum(popularity[palettes], axis=1)
    share /= share[:, -1:]
    pick = (rng.random(len(box_image))[:, None] > share[box_video]).sum(axis=1)
    box_class = palettes[box_video, np.minimum(pick, 3)]
    images = [
        {"id": i + 1, "file_name": f"{i + 1}.jpg", "width": 64, "height": 64, "video_id": v}
        for i, v in enumerate(video_of_image.tolist())
    ]
    return write_boxes(path, images, box_image, box_class, N_CLASSES)


def write_boxes(
    path: Path,
    images: list[dict[str, Any]],
    box_image: np.ndarray,
    box_class: np.ndarray,
    n_classes: int,
) -> Path:
    """A COCO file of ``images`` with one 8x8 box per entry of ``box_image`` (an image's row)
    of class ``box_class``, and classes ``class0`` .. ``class{n_classes - 1}``."""
    annotations = [
        {"id": a + 1, "image_id": i + 1, "category_id": c + 1, "bbox": [0, 0, 8, 8], "area": 64,
         "iscrowd": 0}
        for a, (i, c) in enumerate(zip(box_image.tolist(), box_class.tolist(), strict=True))
    ]  # fmt: skip
    categories = [{"id": c + 1, "name": f"class{c}"} for c in range(n_classes)]
    document = {"images": images, "annotations": annotations, "categories": categories}
    path.write_text(json.dumps(document))
    return path


def over_bar(table: Table, conflict: np.ndarray) -> float:
    """The worst class's deviation over its bar, among classes of at least 50 items."""
    scored = table.totals >= MIN_ITEMS
    bar = np.maximum(table.floor[scored].max(), np.maximum(table.floor, conflict)[scored])
    return float((table.worst[scored] / bar).max())


def assert_within_1_25x_their_bar(tmp_path: Path, seed: int) -> None:
    """Split the generator's draw ``seed`` by video; both kinds within 1.25x their bar."""
    data = video_frames(tmp_path / "videos.json", 2_000, seed)
    folds = foldcheck.split(data, k=K, group_by="video_id", seed=0)
    balance = foldcheck.report(folds)
    assert over_bar(balance.annotations, balance.conflict_floor) <= 1.25
    assert over_bar(balance.images, balance.conflict_floor) <= 1.25


@pytest.mark.parametrize("seed", [2, 3, 4, 6])
def test_video_folds_within_1_25x_their_bar(tmp_path: Path, seed: int) -> None:
    assert_within_1_25x_their_bar(tmp_path, seed)
