"""A detection dataset as columns: numpy arrays of ids and per-annotation indices.

The readers in ``foldcheck.formats`` make one; the splitter, the balance tables and the
checks read nothing else. The records themselves stay where they are, behind ``source``: in
the mapped file (``formats.coco.text.TextSource``: exports copy each record's bytes, image
fields are decoded on demand) or, for a dataset made from parsed records, in those records
(``RecordsSource``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from foldcheck.core.distinct import distinct_counts

INT64_MAX = np.iinfo(np.int64).max
# COCO's box-size buckets: (name, lowest area in pixels), by increasing area.
SIZE_BUCKETS = (("small", 0.0), ("medium", 32.0**2), ("large", 96.0**2))
ABSENT: Any = object()  # an image field the record does not have (unlike JSON null: None)


class ImageSource(Protocol):
    def image_field(self, name: str) -> list[Any]:
        """The field of every image record in file order; ABSENT where a record lacks it."""
        ...


@dataclass(frozen=True, eq=False)
class RecordsSource:
    images: list[dict[str, Any]] = field(repr=False)

    def image_field(self, name: str) -> list[Any]:
        return [
            record.get(name, ABSENT) if isinstance(record, dict) else ABSENT
            for record in self.images
        ]


@dataclass(frozen=True, eq=False)
class RowsSource:
    """Some of another source's images (a dataset restricted with ``take_images``)."""

    source: ImageSource = field(repr=False)
    rows: np.ndarray  # intp: the rows of ``source`` kept, in order

    def image_field(self, name: str) -> list[Any]:
        values = self.source.image_field(name)
        return [values[row] for row in self.rows.tolist()]


@dataclass(frozen=True, eq=False)
class ConcatSource:
    """The images of several sources, one after another (a union of fold files)."""

    parts: tuple[ImageSource, ...] = field(repr=False)

    def image_field(self, name: str) -> list[Any]:
        return [value for part in self.parts for value in part.image_field(name)]


