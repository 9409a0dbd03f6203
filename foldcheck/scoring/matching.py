"""Which dataset image and class each prediction means. Detectron2 and MMDetection write the
dataset's own ids. Ultralytics writes the image's file stem as ``image_id`` and, for a
dataset that is not COCO itself, the class index + 1 as ``category_id``; for a YOLO fold set
that convention is recognised and mapped, and the result says so."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foldcheck.formats.predictions import Predictions
from foldcheck.scoring.truth import Truth

ULTRALYTICS = "ultralytics: image_id is the image's file stem, category_id the class index + 1"
STEMS = "image_id is the image's file stem"


@dataclass(frozen=True, eq=False)
class Matched:
    """Per prediction: its image's reference row and its class row, -1 where unknown."""

    predictions: Predictions
    row: np.ndarray  # intp
    cls: np.ndarray  # intp
    by_stem: bool  # image ids were file stems or names
    shifted: bool  # category ids were class index + 1 (Ultralytics)


def match(predictions: Predictions, truth: Truth, preferred: np.ndarray) -> Matched:
    """``preferred`` (bool per row) breaks ties between images sharing a stem: the images
    the file's model was asked to predict."""
    row, by_stem = _rows(predictions, truth, preferred)
    ids = predictions.category_ids
    shifted = False
    if truth.is_yolo:
        nc = len(truth.class_ids)
        shifted = by_stem and len(ids) > 0 and bool(ids.min() >= 1) and bool(ids.max() <= nc)
        cls = ids - 1 if shifted else ids.copy()
        cls[(cls < 0) | (cls >= nc)] = -1
    else:
        at = np.searchsorted(truth.class_ids, ids).clip(0, max(len(truth.class_ids) - 1, 0))
        known = len(truth.class_ids) > 0
        cls = np.where(known & (truth.class_ids[at] == ids), at, -1) if known else ids * 0 - 1
    return Matched(predictions, row, cls.astype(np.intp), by_stem, shifted)


def _rows(predictions: Predictions, truth: Truth, preferred: np.ndarray) -> tuple[np.ndarray, bool]:
    by_id: dict[int, int] = {}
    if not truth.is_yolo:
        by_id = {int(i): r for r, i in enumerate(truth.image_ids.tolist())}
    by_name: dict[str, int] = {}
    for r in np.argsort(~preferred, kind="stable").tolist():  # preferred rows first
        by_name.setdefault(truth.stems[r], r)
        by_name.setdefault(truth.file_names[r], r)
        by_name.setdefault(truth.file_names[r].rpartition("/")[2], r)
    rows = np.full(len(predictions), -1, np.intp)
    by_stem = False
    seen: dict[int | str, int] = {}
    for index, key in enumerate(predictions.image_ids):
        found = seen.get(key)
        if found is None:
            if isinstance(key, int) and not truth.is_yolo:
                found = by_id.get(key, -1)
            else:
                # Ultralytics writes int(stem) for a numeric stem; a YOLO image has no id.
                found = by_name.get(str(key), -1)
                by_stem = by_stem or found >= 0
            seen[key] = found
        rows[index] = found
    return rows, by_stem
