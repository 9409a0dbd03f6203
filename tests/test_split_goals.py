"""split reaches its goal on long-tailed data: every class within 1.25x the floor of its kind.

Datasets shaped like LVIS or Open Images (image grouping, hundreds of classes with a Zipf
tail, so many classes hold 50-100 images and the floor is integer rounding) are drawn with
several seeds. The quadratic search alone (with its reweighting) left these draws' annotations
at 1.4-2.1x their floor (and the bench's LVIS image presence at 1.5-1.8x: a class of 51 images
with 9 in one fold where 10.2 is an equal share); the repair of the cells past their goal
brings both kinds within 1.25x.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import foldcheck
from foldcheck.core.floor import deviation_floor
from tests.conftest import write_coco

K = 5
N_CLASSES = 400
MIN_ITEMS = 50  # classes scored, as the bench scores them


def long_tailed(path: Path, n_images: int, seed: int) -> Path:
    """Images with 1-3 classes from a Zipf tail and 1-2 boxes of each (so no image crowds a
    class: the floor is rounding and each kind can reach it)."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, N_CLASSES + 1) ** 1.1
    popularity /= popularity.sum()
    images, annotations = [], []
    for image_id in range(1, n_images + 1):
        images.append({"id": image_id, "file_name": f"{image_id}.jpg", "width": 64, "height": 64})
        for cls in rng.choice(N_CLASSES, size=int(rng.integers(1, 4)), replace=False, p=popularity):
            for _ in range(int(rng.integers(1, 3))):
                annotations.append(
                    {
                        "id": len(annotations) + 1,
                        "image_id": image_id,
                        "category_id": int(cls) + 1,
                        "bbox": [0, 0, 8, 8],
                        "area": 64,
                        "iscrowd": 0,
                    }
                )
    categories = [{"id": c + 1, "name": f"class{c}"} for c in range(N_CLASSES)]
    return write_coco(path, images, annotations, categories)


def over_floor(items_image: np.ndarray, items_class: np.ndarray, fold: np.ndarray) -> float:
    """The worst class's deviation over the worst floor, among classes of >= 50 items (each
    image is its own group, so its largest group is its most items in one image)."""
    totals = np.bincount(items_class, minlength=N_CLASSES)
    per_fold = np.zeros((K, N_CLASSES))
    np.add.at(per_fold, (fold[items_image], items_class), 1)
    cells, counts = np.unique(items_image * N_CLASSES + items_class, return_counts=True)
    largest = np.zeros(N_CLASSES)
    np.maximum.at(largest, cells % N_CLASSES, counts)
    expected = totals / K
    scored = totals >= MIN_ITEMS
    deviation = np.abs(per_fold - expected).max(axis=0)[scored] / expected[scored]
    return float(deviation.max() / deviation_floor(expected, largest)[scored].max())


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_both_kinds_within_1_25x_their_floor(tmp_path: Path, seed: int) -> None:
    dataset = foldcheck.load_dataset(long_tailed(tmp_path / "data.json", 6_000, seed))
    fold = foldcheck.split(dataset, k=K, seed=seed).fold_of_image
    image, cls = dataset.ann_image, dataset.ann_class
    pairs = np.unique(image.astype(np.int64) * N_CLASSES + cls)
    assert over_floor(image, cls, fold) <= 1.25
    assert over_floor(pairs // N_CLASSES, pairs % N_CLASSES, fold) <= 1.25
