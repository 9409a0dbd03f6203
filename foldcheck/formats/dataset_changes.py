"""What changed in a dataset since a manifest's folds were made: the images added and
removed (the manifest lists every image it split), and for a YOLO set with a label
fingerprint record the label files edited and whether the data.yaml itself changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from foldcheck.core.dataset import Dataset
from foldcheck.formats.manifest import Manifest


@dataclass(frozen=True)
class DatasetChanges:
    added: list[int]  # dataset rows of images the manifest does not list
    removed: list[Any]  # keys the manifest lists that the dataset no longer has
    edited: list[int] | None  # rows whose label file changed; None: nothing recorded to tell
    yaml_changed: bool | None  # the data.yaml's own bytes; None: not known (or not YOLO)


def dataset_changes(manifest: Manifest, dataset: Dataset) -> DatasetChanges:
    listed = list(manifest.listed_keys())
    index = dataset.key_index
    rows = np.fromiter((index.get(key, -1) for key in listed), dtype=np.intp, count=len(listed))
    present = np.zeros(dataset.n_images, dtype=bool)
    present[rows[rows >= 0]] = True
    removed = [listed[i] for i in np.flatnonzero(rows < 0).tolist()]
    edited, yaml_changed = _label_changes(manifest, dataset, rows)
    return DatasetChanges(np.flatnonzero(~present).tolist(), removed, edited, yaml_changed)


def _label_changes(
    manifest: Manifest, dataset: Dataset, rows: np.ndarray
) -> tuple[list[int] | None, bool | None]:
    yolo = getattr(dataset, "yolo", None)
    if yolo is None:
        return None, None
    from foldcheck.formats.yolo.fingerprints import read_fingerprints

    recorded = read_fingerprints(manifest)
    if recorded is None:
        return None, None
    still = rows >= 0
    now = yolo.fingerprints[rows[still]]
    edited = np.sort(rows[still][recorded.of_listed[still] != now])
    return edited.tolist(), recorded.yaml_sha256 != yolo.yaml_sha256
