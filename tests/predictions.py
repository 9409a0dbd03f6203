"""Detector output made from ground truth, for scoring: what the score tests compare with
pycocotools and what ``bench/score_bench.py`` times (numpy, and pycocotools for masks: no
pytest here, so the benchmark imports it too)."""

from __future__ import annotations

from typing import Any

import numpy as np


def noisy_predictions(
    gt: dict[str, Any],
    rng: np.random.Generator,
    segm: bool = False,
    ties: bool = True,
    per_image: int | None = None,
) -> list[dict[str, Any]]:
    """Predictions made from the ground truth ``gt`` (a COCO dict): jittered boxes (and
    masks), misses, wrong classes, false positives, scores rounded so that some tie. Each
    image but the last three also gets 0 to 3 false positives, or with ``per_image`` as many
    as bring it to that many predictions (COCO's maxDets is 100)."""
    mask_utils: Any = None
    if segm:
        import pycocotools.mask

        mask_utils = pycocotools.mask  # its stubs take no polygons

    sizes = {im["id"]: (im["height"], im["width"]) for im in gt["images"]}
    cats = [c["id"] for c in gt["categories"]]
    out: list[dict[str, Any]] = []

    def add(image_id: int, cat: int, box: np.ndarray) -> None:
        h, w = sizes[image_id]
        score = float(np.round(rng.uniform(), 1 if ties else 6))
        record: dict[str, Any] = {
            "image_id": image_id,
            "category_id": cat,
            "bbox": [float(v) for v in box],
            "score": score,
        }
        if segm:
            x, y, bw, bh = box
            poly = [x, y, x + bw * rng.uniform(0.6, 1), y, x + bw, y + bh, x, y + bh * 0.8]
            rle = mask_utils.merge(mask_utils.frPyObjects([[float(v) for v in poly]], h, w))
            record["segmentation"] = {"size": [h, w], "counts": rle["counts"].decode()}
        out.append(record)

    for ann in gt["annotations"]:
        if rng.random() < 0.2:
            continue  # a miss
        for _ in range(int(rng.integers(1, 3))):
            cat = ann["category_id"] if rng.random() < 0.9 else cats[int(rng.integers(len(cats)))]
            add(ann["image_id"], cat, np.asarray(ann["bbox"]) + rng.normal(0, 2, 4))
    made: dict[int, int] = {}
    for record in out:
        made[record["image_id"]] = made.get(record["image_id"], 0) + 1
    for image in gt["images"][: max(len(gt["images"]) - 3, 0)]:  # the last ones: no more
        wanted = (
            int(rng.integers(0, 4)) if per_image is None else per_image - made.get(image["id"], 0)
        )
        for _ in range(wanted):
            box = np.array([*rng.uniform(0, 60, 2), *rng.uniform(2, 40, 2)])
            add(image["id"], cats[int(rng.integers(len(cats)))], box)
    return out
