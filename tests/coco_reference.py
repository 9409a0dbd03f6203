"""A reference reading of a parsed COCO document, in plain Python, for tests to compare the
columnar reader (and the union of fold files) with: no runs, no mapped text, no typed
decoding, just the fields the reader keeps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from foldcheck.core.dataset import Dataset, RecordsSource
from foldcheck.formats.coco.reader import dataset_from_columns


def _area(record: dict[str, Any]) -> float:
    """The "area" when it is a number, else the box's width times height, else NaN."""
    value = record.get("area")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    box = record.get("bbox")
    if isinstance(box, list) and len(box) == 4 and all(isinstance(v, (int, float)) for v in box):
        return float(box[2] * box[3])
    return float("nan")


def parsed_dataset(document: dict[str, Any], path: Path = Path("d.json")) -> Dataset:
    """The Dataset a valid COCO ``document`` holds (ids and references checked as a file's)."""
    images, annotations = document["images"], document["annotations"]
    categories = document["categories"]
    return dataset_from_columns(
        path,
        np.array([r["id"] for r in images], np.int64).reshape(len(images)),
        (
            np.array([c["id"] for c in categories], np.int64).reshape(len(categories)),
            tuple(str(c.get("name", c["id"])) for c in categories),
        ),
        (
            np.array([a["image_id"] for a in annotations], np.int64).reshape(len(annotations)),
            np.array([a["category_id"] for a in annotations], np.int64).reshape(len(annotations)),
            np.array([_area(a) for a in annotations], np.float64).reshape(len(annotations)),
        ),
        RecordsSource(images),
    )
