"""pycocotools' own COCOeval on a COCO dict and a results list, for the tests to compare
with: its stats, precision and recall arrays, with its printing kept quiet."""

from __future__ import annotations

import contextlib
import copy
import io
from pathlib import Path
from typing import Any

import pytest

# pycocotools' _mask.pyx predates numpy 2's __array__(copy=...): its warning, not ours.
PYCOCOTOOLS_WARNING = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


def reference_eval(
    gt: dict[str, Any], results: list[dict[str, Any]], iou_type: str = "bbox", images: Any = None
) -> Any:
    import pycocotools.coco
    import pycocotools.cocoeval

    # pycocotools' bundled stubs are narrower than what it accepts (lists of results)
    COCO: Any = pycocotools.coco.COCO
    COCOeval: Any = pycocotools.cocoeval.COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        truth = COCO()
        truth.dataset = copy.deepcopy(gt)
        truth.createIndex()
        found = truth.loadRes(copy.deepcopy(results)) if results else COCO()
        if not results:  # loadRes refuses an empty list; an empty result set scores all 0
            found.dataset = {
                "images": gt["images"],
                "categories": gt["categories"],
                "annotations": [],
            }
            found.createIndex()
        evaluation = COCOeval(truth, found, iou_type)
        if images is not None:
            evaluation.params.imgIds = sorted(int(i) for i in images)
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return evaluation


def yolo_as_coco(data: Path) -> tuple[dict[str, Any], list[str]]:
    """The YOLO set as a COCO dict, read independently: labels and PIL image sizes, image id
    = the image's rank among the sorted keys, category id = class index."""
    import yaml
    from PIL import Image

    root = data.parent
    keys = sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("images/**/*")
        if p.suffix in (".png", ".jpg")
    )
    images, anns = [], []
    for rank, key in enumerate(keys):
        with Image.open(root / key) as im:
            w, h = im.size
        images.append({"id": rank, "width": w, "height": h, "file_name": key})
        label = root / key.replace("images/", "labels/", 1).rsplit(".", 1)[0]
        label = Path(str(label) + ".txt")
        rows = label.read_text().split("\n") if label.exists() else []
        seen = set()
        for line in rows:
            if not line.strip() or line in seen:
                continue
            seen.add(line)
            c, cx, cy, bw, bh = (float(v) for v in line.split())
            box = [(cx - bw / 2) * w, (cy - bh / 2) * h, bw * w, bh * h]
            anns.append(
                {
                    "id": len(anns) + 1,
                    "image_id": rank,
                    "category_id": int(c),
                    "bbox": box,
                    "area": box[2] * box[3],
                    "iscrowd": 0,
                }
            )
    names = yaml.safe_load(data.read_text())["names"]
    names = [names[i] for i in sorted(names)] if isinstance(names, dict) else names
    return {
        "images": images,
        "annotations": anns,
        "categories": [{"id": i, "name": n} for i, n in enumerate(names)],
    }, keys
