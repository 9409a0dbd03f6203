"""The report's fold sizes (core/overview.py) against a count made image by image."""

from __future__ import annotations

import numpy as np
import pytest

from foldcheck import api
from foldcheck.core.assignment import FoldAssignment, Holdout
from foldcheck.core.dataset import SIZE_BUCKETS
from foldcheck.core.groups import GroupKey, group_images
from foldcheck.core.overview import OVERVIEW_ROWS, column_counts
from tests.conftest import SAMPLE


@pytest.mark.parametrize("group_by", ["image", "video_id"])
def test_sizes_equal_a_count_image_by_image(group_by: str) -> None:
    dataset = api.load_dataset(SAMPLE)
    groups = group_images(dataset, GroupKey.parse(group_by))
    rng = np.random.default_rng(0)
    fold = rng.integers(0, 3, groups.count)[groups.of_image]  # whole groups, as a split
    held = fold == 2
    fold[held] = -1
    assignment = FoldAssignment(dataset, groups, 2, fold.astype(np.intp), holdout=Holdout(held))
    sizes = column_counts(assignment).overview().sizes
    column = np.where(held, 2, fold)
    for c in range(3):
        rows = np.flatnonzero(column == c)
        boxes = np.isin(dataset.ann_image, rows)
        expected = {
            "images": len(rows),
            "boxes": int(boxes.sum()),
            "groups": len(set(groups.of_image[rows].tolist())),
            **{
                f"{name} boxes": int((dataset.ann_size[boxes] == b).sum())
                for b, (name, _) in enumerate(SIZE_BUCKETS)
            },
        }
        assert dict(zip(OVERVIEW_ROWS, sizes[:, c].tolist(), strict=True)) == expected
