"""foldcheck.metrics.cocoeval against pycocotools' COCOeval itself: the same precision and
recall arrays, bit for bit, hence the same twelve stats, for boxes and masks, with its
quirks (tied scores, an annotation id of 0, crowds, more than 100 detections per class)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from foldcheck.metrics.cocoeval import Objects, evaluate
from foldcheck.metrics.masks import runs_from_polygons, runs_from_rle
from tests.cocoeval_reference import PYCOCOTOOLS_WARNING, reference_eval
from tests.predictions import noisy_predictions

pytest.importorskip("pycocotools")
pytestmark = PYCOCOTOOLS_WARNING


def _dataset(rng: np.random.Generator, images: int = 30) -> dict[str, Any]:
    """A COCO dict with ids out of order, a class no annotation uses, an annotation id 0,
    crowds (as RLE) and polygons."""
    import pycocotools.mask as mask_utils

    ids = (rng.permutation(images) + 1) * 3
    records = [{"id": int(i), "width": 120, "height": 90, "file_name": f"{i}.jpg"} for i in ids]
    cats = [{"id": c, "name": f"c{c}"} for c in (7, 2, 9, 4)]
    anns = []
    for image in records:
        for _ in range(int(rng.integers(0, 7))):
            x, y = rng.uniform(0, 90), rng.uniform(0, 60)
            w, h = rng.uniform(3, 60), rng.uniform(3, 45)
            crowd = rng.random() < 0.08
            poly = [x, y, x + w, y, x + w, y + h, x + w * 0.3, y + h]
            segmentation: Any = [[float(v) for v in poly]]
            if crowd:
                rle = mask_utils.merge(mask_utils.frPyObjects(segmentation, 90, 120))
                counts = mask_utils.decode(rle).ravel(order="F")
                change = np.flatnonzero(np.diff(np.concatenate([[0], counts, [1 - counts[-1]]])))
                segmentation = {
                    "size": [90, 120],
                    "counts": np.diff(np.concatenate([[0], change])).tolist(),
                }
            anns.append(
                {
                    "id": len(anns),
                    "image_id": image["id"],
                    "category_id": cats[int(rng.integers(3))]["id"],
                    "bbox": [x, y, w, h],
                    "area": float(w * h * rng.uniform(0.5, 1.1)),
                    "iscrowd": int(crowd),
                    "segmentation": segmentation,
                }
            )
    return {"images": records, "categories": cats, "annotations": anns}


def _objects(
    gt: dict[str, Any], results: list[dict[str, Any]], segm: bool
) -> tuple[Objects, Objects, int, int]:
    image_ids = np.array(sorted(im["id"] for im in gt["images"]))
    cat_ids = np.array(sorted(c["id"] for c in gt["categories"]))
    anns = gt["annotations"]

    def masks(records: list[dict[str, Any]]) -> Any:
        if not segm:
            return None
        out = []
        for r in records:
            s = r["segmentation"]
            out.append(runs_from_polygons(s, 90, 120) if isinstance(s, list) else runs_from_rle(s))
        return out

    truth = Objects(
        np.searchsorted(image_ids, [a["image_id"] for a in anns]),
        np.searchsorted(cat_ids, [a["category_id"] for a in anns]),
        np.array([a["bbox"] for a in anns], float).reshape(-1, 4),
        np.array([a["area"] for a in anns], float),
        crowd=np.array([bool(a["iscrowd"]) for a in anns]),
        ids=np.array([a["id"] for a in anns], np.int64),
        masks=masks(anns),
    )
    boxes = np.array([r["bbox"] for r in results], float).reshape(-1, 4)
    found = Objects(
        np.searchsorted(image_ids, [r["image_id"] for r in results]),
        np.searchsorted(cat_ids, [r["category_id"] for r in results]),
        boxes,
        boxes[:, 2] * boxes[:, 3],
        scores=np.array([r["score"] for r in results], float),
        masks=masks(results),
    )
    return truth, found, len(image_ids), len(cat_ids)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
def test_same_arrays_as_cocoeval(seed: int, iou_type: str) -> None:
    rng = np.random.default_rng(seed)
    gt = _dataset(rng)
    results = noisy_predictions(gt, rng, segm=iou_type == "segm")
    crowded = gt["annotations"][1]  # over 100 detections of one class on one image
    for _ in range(120):
        box = [*rng.uniform(0, 60, 2), *rng.uniform(2, 40, 2)]
        results.append(
            {
                **results[0],
                "image_id": crowded["image_id"],
                "category_id": crowded["category_id"],
                "bbox": box,
                "score": float(np.round(rng.uniform(), 1)),
            }
        )
    reference = reference_eval(gt, results, iou_type)
    evaluation = evaluate(*_objects(gt, results, iou_type == "segm"))
    assert np.array_equal(evaluation.precision, reference.eval["precision"])
    assert np.array_equal(evaluation.recall, reference.eval["recall"])
    assert list(evaluation.stats().values()) == list(reference.stats)
    assert min(reference.stats) == -1 or max(reference.stats) > 0.1  # a real, non-trivial score


def test_annotation_id_zero_is_never_found_as_in_cocoeval() -> None:
    gt = {
        "images": [{"id": 1, "width": 50, "height": 50, "file_name": "a.jpg"}],
        "categories": [{"id": 1, "name": "a"}],
        "annotations": [
            {
                "id": 0,
                "image_id": 1,
                "category_id": 1,
                "bbox": [1, 1, 10, 10],
                "area": 100,
                "iscrowd": 0,
            },
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "bbox": [20, 20, 10, 10],
                "area": 100,
                "iscrowd": 0,
            },
        ],
    }
    perfect = [
        {"image_id": 1, "category_id": 1, "bbox": a["bbox"], "score": 0.9}
        for a in gt["annotations"]
    ]
    reference = reference_eval(gt, perfect)
    evaluation = evaluate(*_objects(gt, perfect, False))
    assert (
        evaluation.stats()["AR100"] == reference.stats[8] == 0.5
    )  # a perfect prediction, half found
