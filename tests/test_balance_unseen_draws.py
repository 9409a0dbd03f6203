"""Issue 23 on draws the bench does not use: the conflict floor against enumerated optima, and
split within 1.25x of its bar above ``DESCENT_GROUPS`` images.

The conflict floor (``core.floor.conflict_floor``) bounds the larger of a class's two
deviations (boxes, images containing it) from its crowded groups. The fold holding a group
that packs b boxes into i images gets I >= i images of the class, and the I - i beyond the
group's bring at least the boxes of the class's I - i fewest-box images; with check's
allowance, I must also lie within the image allowance of the share. Each bound is held here
to the best split there is, every split enumerated.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

import foldcheck
from foldcheck.core.floor import ClassCells, conflict_floor
from tests.test_split_repair_chain import coco_like
from tests.test_split_video import over_bar, write_boxes

TOLERANCE = 0.1  # check's default, which split aims for


def images_of(
    boxes_per_image: list[list[int]],
) -> tuple[list[dict[str, object]], np.ndarray, np.ndarray]:
    """COCO image records and the (image row, class) of every box, from each image's box
    count per class."""
    images = [
        {"id": i + 1, "file_name": f"{i + 1}.jpg", "width": 64, "height": 64}
        for i in range(len(boxes_per_image))
    ]
    box_image, box_class = [], []
    for row, counts in enumerate(boxes_per_image):
        for cls, count in enumerate(counts):
            box_image += [row] * count
            box_class += [cls] * count
    return images, np.array(box_image), np.array(box_class)


def every_split(n_images: int, k: int) -> np.ndarray:
    """[splits, images]: every assignment of the images to k non-empty folds."""
    splits = np.array(list(itertools.product(range(k), repeat=n_images)), dtype=np.int8)
    return splits[(np.stack([(splits == f).any(axis=1) for f in range(k)])).all(axis=0)]


def enumerated_optima(counts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """[classes] x 2 for images with ``counts`` ([images, classes] boxes): the least, over every
    split, of the larger of a class's two worst deviations; and the least over the splits whose
    two rows of that class check accepts (every split where none is accepted)."""
    presence = (counts > 0).astype(np.int64)
    splits = every_split(len(counts), k)
    deviation, accepted = [], []
    for per_image in (counts, presence):
        expected = per_image.sum(axis=0) / k
        largest = per_image.max(axis=0)
        allowed = np.maximum(TOLERANCE * expected, largest)
        in_fold = np.stack([(splits == f).astype(np.int64) @ per_image for f in range(k)])
        off = np.abs(in_fold - expected)  # [folds, splits, classes]
        deviation.append((off / expected).max(axis=0))
        accepted.append((off <= allowed).all(axis=0))
    larger = np.maximum(*deviation)
    both = accepted[0] & accepted[1]
    some = both.any(axis=0)
    optimum_accepted = np.where(
        some, np.where(both, larger, np.inf).min(axis=0), larger.min(axis=0)
    )
    return larger.min(axis=0), optimum_accepted


def floors_of(path: Path, counts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The conflict floor over every split (``core.floor``, each image a group) and the one
    the balance table shows (over the splits check accepts), per class."""
    presence = counts > 0
    image, cls = np.nonzero(presence)
    cells = ClassCells(cls, counts[image, cls], np.ones(len(cls), np.int64))
    unconstrained = conflict_floor(counts.sum(axis=0) / k, presence.sum(axis=0) / k, cells)
    shown = foldcheck.report(foldcheck.split(path, k=k, seed=0)).conflict_floor
    return unconstrained, shown


def assert_bounds(tmp_path: Path, boxes_per_image: list[list[int]], k: int) -> np.ndarray:
    """Both conflict floors never above their enumerated optima; the optima returned."""
    images, box_image, box_class = images_of(boxes_per_image)
    counts = np.array(boxes_per_image)
    path = write_boxes(tmp_path / "data.json", images, box_image, box_class, counts.shape[1])
    unconstrained, shown = floors_of(path, counts, k)
    optimum, optimum_accepted = enumerated_optima(counts, k)
    assert (unconstrained <= optimum + 1e-9).all(), (unconstrained, optimum)
    assert (shown <= optimum_accepted + 1e-9).all(), (shown, optimum_accepted)
    return np.stack([unconstrained, shown, optimum, optimum_accepted])


def test_the_fewest_box_images_fill_the_crowded_fold(tmp_path: Path) -> None:
    """One image of 10 boxes and eight of 4 (K = 3: 14 boxes and 3 images a fold). The fold
    with the crowded image has 3 images and 18 boxes, or 2 images (a third short) and 14: the
    best split is 28.6 % off on one kind. Counting one box per other image, the bound was 0."""
    bounds = assert_bounds(tmp_path, [[10]] + [[4]] * 8, k=3)
    unconstrained, shown, optimum, _ = bounds[:, 0]
    assert unconstrained == pytest.approx(4 / 14) == pytest.approx(optimum)
    assert shown == pytest.approx(4 / 14)


def test_checks_allowance_raises_the_bound_to_what_split_may_write(tmp_path: Path) -> None:
    """coco-shaped 8,192 images, seed 1's class 26 (one image of 22 of its 66 boxes, 26
    others of a few) in small: 8 boxes in one image and 11 one-box images, K = 3. The best
    split gives the crowded image's fold 2 images (9 boxes: 42 % over, 50 % under on images);
    check refuses 2 images where 4 are a share (allowed: 1), so every split it accepts has 3
    there and pays 57.9 % on boxes. The table's floor is that one."""
    bounds = assert_bounds(tmp_path, [[8]] + [[1]] * 11, k=3)
    unconstrained, shown, optimum, optimum_accepted = bounds[:, 0]
    assert unconstrained == pytest.approx(0.5) == pytest.approx(optimum)
    assert shown == pytest.approx(11 / 19) == pytest.approx(optimum_accepted)


@pytest.mark.parametrize("seed", range(6))
def test_conflict_floors_never_beat_the_enumerated_optima(tmp_path: Path, seed: int) -> None:
    """Random small sets with crowded images (2 classes, 8 or 9 images, K = 3..5)."""
    rng = np.random.default_rng(seed)
    k = 3 + seed % 3
    n_images = 9 if k == 3 else 8
    counts = rng.integers(0, 4, size=(n_images, 2))
    counts[rng.integers(0, n_images), 0] = int(rng.integers(6, 14))  # the crowded image
    counts[counts.sum(axis=1) == 0, 1] = 1  # no image without boxes
    assert ((counts > 0).sum(axis=0) >= k).all(), "every class spreadable, for the test"
    bounds = assert_bounds(tmp_path, counts.tolist(), k)
    assert bounds[1].max() > 0, "the instance should crowd some class, or the test shows nothing"


@pytest.mark.parametrize(("n_images", "seed"), [(8_192, 4)])
def test_goals_missed_by_the_sampled_search_are_met(
    tmp_path: Path, n_images: int, seed: int
) -> None:
    """Above DESCENT_GROUPS the sampled search and repair stopped with a class a box or two
    past its goal where no single move or swap met it (2.05x its bar here); the exhaustive
    search then finds the exchanges that do."""
    data = coco_like(tmp_path / "images.json", n_images, seed)
    balance = foldcheck.report(foldcheck.split(data, k=5, seed=0))
    assert over_bar(balance.annotations, balance.conflict_floor) <= 1.25
    assert over_bar(balance.images, balance.conflict_floor) <= 1.25