@dataclass(frozen=True, eq=False)
class Dataset:
    """A detection dataset as numpy columns: ``image_ids`` and ``file_names`` per image (in
    file order), ``category_ids`` and ``category_names`` per class, and per annotation its
    image row (``ann_image``), class row (``ann_class``) and area (``ann_area``). ``path``
    is the file read, ``sha256`` its digest. Read one with ``foldcheck.load_dataset``."""

    path: Path
    sha256: str  # hex; "" when read for validate, which records no digest
    image_ids: np.ndarray  # int64 [images], in file order
    category_ids: np.ndarray  # int64 [classes], in file order
    category_names: tuple[str, ...]
    ann_image: np.ndarray  # intp [annotations]: index into image_ids
    ann_class: np.ndarray  # intp [annotations]: index into category_ids
    ann_area: np.ndarray  # float64 [annotations]: "area", else bbox w*h, else NaN
    source: ImageSource = field(repr=False)

    @property
    def n_images(self) -> int:
        """The number of images."""
        return len(self.image_ids)

    @property
    def n_annotations(self) -> int:
        """The number of annotations."""
        return len(self.ann_image)

    @property
    def n_classes(self) -> int:
        """The number of classes (categories)."""
        return len(self.category_ids)

    def image_field(self, name: str) -> list[Any]:
        """One value per image, in file order: None where the record lacks the field (or holds
        null). Decoded from the file when asked, not kept."""
        return [None if v is ABSENT else v for v in self.source.image_field(name)]

    @cached_property
    def file_names(self) -> list[str]:
        """Each image's file name (a YOLO image's path from the root), in file order."""
        values = self.source.image_field("file_name")
        if set(map(type, values)) == {str}:  # the usual case, decided in C: nothing to convert
            return values
        return ["" if v is ABSENT else str(v) for v in values]

    @cached_property
    def image_index(self) -> dict[int, int]:
        """image id -> row, for the few places that look ids up one by one."""
        return {int(i): row for row, i in enumerate(self.image_ids.tolist())}

    @property
    def keys_are_names(self) -> bool:
        """Whether images are keyed by path (a YOLO dataset) rather than by integer id."""
        return False

    @cached_property
    def key_index(self) -> dict[Any, int]:
        """image key (id, or path for a YOLO dataset) -> row; the first of repeats wins."""
        if not self.keys_are_names:
            return self.image_index
        index: dict[Any, int] = {}
        for row, name in enumerate(self.file_names):
            index.setdefault(name, row)
        return index

    def image_keys(self, mask: np.ndarray) -> list[Any]:
        """The masked images' keys as a manifest records them: sorted ids, or sorted paths."""
        if self.keys_are_names:
            return sorted(self.file_names[i] for i in np.flatnonzero(mask).tolist())
        keys: list[Any] = np.sort(self.image_ids[mask]).tolist()  # sorted(), in C
        return keys

    @cached_property
    def ann_size(self) -> np.ndarray:
        """COCO size bucket of each annotation (int8 index into SIZE_BUCKETS); -1 if no
        area."""
        # The buckets passed, counted (np.digitize's binary search is slower for two bounds),
        # in one byte per box: a column of every box is costly at Open Images size.
        bucket = np.zeros(self.n_annotations, np.int8)
        for _, low in SIZE_BUCKETS[1:]:
            bucket += self.ann_area >= low
        bucket[np.isnan(self.ann_area)] = -1
        return bucket

    @cached_property
    def image_size_counts(self) -> np.ndarray:
        """[images, SIZE_BUCKETS] int64: each image's annotations in each COCO size bucket
        (one pass over the annotations for every count of sizes by fold or by group)."""
        # Per image, the boxes at or above each bucket's lowest area, counted from masks of
        # one byte per box (no bucket column of every box: at Open Images size each fresh
        # column of 15.8 million 8-byte values costs 0.1-0.2 s in page faults alone); a
        # bucket is the difference of two of them. A box without an area is in none.
        area = self.ann_area
        per_image = np.bincount(self.ann_image, minlength=self.n_images)
        count = self._per_image_counter(per_image)
        unsized = np.isnan(area)
        at_least = [per_image - count(unsized) if unsized.any() else per_image]
        at_least += [count(area >= low) for _, low in SIZE_BUCKETS[1:]]
        counts = np.empty((self.n_images, len(SIZE_BUCKETS)), np.int64)
        for bucket in range(len(SIZE_BUCKETS)):
            above = at_least[bucket + 1] if bucket + 1 < len(at_least) else 0
            np.subtract(at_least[bucket], above, out=counts[:, bucket])
        return counts

    def _per_image_counter(self, per_image: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        """A count per image of the annotations a mask marks: when annotations come grouped
        by image (as files list them), sums over each image's run of the mask; else a
        count of the marked annotations' images."""
        image = self.ann_image
        if not bool((image[1:] >= image[:-1]).all()):
            return lambda mask: np.bincount(image[mask], minlength=self.n_images)
        annotated = per_image > 0
        starts = (np.cumsum(per_image) - per_image)[annotated]

        def runs(mask: np.ndarray) -> np.ndarray:
            counted = np.zeros(self.n_images, np.int64)
            if len(starts):
                # Summed in 32 bits (a run holds fewer boxes than the file): half the bytes
                # of the cast 64-bit sums would make of every box.
                counted[annotated] = np.add.reduceat(mask, starts, dtype=np.int32)
            return counted

        return runs

    @property
    def image_class_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(image row, class row) of every distinct image holding a class, sorted by image."""
        pair_image, pair_class, _ = self.image_class_counts
        return pair_image, pair_class

    @cached_property
    def image_class_counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``image_class_pairs`` and the number of annotations of each pair (int64)."""
        n_classes = self.n_classes
        # One key per annotation, image row x classes + class row, in 32 bits when every key
        # fits (Open Images: 1.9M images x 600 classes): half the bytes to sort and to move.
        narrow = self.n_images * n_classes <= np.iinfo(np.int32).max
        keys = np.multiply(
            self.ann_image, n_classes, dtype=np.int32 if narrow else np.int64, casting="unsafe"
        )
        np.add(keys, self.ann_class, out=keys, casting="unsafe")
        pairs, counts = distinct_counts(keys, reuse=True)
        pair_image = (pairs // n_classes).astype(np.intp)
        pair_class = pairs.astype(np.intp)
        pair_class -= pair_image * n_classes
        return pair_image, pair_class, counts

    def class_counts(self) -> np.ndarray:
        """Annotations per class (int64, in ``category_names`` order)."""
        return np.bincount(self.ann_class, minlength=self.n_classes)


def take_images(dataset: Dataset, keep: np.ndarray) -> Dataset:
    """The dataset restricted to the images ``keep`` (bool per image) marks, with their
    annotations; its type and other fields are kept (the rest beside a held-out set)."""
    import dataclasses

    rows = np.flatnonzero(keep)
    new_row = np.full(dataset.n_images, -1, dtype=np.intp)
    new_row[rows] = np.arange(len(rows))
    kept_ann = keep[dataset.ann_image]
    return dataclasses.replace(
        dataset,
        source=RowsSource(dataset.source, rows),
        image_ids=dataset.image_ids[rows],
        ann_image=new_row[dataset.ann_image[kept_ann]],
        ann_class=dataset.ann_class[kept_ann],
        ann_area=dataset.ann_area[kept_ann],
    )
