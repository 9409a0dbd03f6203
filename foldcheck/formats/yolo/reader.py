"""A YOLO detection dataset (``data.yaml``) read into numpy columns.

The images to split are those of ``train`` and ``val`` (an image both name is one image);
``test`` is kept apart, as the dataset's own held-out set. Each image is keyed by its path
relative to the root, so fold files, manifests and findings name it the same way on every
machine. Box areas in pixels (for COCO's size buckets) need the image's size, read from its
header; where that fails the area is NaN and the box is in no bucket.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from foldcheck.core.dataset import Dataset, RecordsSource
from foldcheck.errors import InputError
from foldcheck.formats.yolo.data_yaml import DataYaml, read_data_yaml
from foldcheck.formats.yolo.image_size import image_size
from foldcheck.formats.yolo.images import Listed, label_path, list_images
from foldcheck.formats.yolo.labels import LabelFile, read_label_file
from foldcheck.io.excerpt import quoted
from foldcheck.io.links import through_link

POOL = ("train", "val")


@dataclass(frozen=True, eq=False)
class YoloColumns:
    data: DataYaml
    sha256: str  # of the YAML, every image key and every label file's boxes, in key order
    yaml_sha256: str  # of the YAML alone ("" for fold files read without one)
    # uint32 [images]: each label file's fingerprint (``label_fingerprint``), so a manifest's
    # record of them names the files behind a changed ``sha256``
    fingerprints: np.ndarray
    keys: list[str]  # [images] path relative to the root, '/'-separated, sorted
    paths: list[str]  # [images] the path Ultralytics opens
    width: np.ndarray  # float64 [images], NaN where the header gave none
    height: np.ndarray
    ann_image: np.ndarray  # intp [boxes]
    ann_class: np.ndarray  # intp [boxes]
    ann_xywh: np.ndarray  # float32 [boxes, 4], normalised
    test_keys: list[str]  # the YAML's own test images (not split)
    rejected: int  # images whose labels Ultralytics would drop (see foldcheck validate)

    @property
    def ann_area(self) -> np.ndarray:
        w = self.ann_xywh[:, 2].astype(np.float64) * self.width[self.ann_image]
        area: np.ndarray = w * self.ann_xywh[:, 3] * self.height[self.ann_image]
        return area


FINGERPRINT_DTYPE = np.dtype("<u4")


def label_fingerprint(boxes: bytes) -> bytes:
    """4 bytes of BLAKE2b over a label file's boxes as the dataset's sha256 takes them (the
    values, not the text: a reformatted file is unchanged, a missing one is an empty one).
    Only for naming the files behind a changed sha256: a 1 in 4 billion miss names none."""
    return hashlib.blake2b(boxes, digest_size=FINGERPRINT_DTYPE.itemsize).digest()


def image_key(path: str, root: Path) -> str:
    return Path(os.path.relpath(os.path.abspath(path), root)).as_posix()


def pool_images(data: DataYaml, splits: tuple[str, ...] = POOL) -> list[Listed]:
    listed: list[Listed] = []
    for split in splits:
        listed += list_images(data.sources.get(split, []), data.root)
    return listed


def read_yolo(path: str | Path, *, sizes: bool = True) -> YoloColumns:
    data = read_data_yaml(path)
    digest = hashlib.sha256(data.path.read_bytes())
    yaml_sha256 = digest.copy().hexdigest()
    first = _one_key_per_file(pool_images(data), data.root)
    test_keys = sorted(
        {image_key(item.path, data.root) for item in pool_images(data, ("test",))} - set(first)
    )
    keys = sorted(first)
    if not keys:
        raise data.error("train and val name no images", "train")
    listed = [first[key] for key in keys]
    for item in listed:
        if item.line is not None and not os.path.isfile(item.path):
            raise InputError(
                f"no such image {quoted(item.path)}", item.origin, line=item.line, col=1
            )
    paths = [item.path for item in listed]
    return columns_of(data, keys, paths, test_keys, digest, yaml_sha256=yaml_sha256, sizes=sizes)


def _one_key_per_file(listed: list[Listed], root: Path) -> dict[str, Listed]:
    """The first listing of each key, and of each file (device, inode) one key: one file
    under two names (a link, a hard link) is one image, or it would be a train/val leak of
    one. Of such names, the file's own (no link on the way) is kept, else the first."""
    first: dict[str, Listed] = {}
    key_of: dict[object, str] = {}
    for item in listed:
        key = image_key(item.path, root)
        if key in first:
            continue
        try:
            stat = os.stat(item.path)
            file: object = (stat.st_dev, stat.st_ino)
        except OSError:  # missing: reported by name later
            file = key
        kept = key_of.get(file)
        if kept is not None and not (
            through_link(first[kept].path) and not through_link(item.path)
        ):
            continue
        if kept is not None:
            del first[kept]
        key_of[file] = key
        first[key] = item
    return first


