"""The per-annotation and per-image columns that the methods split on and the scores count.

Built by the harness from the parsed COCO document, not by foldcheck's loader, so the scores
do not depend on the tool under test. The synthetic files are valid, so nothing is validated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import numpy as np


class Columns(NamedTuple):
    ann_image: np.ndarray  # intp [annotations]: row of the annotation's image, file order
    ann_class: np.ndarray  # intp [annotations]: row of the annotation's category, file order
    image_group: np.ndarray  # intp [images]: index of the image's group (itself, or its video)
    n_classes: int

    @property
    def n_images(self) -> int:
        return len(self.image_group)

    @property
    def n_annotations(self) -> int:
        return len(self.ann_image)

    @property
    def n_groups(self) -> int:
        return int(self.image_group.max()) + 1 if self.n_images else 0

    @classmethod
    def from_document(cls, document: dict[str, Any], group_by: str) -> Columns:
        """``group_by`` is ``image`` or an image field such as ``video_id``."""
        images, annotations = document["images"], document["annotations"]
        image_ids = np.array([record["id"] for record in images], dtype=np.int64)
        category_ids = np.array([record["id"] for record in document["categories"]], dtype=np.int64)
        ann_image = _rows_of(np.array([a["image_id"] for a in annotations], np.int64), image_ids)
        ann_class = _rows_of(
            np.array([a["category_id"] for a in annotations], np.int64), category_ids
        )
        if group_by == "image":
            image_group = np.arange(len(images), dtype=np.intp)
        else:
            keys = np.array([record[group_by] for record in images])
            image_group = np.unique(keys, return_inverse=True)[1].astype(np.intp)
        return cls(ann_image, ann_class, image_group, len(category_ids))

    @classmethod
    def from_file(cls, path: Path, group_by: str) -> Columns:
        """The same columns, decoded by msgspec into just these fields (an Open Images-size
        file parsed whole into Python objects would need ~17 GB)."""
        import msgspec

        image = msgspec.defstruct(
            "Image", [("id", int), ("key", Any, None)], rename={"key": group_by}, gc=False
        )
        annotation = msgspec.defstruct(
            "Annotation", [("image_id", int), ("category_id", int)], gc=False
        )
        category = msgspec.defstruct("Category", [("id", int)], gc=False)
        coco = msgspec.defstruct(
            "Coco",
            [
                ("images", list[image]),
                ("annotations", list[annotation]),
                ("categories", list[category]),
            ],  # type: ignore[valid-type]
            gc=False,
        )
        data = msgspec.json.decode(path.read_bytes(), type=coco)
        image_ids = np.array([r.id for r in data.images], np.int64)
        category_ids = np.array([r.id for r in data.categories], np.int64)
        n = len(data.annotations)
        ann_image = _rows_of(
            np.fromiter((a.image_id for a in data.annotations), np.int64, n), image_ids
        )
        ann_class = _rows_of(
            np.fromiter((a.category_id for a in data.annotations), np.int64, n), category_ids
        )
        if group_by == "image":
            image_group = np.arange(len(image_ids), dtype=np.intp)
        else:
            keys = np.array([r.key for r in data.images])
            image_group = np.unique(keys, return_inverse=True)[1].astype(np.intp)
        return cls(ann_image, ann_class, image_group, len(category_ids))

    def save(self, path: Path) -> None:
        with path.open("wb") as file:
            np.savez(
                file,
                ann_image=self.ann_image,
                ann_class=self.ann_class,
                image_group=self.image_group,
                n_classes=self.n_classes,
            )

    @classmethod
    def load(cls, path: Path) -> Columns:
        with np.load(path) as data:
            return cls(
                data["ann_image"], data["ann_class"], data["image_group"], int(data["n_classes"])
            )


def _rows_of(values: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Row of ``ids`` holding each of ``values`` (all present)."""
    order = np.argsort(ids, kind="stable")
    return order[np.searchsorted(ids[order], values)].astype(np.intp)
