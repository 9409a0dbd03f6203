"""split meets a rare class's goal that no single exchange reaches, on data of many images.

Images drawn as the bench's ``coco`` preset draws them (80 Zipf-tailed classes, a few per
image, log-normal box counts), but fewer: more than ``DESCENT_GROUPS`` images, so the search
is J's refinement with the columns past their goal reweighted, then ``repair``. On such draws
a rare class can end a box or two past its goal where every image that could carry the box
away also holds common classes at the edge of theirs: each single move or swap that meets the
rare class pushes one of those past its goal, so repair gave the class up (coco-half's seed 0:
class 51, 1.44x its bar). Repair now tries a chain, that exchange and then one exchange for
each column it broke (``foldcheck/splitter/repair.py``).

Each class is judged as ``bench/scoring.py`` judges it, from the balance table ``report``
gives: its worst deviation over its bar (``test_split_video.over_bar``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import foldcheck
from foldcheck.core.groups import GroupKey, group_images
from foldcheck.splitter.profiles import Profiles, build_profiles
from tests.test_split_video import over_bar, write_boxes

K = 5
N_CLASSES = 80


def coco_like(path: Path, n_images: int, seed: int) -> Path:
    """``n_images`` images of ~7 boxes, each image's boxes from 1-4 classes of a Zipf tail."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, N_CLASSES + 1) ** 0.9
    rng.shuffle(popularity)
    popularity /= popularity.sum()
    raw = rng.lognormal(0.0, 0.9, n_images)
    boxes = np.maximum(1, np.rint(raw * 7.3 / raw.mean())).astype(int)
    boxes[rng.random(n_images) < 0.01] = 0
    # Each image's palette: 1 + Poisson(1.5) classes by popularity, at most 4 kept.
    palette_size = np.minimum(1 + rng.poisson(1.5, n_images), 4)
    palettes = rng.choice(N_CLASSES, (n_images, 4), p=popularity)
    box_image = np.repeat(np.arange(n_images), boxes)
    pick = rng.integers(0, palette_size[box_image])
    box_class = palettes[box_image, pick]
    images = [
        {"id": i + 1, "file_name": f"{i + 1:06d}.jpg", "width": 640, "height": 480}
        for i in range(n_images)
    ]
    return write_boxes(path, images, box_image, box_class, N_CLASSES)


def coco_like_profiles(folder: Path, n_images: int, seed: int) -> Profiles:
    """The profiles of ``coco_like``'s images, one group each, as split builds them."""
    dataset = foldcheck.load_dataset(coco_like(folder / "images.json", n_images, seed))
    return build_profiles(dataset, group_images(dataset, GroupKey.parse("image")), K, "both")


@pytest.mark.parametrize("seed", [36])
def test_rare_class_met_through_a_chain_of_exchanges(tmp_path: Path, seed: int) -> None:
    # Of seeds 1-39, the repair without chains left the worst class past 1.25x its bar on 6
    # (1.29x, now 1.24x) and 36 (1.27x, now 1.18x), both on annotations.
    data = coco_like(tmp_path / "images.json", 6_000, seed)
    folds = foldcheck.split(data, k=K, seed=0)
    balance = foldcheck.report(folds)
    assert over_bar(balance.annotations, balance.conflict_floor) <= 1.25
    assert over_bar(balance.images, balance.conflict_floor) <= 1.25