def columns_of(
    data: DataYaml,
    keys: list[str],
    paths: list[str],
    test_keys: list[str],
    digest: Any,
    *,
    yaml_sha256: str = "",
    sizes: bool = True,
) -> YoloColumns:
    """The columns of images ``keys`` (Ultralytics opens ``paths``): their labels and sizes."""
    nc = len(data.names)
    boxes_image, boxes_class, boxes_xywh = [], [], []
    rejected = 0
    fingerprints = bytearray()
    for row, path in enumerate(paths):
        labels_at = label_path(path)
        labels = read_label_file(labels_at, data.root)
        digest.update(keys[row].encode() + b"\0")
        if labels is None:
            fingerprints += label_fingerprint(b"")
            continue
        _refuse_unreadable(labels, labels_at)
        boxes = labels.cls.tobytes() + labels.xywh.tobytes()
        digest.update(boxes)
        fingerprints += label_fingerprint(boxes)
        kept = labels.unique_rows()
        classes = labels.cls[kept]
        _refuse_bad_classes(labels, kept, classes, nc, labels_at)
        if _out_of_range(labels.xywh[kept]):
            rejected += 1
        boxes_image.append(np.full(len(kept), row, np.intp))
        boxes_class.append(classes.astype(np.intp))
        boxes_xywh.append(labels.xywh[kept])

    ann_image = np.concatenate(boxes_image) if boxes_image else np.zeros(0, np.intp)
    width = np.full(len(keys), np.nan)
    height = np.full(len(keys), np.nan)
    if sizes:
        for row in np.unique(ann_image).tolist():
            size = image_size(paths[row])
            if size is not None:
                width[row], height[row] = size
    return YoloColumns(
        data,
        digest.hexdigest(),
        yaml_sha256,
        np.frombuffer(bytes(fingerprints), dtype=FINGERPRINT_DTYPE),
        keys,
        paths,
        width,
        height,
        ann_image,
        np.concatenate(boxes_class) if boxes_class else np.zeros(0, np.intp),
        np.concatenate(boxes_xywh) if boxes_xywh else np.zeros((0, 4), np.float32),
        test_keys,
        rejected,
    )


def _refuse_unreadable(labels: LabelFile, where: str) -> None:
    if labels.problem is not None:
        p = labels.problem
        raise InputError(
            f"{p.message} (Ultralytics drops this image; foldcheck validate lists every such line)",
            where,
            line=p.line,
            col=p.col,
        )


def _refuse_bad_classes(
    labels: LabelFile, kept: np.ndarray, classes: np.ndarray, nc: int, where: str
) -> None:
    bad = np.flatnonzero((classes < 0) | (classes >= nc) | (classes != np.floor(classes)))
    if len(bad):
        row = int(kept[bad[0]])
        raise InputError(
            f"class {labels.cls[row]:g} is not a class id 0..{nc - 1} of the YAML's names",
            where,
            line=int(labels.lines[row]),
            col=labels.cols[row][0],
        )


def _out_of_range(xywh: np.ndarray) -> bool:
    return bool(len(xywh)) and bool((xywh.max() > 1.01) or (xywh.min() < -0.01))


@dataclass(frozen=True, eq=False)
class YoloDataset(Dataset):
    """A core Dataset whose images are keyed by path (``file_names``), with the YOLO side."""

    yolo: YoloColumns | None = field(default=None, repr=False)

    @property
    def keys_are_names(self) -> bool:
        return True

    @property
    def root(self) -> Path:
        assert self.yolo is not None
        return self.yolo.data.root


def load_yolo_dataset(path: str | Path) -> YoloDataset:
    columns = read_yolo(path)
    return yolo_dataset(columns)


def yolo_dataset(columns: YoloColumns) -> YoloDataset:
    n = len(columns.keys)
    images = [{"id": row, "file_name": key} for row, key in enumerate(columns.keys)]
    return YoloDataset(
        columns.data.path,
        columns.sha256,
        np.arange(n, dtype=np.int64),
        np.arange(len(columns.data.names), dtype=np.int64),
        columns.data.names,
        columns.ann_image,
        columns.ann_class,
        columns.ann_area,
        RecordsSource(images),
        columns,
    )


def union_dataset(
    keys: list[str], paths: list[str], names: tuple[str, ...], origin: Path
) -> YoloDataset:
    """The images fold files name (each key once, first listing wins), labels read from
    disk: the reference when no dataset is given (``check`` of bare fold YAMLs)."""
    first: dict[str, str] = {}
    for key, path in zip(keys, paths, strict=True):
        first.setdefault(key, path)
    data = DataYaml(origin, origin, names or ("class_0",), {})
    ordered = list(first)
    return yolo_dataset(
        columns_of(data, ordered, [first[k] for k in ordered], [], hashlib.sha256())
    )
