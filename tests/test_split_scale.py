"""The split step at scale: profiles, the bulk path (deal + chained refinement), group keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import foldcheck
from foldcheck.core.dataset import SIZE_BUCKETS, Dataset
from foldcheck.core.groups import GroupKey, Groups, group_images
from foldcheck.splitter import greedy
from foldcheck.splitter.deal import deal
from foldcheck.splitter.profiles import Profiles, build_profiles
from foldcheck.splitter.refine_bulk import refine_bulk
from tests.coco_reference import parsed_dataset

MODE_WEIGHTS = {"both": (1.0, 1.0), "annotations": (1.0, 0.05), "images": (0.05, 1.0)}


def _profiles_by_one_sort(dataset: Dataset, groups: Groups, k: int, stratify: str) -> Profiles:
    """The previous formulation: every counted item's (group, column) key, one np.unique."""
    n_classes = dataset.n_classes
    ann_group = groups.of_image[dataset.ann_image]
    pair_image, pair_class = dataset.image_class_pairs
    unannotated = np.bincount(dataset.ann_image, minlength=dataset.n_images) == 0
    sized = dataset.ann_size >= 0
    ann_weight, image_weight = MODE_WEIGHTS[stratify]
    blocks = [
        (ann_group, dataset.ann_class, n_classes, ann_weight),
        (groups.of_image[pair_image], pair_class, n_classes, image_weight),
        (groups.of_image, 0, 1, 1.0),
        (ann_group, 0, 1, 1.0),
        (groups.of_image[unannotated], 0, 1, 1.0),
        (ann_group[sized], dataset.ann_size[sized], len(SIZE_BUCKETS), 1.0),
    ]
    n_columns = sum(width for _, _, width, _ in blocks)
    keys, mode, offset = [], [], 0
    for group, column, width, weight in blocks:
        keys.append(group.astype(np.int64) * n_columns + offset + column)
        mode.append(np.full(width, weight))
        offset += width
    cells, counts = np.unique(np.concatenate(keys), return_counts=True)
    group, column = cells // n_columns, cells % n_columns
    value = counts.astype(np.float64)
    targets = np.bincount(column, weights=value, minlength=n_columns) / k
    largest = np.zeros(n_columns)
    np.maximum.at(largest, column, value)
    weights = np.concatenate(mode) / np.maximum.reduce([targets, largest, np.ones(n_columns)]) ** 2
    indptr = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=groups.count))])
    return Profiles(indptr, column, value, weights, targets, largest)


@pytest.mark.parametrize("group_by", ["image", "video_id"])
@pytest.mark.parametrize("stratify", ["both", "annotations", "images"])
def test_profiles_equal_the_one_sort_formulation(
    sample: Path, group_by: str, stratify: str
) -> None:
    dataset = foldcheck.load_dataset(sample)
    groups = group_images(dataset, GroupKey.parse(group_by))
    ours = build_profiles(dataset, groups, 5, stratify)
    reference = _profiles_by_one_sort(dataset, groups, 5, stratify)
    for name in ("indptr", "columns", "values", "weights", "targets", "largest"):
        assert np.array_equal(getattr(ours, name), getattr(reference, name)), name


@pytest.fixture
def bulk_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bulk path's thresholds scaled down 5x, so that a test-sized problem takes it."""
    monkeypatch.setattr(greedy, "BULK_GROUPS", 10_000)
    monkeypatch.setattr(greedy, "EXACT_HEAD", 2_048)


