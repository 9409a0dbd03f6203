"""Groups of one image each are labelled by the image's id, as text: the labels are made when
read, and read as the list they stand for."""

from __future__ import annotations

from foldcheck import api
from foldcheck.core.groups import GroupKey, group_images
from tests.conftest import SAMPLE


def test_image_groups_are_labelled_by_their_ids() -> None:
    dataset = api.load_dataset(SAMPLE)
    labels = group_images(dataset, GroupKey.parse("image")).labels
    ids = [str(i) for i in dataset.image_ids.tolist()]
    assert len(labels) == len(ids) and list(labels) == ids
    assert labels[0] == ids[0] and labels[-1] == ids[-1] and labels[2:5] == ids[2:5]
    assert "".join(labels) == "".join(ids)
