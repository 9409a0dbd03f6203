"""Several COCO files as one: a labelling service's train/valid/test, or two labelling batches.

An image is the same image in two inputs when its ``file_name`` is the same string; its
annotations must then agree (the multisets of category name, bbox, iscrowd and segmentation
are equal, numbers compared exactly), and it is kept once, as its first input has it. Image
and annotation ids are kept where they do not collide and renumbered (the next id above every
id taken) where they do. Categories are unified by name: a name keeps the id of the first
input that has it, and one id naming two categories across the inputs is refused.
Every other top-level key is kept as its first input has it; every record keeps its fields.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foldcheck.errors import InputError
from foldcheck.io.excerpt import quoted
from foldcheck.io.jsonio import read_json

_RECORD_KEYS = ("images", "annotations", "categories")
# The string that says which records are one: (array, field, why it must be there).
_IDENTITIES = (
    ("images", "file_name", "images are matched by it"),
    ("categories", "name", "categories are unified by it"),
)


@dataclass
class _Ids:
    """The ids taken so far of one kind of record, and the next one free above them all."""

    taken: set[int] = field(default_factory=set)
    next_free: int = 0

    def claim(self, wanted: int) -> int:
        """``wanted`` if nobody has it yet, else the next free id."""
        given = wanted if wanted not in self.taken else self.next_free
        self.taken.add(given)
        self.next_free = max(self.next_free, given + 1)
        return given


@dataclass(frozen=True)
class MergeSummary:
    inputs: int
    images: int
    annotations: int
    categories: int
    shared_images: int  # images found in more than one input (kept once)
    renumbered: int  # image and annotation ids changed to avoid a collision


@dataclass
class _Merged:
    document: dict[str, Any] = field(default_factory=dict)
    images: list[dict[str, Any]] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)
    image_ids: _Ids = field(default_factory=_Ids)
    annotation_ids: _Ids = field(default_factory=_Ids)
    category_of_name: dict[str, int] = field(default_factory=dict)
    # every input's category ids: the name each means, and where it was first seen
    name_of_category: dict[int, tuple[str, str]] = field(default_factory=dict)
    # file_name: (merged image id, where its record was, its annotations as a multiset)
    image_of_name: dict[str, tuple[int, str, Counter[Any]]] = field(default_factory=dict)
    shared_images: int = 0
    renumbered: int = 0


def merge_coco(paths: list[Path]) -> tuple[dict[str, Any], MergeSummary]:
    """The merged document of the COCO files at ``paths``, in their order."""
    merged = _Merged()
    documents = [(path, _read(path)) for path in paths]
    for path, document in documents:  # every input's categories first: ids by first input
        _add_categories(merged, path, document["categories"])
    for path, document in documents:
        for key, value in document.items():
            if key not in _RECORD_KEYS:
                merged.document.setdefault(key, value)
        _add_images(merged, path, document)
    result = dict(merged.document)
    for key, records in (
        ("images", merged.images),
        ("annotations", merged.annotations),
        ("categories", merged.categories),
    ):
        result[key] = records
    summary = MergeSummary(
        len(paths),
        len(merged.images),
        len(merged.annotations),
        len(merged.categories),
        merged.shared_images,
        merged.renumbered,
    )
    return result, summary


def _read(path: Path) -> dict[str, Any]:
    document, _ = read_json(path)
    if not isinstance(document, dict):
        raise InputError("not a COCO file: the top level must be an object", path)
    for key in _RECORD_KEYS:
        records = document.get(key)
        if not isinstance(records, list):
            raise InputError(f'not a COCO file: no "{key}" array', path, json_path=f"$.{key}")
        for index, record in enumerate(records):
            place = f"$.{key}[{index}]"
            if not isinstance(record, dict):
                raise InputError("must be an object", path, json_path=place)
            _require_int(record, "id", path, place)
    for key, name, why in _IDENTITIES:
        for index, record in enumerate(document[key]):
            if not isinstance(record.get(name), str):
                raise InputError(
                    f"needs a {name} string ({why})", path, json_path=f"$.{key}[{index}].{name}"
                )
    for index, annotation in enumerate(document["annotations"]):
        for key in ("image_id", "category_id"):
            _require_int(annotation, key, path, f"$.annotations[{index}]")
    return document


def _require_int(record: dict[str, Any], key: str, path: Path, place: str) -> None:
    value = record.get(key)
    if type(value) is not int:
        raise InputError(f"{key} must be an integer, found {value!r:.40}", path, json_path=place)


def _add_categories(merged: _Merged, path: Path, categories: list[dict[str, Any]]) -> None:
    """Each name once, with the id of the first input that has it. Since no id may name two
    categories, a name new in a later input finds its own id free and keeps it."""
    for index, category in enumerate(categories):
        name, wanted = category["name"], category["id"]
        known = merged.name_of_category.setdefault(wanted, (name, f"{path}: $.categories[{index}]"))
        if known[0] != name:
            raise InputError(
                f"category id {wanted} is {quoted(name)} here but {quoted(known[0])} at"
                f" {known[1]}: "
                "one id cannot name two categories",
                path,
                json_path=f"$.categories[{index}]",
            )
        if name not in merged.category_of_name:
            merged.category_of_name[name] = wanted
            merged.categories.append(category)


def _add_images(merged: _Merged, path: Path, document: dict[str, Any]) -> None:
    names = {c["id"]: c["name"] for c in document["categories"]}
    by_image: dict[int, list[int]] = {}
    for index, annotation in enumerate(document["annotations"]):
        if annotation["category_id"] not in names:
            raise InputError(
                f"category_id {annotation['category_id']} is not in this file's categories",
                path,
                json_path=f"$.annotations[{index}].category_id",
            )
        by_image.setdefault(annotation["image_id"], []).append(index)
    seen_ids: set[int] = set()
    for index, image in enumerate(document["images"]):
        if image["id"] in seen_ids:
            raise InputError(
                f"image id {image['id']} repeats an earlier image's",
                path,
                json_path=f"$.images[{index}].id",
            )
        seen_ids.add(image["id"])
        own = [document["annotations"][i] for i in by_image.pop(image["id"], [])]
        contents = Counter(_content(annotation, names) for annotation in own)
        where = f"{path}: $.images[{index}]"
        earlier = merged.image_of_name.get(image["file_name"])
        if earlier is not None:
            if earlier[2] != contents:
                raise InputError(
                    f"image {quoted(image['file_name'])} has other annotations here than at "
                    f"{earlier[1]} (the same file name is the same image: its annotations "
                    "must agree)",
                    path,
                    json_path=f"$.images[{index}]",
                )
            merged.shared_images += 1
            continue
        image_id = merged.image_ids.claim(image["id"])
        merged.renumbered += image_id != image["id"]
        merged.image_of_name[image["file_name"]] = (image_id, where, contents)
        merged.images.append({**image, "id": image_id})
        for annotation in own:
            annotation_id = merged.annotation_ids.claim(annotation["id"])
            merged.renumbered += annotation_id != annotation["id"]
            category = merged.category_of_name[names[annotation["category_id"]]]
            merged.annotations.append(
                {**annotation, "id": annotation_id, "image_id": image_id, "category_id": category}
            )
    if by_image:
        orphan = min(by_image.values())[0]
        raise InputError(
            f"image_id {document['annotations'][orphan]['image_id']} is not in this file's images",
            path,
            json_path=f"$.annotations[{orphan}].image_id",
        )


def _content(annotation: dict[str, Any], names: dict[int, str]) -> tuple[Any, ...]:
    """What must agree between two inputs' annotations of one image: hashable, and equal
    exactly when the values are (1 and 1.0 are the same number, as in JSON)."""
    return (
        names[annotation["category_id"]],
        _frozen(annotation.get("bbox")),
        _frozen(annotation.get("iscrowd", 0)),
        _frozen(annotation.get("segmentation")),
    )


def _frozen(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    return value
