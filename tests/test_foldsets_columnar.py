"""COCO fold files on the check path, read by the columnar reader: each side places its
images as a parse of the whole file would, and the union of the sides (the reference when no
dataset is given) holds what a union of the parsed documents holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from foldcheck.checks.context import _union_reference
from foldcheck.formats.foldsets import coco_side, read_pair_set
from foldcheck.io.locate import JsonText
from tests.coco_reference import parsed_dataset


def _fold_document(ids: list[int], video: bool = True) -> dict[str, Any]:
    images = [
        {"id": i, "file_name": f"ü/{i}.jpg", "width": 8, **({"video_id": i // 2} if video else {})}
        for i in ids
    ]
    annotations = [
        {"id": 10 * i + j, "image_id": i, "category_id": 1 + (i + j) % 2, "bbox": [0, 0, 2, 3]}
        for i in ids
        for j in range(i % 3)
    ]
    categories = [{"id": 1, "name": "a"}, {"id": 2, "name": "ß"}]
    return {"images": images, "annotations": annotations, "categories": categories}


@pytest.mark.parametrize("indent", [None, 2])
def test_a_coco_side_places_each_image_id_as_the_whole_file_parse(
    tmp_path: Path, indent: int | None
) -> None:
    path = tmp_path / "val_fold0.json"
    path.write_text(json.dumps(_fold_document(list(range(1, 9))), indent=indent))
    side = coco_side(path)
    whole = JsonText(path.read_bytes())
    assert [side.locate(i) for i in range(len(side))] == [
        whole.locate(("images", i, "id")) for i in range(len(side))
    ]


def test_the_union_of_coco_sides_equals_the_union_of_their_documents(tmp_path: Path) -> None:
    folds = [[1, 2, 3, 4], [5, 6, 7], [8, 9, 2]]  # image 2 also in fold 2: first listing wins
    documents: list[dict[str, Any]] = []
    for fold, val in enumerate(folds):
        train = sorted({i for other in folds if other is not val for i in other} - set(val))
        for name, ids in (("val", val), ("train", train)):
            document = _fold_document(ids, video=fold != 1)
            if name == "val":
                documents.append(document)
            (tmp_path / f"{name}_fold{fold}.json").write_text(json.dumps(document))
    fold_set = read_pair_set(tmp_path)
    union = _union_reference(fold_set)

    trains = [json.loads((tmp_path / f"train_fold{f}.json").read_text()) for f in range(3)]
    seen: set[int] = set()
    images: list[Any] = []
    annotations: list[Any] = []
    for document in [*documents, *trains]:
        fresh = {r["id"] for r in document["images"] if r["id"] not in seen}
        images += [r for r in document["images"] if r["id"] in fresh]
        annotations += [a for a in document["annotations"] if a["image_id"] in fresh]
        seen |= fresh
    expected = parsed_dataset(
        {"images": images, "annotations": annotations, "categories": documents[0]["categories"]},
        tmp_path,
    )
    for name in ("image_ids", "category_ids", "ann_image", "ann_class", "ann_area"):
        assert np.array_equal(getattr(union, name), getattr(expected, name)), name
    assert union.category_names == expected.category_names
    assert union.file_names == expected.file_names
    assert union.image_field("video_id") == expected.image_field("video_id")
