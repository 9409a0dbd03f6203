"""The ground truth to score against, one row per image of the fold set's reference dataset:
boxes in pixels, areas, crowds, annotation ids and (for mask IoU) masks.

COCO: read from the dataset file, or from the fold files themselves when the set has no
dataset (their records are the dataset's). YOLO: the label files, boxes scaled by each
image's size; annotation ids from 1, so none is 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from foldcheck.core.dataset import Dataset
from foldcheck.errors import InputError
from foldcheck.io.jsonio import parse_json, read_bytes
from foldcheck.metrics.cocoeval import Objects
from foldcheck.metrics.masks import Runs, runs_from_polygons, runs_from_rle


@dataclass(frozen=True, eq=False)
class Truth:
    image_ids: np.ndarray  # int64 per reference row: the id COCOeval orders images by
    width: np.ndarray  # float64 per row (NaN: unknown)
    height: np.ndarray
    stems: list[str]  # per row: the file name's stem (Ultralytics' image_id)
    file_names: list[str]
    class_ids: np.ndarray  # int64: the dataset's category ids (YOLO: class indices)
    class_names: tuple[str, ...]
    objects: Objects  # cls indexes class_ids; image indexes rows
    is_yolo: bool
    id_zero: tuple[str, int | None, int | None] | None = None  # where an annotation id is 0
    masks_of: list[Runs] | None = field(default=None, repr=False)


def truth_of(reference: Dataset, files: list[Path], masks: bool) -> Truth:
    """The ground truth of ``reference``'s images; COCO annotations come from ``files`` (the
    first file that lists an image gives its annotations)."""
    yolo = getattr(reference, "yolo", None)
    if yolo is not None:
        if masks:
            raise InputError(
                "--iou-type segm needs masks: a YOLO detection dataset's labels are boxes",
                reference.path,
            )
        return _yolo_truth(reference, yolo)
    return _coco_truth(reference, files, masks)


def _stem(name: str) -> str:
    return Path(name.replace("\\", "/")).stem


def _yolo_truth(reference: Dataset, yolo: Any) -> Truth:
    xywh = yolo.ann_xywh.astype(np.float64)
    w = yolo.width[yolo.ann_image]
    h = yolo.height[yolo.ann_image]
    boxes = np.column_stack(
        [
            (xywh[:, 0] - xywh[:, 2] / 2) * w,
            (xywh[:, 1] - xywh[:, 3] / 2) * h,
            xywh[:, 2] * w,
            xywh[:, 3] * h,
        ]
    )
    n = len(yolo.ann_image)
    objects = Objects(
        yolo.ann_image.astype(np.intp),
        yolo.ann_class.astype(np.intp),
        boxes,
        boxes[:, 2] * boxes[:, 3],
        crowd=np.zeros(n, bool),
        ids=np.arange(1, n + 1, dtype=np.int64),
    )
    return Truth(
        np.arange(len(yolo.keys), dtype=np.int64),
        yolo.width,
        yolo.height,
        [_stem(k) for k in yolo.keys],
        list(yolo.keys),
        np.arange(len(yolo.data.names), dtype=np.int64),
        tuple(yolo.data.names),
        objects,
        True,
    )


def _coco_truth(reference: Dataset, files: list[Path], masks: bool) -> Truth:
    rows = reference.image_index
    n = reference.n_images
    width, height = np.full(n, np.nan), np.full(n, np.nan)
    names = [""] * n
    done = np.zeros(n, bool)
    class_ids: np.ndarray | None = None
    class_names: tuple[str, ...] = ()
    anns: list[tuple[int, dict[str, Any], Path, int]] = []
    for path in files:
        document = parse_json(read_bytes(path), path)
        if not isinstance(document, dict):
            raise InputError("not a COCO dataset (expected an object)", path)
        if class_ids is None and document.get("categories"):
            cats = document["categories"]
            class_ids = np.array([c["id"] for c in cats], dtype=np.int64)
            class_names = tuple(str(c.get("name", c["id"])) for c in cats)
        fresh: set[int] = set()
        for image in document.get("images", []):
            row = rows.get(image.get("id"))
            if row is None or done[row]:
                continue
            done[row] = True
            fresh.add(image["id"])
            width[row], height[row] = _number(image.get("width")), _number(image.get("height"))
            names[row] = str(image.get("file_name", ""))
        for index, ann in enumerate(document.get("annotations", [])):
            if ann.get("image_id") in fresh:
                anns.append((rows[ann["image_id"]], ann, path, index))
    if class_ids is None:
        class_ids, class_names = reference.category_ids, reference.category_names
    order = np.argsort(class_ids, kind="stable")
    class_ids = class_ids[order]
    class_names = tuple(str(class_names[i]) for i in order.tolist())
    objects, id_zero, runs = _annotations(anns, class_ids, width, height, masks)
    return Truth(
        reference.image_ids.astype(np.int64),
        width,
        height,
        [_stem(name) for name in names],
        names,
        class_ids,
        class_names,
        objects,
        False,
        id_zero,
        runs,
    )


def _number(value: Any) -> float:
    return (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) else np.nan
    )


def _annotations(
    anns: list[tuple[int, dict[str, Any], Path, int]],
    class_ids: np.ndarray,
    width: np.ndarray,
    height: np.ndarray,
    masks: bool,
) -> tuple[Objects, tuple[str, int | None, int | None] | None, list[Runs] | None]:
    image, cls, boxes, area, crowd, ids = [], [], [], [], [], []
    runs: list[Runs] = []
    id_zero = None
    for row, ann, path, index in anns:
        category = ann.get("category_id")
        if not isinstance(category, int):
            continue  # validate reports it
        where = int(np.searchsorted(class_ids, category))
        if where >= len(class_ids) or class_ids[where] != category:
            continue  # a category the file does not declare: check and validate report it
        box = ann.get("bbox")
        if not (isinstance(box, list) and len(box) == 4):
            raise _bad(path, index, "bbox", 'an annotation whose "bbox" is not four numbers')
        if not isinstance(ann.get("area"), int | float):
            raise _bad(
                path, index, "area", 'an annotation without a numeric "area" (COCOeval needs it)'
            )
        if ann.get("id") == 0 and id_zero is None:
            id_zero = (str(path), index)
        image.append(row)
        cls.append(int(where))
        boxes.append(box)
        area.append(float(ann["area"]))
        crowd.append(bool(ann.get("iscrowd", 0)))
        ids.append(int(ann.get("id", 0)))
        if masks:
            runs.append(_mask(ann, path, index, int(height[row]), int(width[row])))
    objects = Objects(
        np.asarray(image, dtype=np.intp),
        np.asarray(cls, dtype=np.intp),
        np.asarray(boxes, dtype=np.float64).reshape(-1, 4),
        np.asarray(area, dtype=np.float64),
        crowd=np.asarray(crowd, dtype=bool),
        ids=np.asarray(ids, dtype=np.int64),
        masks=runs if masks else None,
    )
    place = None
    if id_zero is not None:
        from foldcheck.io.locate import JsonText

        path_text, index = id_zero
        located = JsonText(read_bytes(Path(path_text))).locate(("annotations", index, "id"))
        line, col = located if located is not None else (None, None)
        place = (path_text, line, col)
    return objects, place, runs if masks else None


def _mask(ann: dict[str, Any], path: Path, index: int, h: int, w: int) -> Runs:
    segmentation = ann.get("segmentation")
    if (
        isinstance(segmentation, list)
        and segmentation
        and all(isinstance(p, list) and len(p) >= 6 for p in segmentation)
    ):
        return runs_from_polygons(segmentation, h, w)
    if isinstance(segmentation, dict):
        runs = runs_from_rle(segmentation)
        if runs is not None and (runs.height, runs.width) == (h, w):
            return runs
    raise _bad(
        path,
        index,
        "segmentation",
        "an annotation without a mask COCOeval can read (polygons of 3+ points, or an RLE "
        "of its image's size): foldcheck validate says more",
    )


def _bad(path: Path, index: int, key: str, message: str) -> InputError:
    from foldcheck.io.locate import JsonText

    line, col = JsonText(read_bytes(path)).locate(("annotations", index, key)) or (None, None)
    return InputError(message, path, line=line, col=col)
