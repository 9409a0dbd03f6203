"""The ground truth to score against, one row per image of the fold set's reference dataset:
boxes in pixels, areas, crowds, annotation ids and (for mask IoU) masks.

COCO: from the dataset as it was read (its columns, and the few fields COCOeval needs
decoded from its mapped text), or read from the files: the fold files themselves when the
set has no dataset (their records are the dataset's), and wherever a record is not of the
usual shape (the general path names it). YOLO: the label files, boxes scaled by each
image's size; annotation ids from 1, so none is 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
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


class _Scored(msgspec.Struct, gc=False):
    """What COCOeval reads of an annotation, in the shape a well-formed file has it."""

    bbox: tuple[float, float, float, float]
    area: float
    iscrowd: int = 0
    id: int | msgspec.UnsetType = msgspec.UNSET


def _coco_truth(reference: Dataset, files: list[Path], masks: bool) -> Truth:
    if not masks and files == [reference.path]:
        read = _truth_as_read(reference)
        if read is not None:
            return read
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


def _truth_as_read(reference: Dataset) -> Truth | None:
    """The truth of a dataset read from its own file, without parsing the file again (at
    Open Images 1/8, 1.5 s where the parse takes 14 s): the reader checked the ids (unique,
    every reference known), so its columns place each annotation; boxes, areas, crowds and
    ids are decoded from the mapped text. None when the dataset was not read from its file,
    or when an annotation is not of the usual shape."""
    from foldcheck.formats.coco.text import TextSource, typed_records

    if not isinstance(reference.source, TextSource):
        return None
    records = typed_records(reference.source, "annotations", list[_Scored])
    if records is None:
        return None
    n = len(records)
    ids = np.fromiter((0 if r.id is msgspec.UNSET else r.id for r in records), np.int64, n)
    # a missing id counts as 0 but is no id 0 (FC6xx names only an id written as 0)
    zero = next(
        (i for i in np.flatnonzero(ids == 0).tolist() if records[i].id is not msgspec.UNSET),
        None,
    )
    order = np.argsort(reference.category_ids, kind="stable")  # COCOeval's class order
    sorted_class = np.empty(len(order), np.intp)
    sorted_class[order] = np.arange(len(order))
    objects = Objects(
        reference.ann_image.astype(np.intp),
        sorted_class[reference.ann_class],
        np.array([r.bbox for r in records], dtype=np.float64).reshape(-1, 4),
        np.fromiter((r.area for r in records), np.float64, n),
        crowd=np.fromiter((r.iscrowd for r in records), np.int64, n) != 0,
        ids=ids,
    )
    names = reference.file_names
    return Truth(
        reference.image_ids.astype(np.int64),
        np.array([_number(v) for v in reference.image_field("width")], dtype=np.float64),
        np.array([_number(v) for v in reference.image_field("height")], dtype=np.float64),
        [_stem(name) for name in names],
        list(names),
        reference.category_ids[order],
        tuple(reference.category_names[i] for i in order.tolist()),
        objects,
        False,
        _id_zero_place(reference.path, zero) if zero is not None else None,
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
    place = _id_zero_place(Path(id_zero[0]), id_zero[1]) if id_zero is not None else None
    return objects, place, runs if masks else None


def _id_zero_place(path: Path, index: int) -> tuple[str, int | None, int | None]:
    """Where annotation ``index``'s id 0 is written."""
    from foldcheck.io.locate import JsonText

    located = JsonText(read_bytes(path)).locate(("annotations", index, "id"))
    line, col = located if located is not None else (None, None)
    return str(path), line, col


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

    text = JsonText(read_bytes(path))
    # at the key; where the record has none, at the record
    place = text.locate(("annotations", index, key)) or text.locate(("annotations", index))
    line, col = place or (None, None)
    return InputError(message, path, line=line, col=col)
