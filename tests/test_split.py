"""foldcheck.split: groups never split, folds balanced, deterministic, clear refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import foldcheck
from foldcheck.errors import InputError
from tests.conftest import real_dataset, write_coco


def _worst_deviation(counts: np.ndarray) -> float:
    expected = counts.sum(axis=1, keepdims=True) / counts.shape[1]
    return float((np.abs(counts - expected) / expected).max())


def _per_fold(dataset: foldcheck.Dataset, fold_of_image: np.ndarray, k: int) -> np.ndarray:
    counts = np.zeros((dataset.n_classes, k))
    np.add.at(counts, (dataset.ann_class, fold_of_image[dataset.ann_image]), 1)
    return counts


def test_every_video_sits_in_one_fold_and_every_image_in_a_fold(sample: Path) -> None:
    result = foldcheck.split(sample, k=5, group_by="video_id")
    videos = np.array(result.dataset.image_field("video_id"))
    for video in np.unique(videos):
        assert len(np.unique(result.fold_of_image[videos == video])) == 1
    assert set(result.fold_of_image.tolist()) == set(range(5))
    listed = [i for fold in range(5) for i in result.val_image_ids(fold)]
    assert sorted(listed) == sorted(result.dataset.image_ids.tolist())


def test_images_without_annotations_are_spread_over_folds(sample: Path) -> None:
    result = foldcheck.split(sample, k=5)
    empty = np.bincount(result.dataset.ann_image, minlength=result.dataset.n_images) == 0
    assert empty.sum() >= 5
    per_fold = np.bincount(result.fold_of_image[empty], minlength=5)
    assert per_fold.max() - per_fold.min() <= 1


def test_real_export_is_balanced_close_to_what_integers_allow() -> None:
    dataset = foldcheck.load_dataset(real_dataset("car-damage"))
    result = foldcheck.split(dataset, k=5)
    counts = _per_fold(dataset, result.fold_of_image, 5)
    present = counts.sum(axis=1) >= 50
    # Every class with 50+ boxes within 5 % of an equal share, fold sizes within one image.
    assert _worst_deviation(counts[present]) < 0.05
    sizes = np.bincount(result.fold_of_image, minlength=5)
    assert sizes.max() - sizes.min() <= 2


def test_balances_far_better_than_a_random_group_assignment(sample: Path) -> None:
    dataset = foldcheck.load_dataset(sample)
    result = foldcheck.split(dataset, k=5, group_by="video_id")
    ours = _worst_deviation(
        _per_fold(dataset, result.fold_of_image, 5)[dataset.class_counts() >= 100]
    )
    videos = np.array(dataset.image_field("video_id"))
    _, video_index = np.unique(videos, return_inverse=True)
    random_worst = []
    for seed in range(20):
        fold_of_video = np.random.default_rng(seed).integers(0, 5, video_index.max() + 1)
        counts = _per_fold(dataset, fold_of_video[video_index], 5)
        random_worst.append(_worst_deviation(counts[dataset.class_counts() >= 100]))
    assert ours < 0.5 * float(np.median(random_worst))


def test_same_seed_same_folds_other_seed_other_folds(sample: Path) -> None:
    # Image groups: many partitions are equally balanced, and the seed picks among them.
    first = foldcheck.split(sample, k=5, seed=3)
    again = foldcheck.split(sample, k=5, seed=3)
    other = foldcheck.split(sample, k=5, seed=4)
    assert np.array_equal(first.fold_of_image, again.fold_of_image)
    assert not np.array_equal(first.fold_of_image, other.fold_of_image)


def test_regex_group_keeps_augmented_copies_together(tmp_path: Path) -> None:
    images = [{"id": i, "file_name": f"photo{i // 3}_jpg.rf.{i:032x}.jpg"} for i in range(30)]
    annotations = [{"id": i, "image_id": i, "category_id": 1 + i % 2} for i in range(30)]
    path = write_coco(tmp_path / "d.json", images, annotations)
    result = foldcheck.split(path, k=5, group_by=r"re:^(.+)_jpg\.rf\.")
    for stem in range(10):
        assert len(set(result.fold_of_image[stem * 3 : stem * 3 + 3].tolist())) == 1
    assert result.groups.count == 10


def test_missing_group_field_is_an_error_or_its_own_group(tmp_path: Path) -> None:
    images = [{"id": i, "file_name": f"{i}.jpg", "video_id": i // 2} for i in range(10)]
    del images[7]["video_id"]
    path = write_coco(tmp_path / "d.json", images, [])
    with pytest.raises(
        InputError, match=r'no "video_id" field.*pass missing_group=\'own\''
    ) as caught:
        foldcheck.split(path, k=2, group_by="video_id")
    assert caught.value.json_path == "$.images[7]"
    result = foldcheck.split(path, k=2, group_by="video_id", missing_group="own")
    assert result.groups.count == 6  # five videos, and image 7 alone


@pytest.mark.parametrize(
    ("images", "k", "message"),
    [
        (0, 5, "no images to split"),
        (3, 5, "3 groups .* cannot fill 5 folds"),
        (10, 1, "error: k must be at least 2"),
    ],
)
def test_refuses_splits_that_would_leave_empty_folds(
    tmp_path: Path, images: int, k: int, message: str
) -> None:
    path = write_coco(tmp_path / "d.json", [{"id": i} for i in range(images)], [])
    with pytest.raises(InputError, match=message):
        foldcheck.split(path, k=k)


def test_rare_classes_are_named_in_notes(tmp_path: Path) -> None:
    images = [{"id": i} for i in range(20)]
    annotations = [{"id": i, "image_id": i, "category_id": 1} for i in range(20)]
    annotations.append({"id": 99, "image_id": 3, "category_id": 2})
    path = write_coco(
        tmp_path / "d.json",
        images,
        annotations,
        [{"id": 1, "name": "common"}, {"id": 2, "name": "rare"}, {"id": 3, "name": "placeholder"}],
    )
    from foldcheck.commands.split import sparse_class_notes

    sparse = foldcheck.split(path, k=5).sparse_classes
    assert sparse == {"rare": 1, "placeholder": 0}
    assert sparse_class_notes(sparse, 5) == [
        "class 'rare' is in 1 group, fewer than 5 folds: 4 validation folds lack it",
        "class 'placeholder' has no annotations: it is in no fold",
    ]
    many = {f"c{i}": i % 4 + 1 for i in range(30)}
    (summary,) = sparse_class_notes(many, 5)
    assert summary.startswith("30 classes are in fewer groups than the 5 folds")


@pytest.mark.parametrize("stratify", ["annotations", "images"])
def test_stratify_modes_favour_their_kind(sample: Path, stratify: str) -> None:
    dataset = foldcheck.load_dataset(sample)
    result = foldcheck.split(dataset, k=5, stratify=stratify)
    assert set(result.fold_of_image.tolist()) == set(range(5))
    assert result.stratify == stratify


@pytest.mark.parametrize(
    ("group_by", "k"), [("image", 3), ("image", 5), ("video_id", 3), ("video_id", 5)]
)
@pytest.mark.parametrize("seed", [0, 1])
def test_what_split_writes_passes_check(
    tmp_path: Path, sample: Path, group_by: str, k: int, seed: int
) -> None:
    from foldcheck.checks.runner import run_checks
    from foldcheck.cli import main

    out = tmp_path / "folds"
    assert (
        main(
            [
                "split",
                str(sample),
                "-k",
                str(k),
                "--group-by",
                group_by,
                "--seed",
                str(seed),
                "--out",
                str(out),
                "--export",
                "coco,csv",
                "-q",
            ]
        )
        == 0
    )
    assert run_checks([out]).findings == []