@pytest.fixture(scope="module")
def many_images(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """12,000 images (more than the scaled bulk threshold), 40 long-tailed classes, 1 % empty."""
    rng = np.random.default_rng(11)
    n_images, n_classes = 12_000, 40
    popularity = 1.0 / np.arange(1, n_classes + 1)
    counts = rng.poisson(2.5, n_images)
    counts[rng.random(n_images) < 0.01] = 0
    ann_image = np.repeat(np.arange(n_images), counts)
    ann_class = rng.choice(n_classes, len(ann_image), p=popularity / popularity.sum())
    area = rng.uniform(16, 200, len(ann_image)) ** 2
    document = {
        "images": [{"id": i + 1, "file_name": f"{i}.jpg"} for i in range(n_images)],
        "annotations": [
            {"id": a + 1, "image_id": int(i) + 1, "category_id": int(c) + 1, "area": float(s)}
            for a, (i, c, s) in enumerate(zip(ann_image, ann_class, area, strict=True))
        ],
        "categories": [{"id": c + 1, "name": f"c{c}"} for c in range(n_classes)],
    }
    path = tmp_path_factory.mktemp("many") / "many.json"
    path.write_text(json.dumps(document))
    return foldcheck.load_dataset(path)


@pytest.mark.usefixtures("bulk_scale")
def test_bulk_path_balances_many_groups_as_well_as_the_exact_path(many_images: Dataset) -> None:
    groups = group_images(many_images, GroupKey.parse("image"))
    profiles = build_profiles(many_images, groups, 5, "both")
    assert profiles.n_groups > greedy.BULK_GROUPS  # so the default is the bulk path
    bulk = greedy.assign_folds(profiles, 5, seed=0)
    exact = greedy.assign_folds(profiles, 5, seed=0, bulk=False)
    assert profiles.objective(bulk, 5) <= 1.02 * profiles.objective(exact, 5)
    sizes = np.bincount(bulk, minlength=5)
    assert sizes.max() - sizes.min() <= 0.001 * sizes.mean()


@pytest.mark.usefixtures("bulk_scale")
def test_bulk_path_is_deterministic_per_seed(many_images: Dataset) -> None:
    first = foldcheck.split(many_images, k=5, seed=3).fold_of_image
    again = foldcheck.split(many_images, k=5, seed=3).fold_of_image
    other = foldcheck.split(many_images, k=5, seed=4).fold_of_image
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("group_by", ["image", "video_id"])
def test_bulk_path_on_a_small_problem_keeps_groups_whole_and_fills_every_fold(
    sample: Path, group_by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No exact head: everything but the last partial block is dealt.
    monkeypatch.setattr(greedy, "EXACT_HEAD", 0)
    dataset = foldcheck.load_dataset(sample)
    groups = group_images(dataset, GroupKey.parse(group_by))
    profiles = build_profiles(dataset, groups, 5, "both")
    fold_of_group = greedy.assign_folds(profiles, 5, seed=0, bulk=True)
    assert np.array_equal(fold_of_group, greedy.assign_folds(profiles, 5, seed=0, bulk=True))
    assert set(fold_of_group.tolist()) == set(range(5))
    exact = greedy.assign_folds(profiles, 5, seed=0, bulk=False)
    assert profiles.objective(fold_of_group, 5) <= 2 * profiles.objective(exact, 5)


def test_deal_gives_every_fold_one_group_of_each_block(sample: Path) -> None:
    dataset = foldcheck.load_dataset(sample)
    profiles = build_profiles(dataset, group_images(dataset, GroupKey.parse("image")), 5, "both")
    load = np.zeros((5, len(profiles.targets)))
    fold_of_group = np.full(profiles.n_groups, -1)
    order = np.arange(profiles.n_groups - 3)  # 237 groups: 47 blocks and 2 left over
    assert deal(profiles, order, load, fold_of_group, placed=0) == 235
    assert np.bincount(fold_of_group[:235], minlength=5).tolist() == [47] * 5
    assert (fold_of_group[235:] == -1).all()
    placed = fold_of_group >= 0
    expected = np.zeros_like(load)
    for group in np.flatnonzero(placed).tolist():
        start, stop = profiles.indptr[group], profiles.indptr[group + 1]
        expected[fold_of_group[group], profiles.columns[start:stop]] += profiles.values[start:stop]
    assert np.allclose(load, expected)


def test_refine_bulk_lowers_j_and_never_empties_a_fold(sample: Path) -> None:
    dataset = foldcheck.load_dataset(sample)
    profiles = build_profiles(dataset, group_images(dataset, GroupKey.parse("image")), 5, "both")
    rng = np.random.default_rng(0)
    start = rng.integers(1, 5, profiles.n_groups)
    start[17] = 0  # fold 0 holds a single group
    fold_of_group = start.copy()
    refine_bulk(profiles, fold_of_group, 5, np.random.default_rng(1))
    assert profiles.objective(fold_of_group, 5) < 0.5 * profiles.objective(start, 5)
    assert np.bincount(fold_of_group, minlength=5).min() >= 1


def _numbered_by_dict(values: list[Any]) -> tuple[list[int], list[str]]:
    """group_images' numbering as a dict does it: first appearance, Python equality."""
    index: dict[Any, int] = {}
    of_image = [
        index.setdefault(("own", row) if v is None else v, len(index))
        for row, v in enumerate(values)
    ]
    labels = [f"image {key[1] + 1}" if isinstance(key, tuple) else str(key) for key in index]
    return of_image, labels


@pytest.mark.parametrize(
    "values",
    [
        [5, 3, 5, 9, 3, 1],
        ["b", "a", "b", "c", "a"],
        ["1", 1, "1", 2],  # a string and an integer are different keys
        [True, 1, 2, False, 0],  # booleans equal 1 and 0, as in the dict
        [2**70, 1, 2**70],  # beyond int64
        [7, None, 7, None, 8],  # no key: a group of its own
        ["x", None, "y", "x"],
    ],
)
def test_field_keys_are_numbered_by_first_appearance(values: list[Any]) -> None:
    document = {
        "images": [
            {"id": row + 1, **({} if value is None else {"video_id": value})}
            for row, value in enumerate(values)
        ],
        "annotations": [],
        "categories": [{"id": 1, "name": "cat"}],
    }
    dataset = parsed_dataset(document)
    groups = group_images(dataset, GroupKey.parse("video_id"), missing="own")
    of_image, labels = _numbered_by_dict(values)
    assert groups.of_image.tolist() == of_image
    assert groups.labels == labels
