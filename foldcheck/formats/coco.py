"""COCO detection files: read into a ``Dataset``, checking every id and reference.

Every structural problem is an ``InputError`` naming the file and the JSON path.
"""

from __future__ import annotations

import hashlib
from operator import methodcaller
from pathlib import Path
from typing import Any

import numpy as np

from foldcheck.core.dataset import INT64_MAX, Dataset
from foldcheck.errors import InputError
from foldcheck.io.jsonio import read_json


def load_dataset(path: str | Path) -> Dataset:
    """Read and validate a COCO file; every structural problem is an InputError."""
    path = Path(path)
    document, raw = read_json(path)
    dataset = dataset_from_document(document, path, hashlib.sha256(raw).hexdigest())
    reject_duplicate_annotation_ids(document["annotations"], path)
    return dataset


def reject_duplicate_annotation_ids(annotations: list[dict[str, Any]], path: Path) -> None:
    """pycocotools' COCO() indexes annotations by id and keeps one of a repeated id: what
    split balances and check counts would not be what is evaluated. (``validate`` reports
    them as FC501 instead, with every place.)"""
    ids = list(map(methodcaller("get", "id"), annotations))
    rows = np.arange(len(ids))
    if not set(map(type, ids)) <= {int}:  # ids that are not integers are validate's FC502
        rows = np.array([row for row, i in enumerate(ids) if type(i) is int], np.intp)
        ids = [ids[row] for row in rows.tolist()]
    try:
        column = np.array(ids, np.int64).reshape(len(ids))
    except OverflowError:
        return
    order = np.argsort(column, kind="stable")
    repeated = np.flatnonzero(column[order][1:] == column[order][:-1])
    if len(repeated):
        first, second = (int(rows[order[repeated[0] + k]]) for k in (0, 1))
        raise InputError(
            f"duplicate annotation id {int(column[order[repeated[0]]])} (first at"
            f" $.annotations[{first}]); pycocotools' COCO() keeps only one of them:"
            " foldcheck validate --fix renumbers them",
            path,
            json_path=f"$.annotations[{second}].id",
        )


def dataset_from_document(document: Any, path: Path, sha256: str) -> Dataset:
    if not isinstance(document, dict):
        raise InputError(
            f"expected a COCO object at the top level, found {_kind(document)}", path, json_path="$"
        )
    images = _record_list(document, "images", path)
    annotations = _record_list(document, "annotations", path)
    categories = _record_list(document, "categories", path)

    image_ids = _int_column(images, "images", "id", path)
    category_ids = _int_column(categories, "categories", "id", path)
    image_row = _index_of(image_ids, "images", path)
    class_row = _index_of(category_ids, "categories", path)
    ann_image = _lookup(
        _int_column(annotations, "annotations", "image_id", path),
        image_ids,
        image_row,
        "annotations",
        "image_id",
        "image",
        path,
    )
    ann_class = _lookup(
        _int_column(annotations, "annotations", "category_id", path),
        category_ids,
        class_row,
        "annotations",
        "category_id",
        "category",
        path,
    )
    names = tuple(str(c.get("name", c["id"])) for c in categories)
    return Dataset(
        path,
        sha256,
        document,
        image_ids,
        category_ids,
        names,
        ann_image,
        ann_class,
        _areas(annotations),
    )


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        type(None): "null",
    }.get(type(value), "a value")


def _record_list(document: dict[str, Any], key: str, path: Path) -> list[dict[str, Any]]:
    if key not in document:
        raise InputError(f'missing "{key}": not a COCO detection file', path, json_path="$")
    records = document[key]
    if not isinstance(records, list):
        raise InputError(f"expected an array, found {_kind(records)}", path, json_path=f"$.{key}")
    return records


def _int_column(records: list[dict[str, Any]], key: str, name: str, path: Path) -> np.ndarray:
    """One integer field of every record, as int64; the slow scan runs only to name a culprit."""
    try:
        values = [record[name] for record in records]
        # numpy would quietly take True for 1 and 2.0 for 2: only true ints pass.
        if set(map(type, values)) <= {int}:
            return np.array(values, dtype=np.int64) if values else np.zeros(0, np.int64)
    except (KeyError, TypeError, OverflowError):
        pass
    for index, record in enumerate(records):
        where = f"$.{key}[{index}]"
        if not isinstance(record, dict):
            raise InputError(f"expected an object, found {_kind(record)}", path, json_path=where)
        if name not in record:
            raise InputError(f'missing "{name}"', path, json_path=where)
        value = record[name]
        if isinstance(value, float) and value.is_integer() and abs(value) > INT64_MAX:
            # A JSON integer beyond 64 bits, which the parser could only read as a float.
            raise InputError("id is out of the 64-bit range", path, json_path=f"{where}.{name}")
        if type(value) is not int:
            raise InputError(
                f"expected an integer, found {_kind(value)} {value!r:.40}",
                path,
                json_path=f"{where}.{name}",
            )
        if not -INT64_MAX <= value <= INT64_MAX:
            raise InputError(
                f"id {value} is out of the 64-bit range", path, json_path=f"{where}.{name}"
            )
    raise InputError(f'unreadable "{name}" values', path, json_path=f"$.{key}")


def _index_of(ids: np.ndarray, key: str, path: Path) -> np.ndarray:
    """Rows of ``ids`` in sorted-id order (for searchsorted lookups); rejects duplicates."""
    order = np.argsort(ids, kind="stable")
    repeats = np.flatnonzero(ids[order][1:] == ids[order][:-1])
    if len(repeats):
        first, second = sorted((int(order[repeats[0]]), int(order[repeats[0] + 1])))
        raise InputError(
            f"duplicate id {int(ids[second])} (first at $.{key}[{first}])",
            path,
            json_path=f"$.{key}[{second}].id",
        )
    return order


def _lookup(
    values: np.ndarray,
    ids: np.ndarray,
    order: np.ndarray,
    key: str,
    name: str,
    noun: str,
    path: Path,
) -> np.ndarray:
    """Rows of ``ids`` holding each of ``values``; an unknown value is an error."""
    if len(ids) == 0:
        if len(values):
            raise InputError(
                f"{noun} id {int(values[0])} is not in the file's {noun} list",
                path,
                json_path=f"$.{key}[0].{name}",
            )
        return np.zeros(0, np.intp)
    sorted_ids = ids[order]
    position = np.minimum(np.searchsorted(sorted_ids, values), len(ids) - 1)
    unknown = np.flatnonzero(sorted_ids[position] != values)
    if len(unknown):
        index = int(unknown[0])
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        raise InputError(
            f"{noun} id {int(values[index])} is not in the file's {noun} list{more}",
            path,
            json_path=f"$.{key}[{index}].{name}",
        )
    return order[position].astype(np.intp, copy=False)


def _areas(annotations: list[dict[str, Any]]) -> np.ndarray:
    def area(record: dict[str, Any]) -> float:
        value = record.get("area")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        box = record.get("bbox")
        if (
            isinstance(box, list)
            and len(box) == 4
            and all(isinstance(v, (int, float)) for v in box)
        ):
            return float(box[2] * box[3])
        return float("nan")

    return np.fromiter(map(area, annotations), np.float64, len(annotations))
