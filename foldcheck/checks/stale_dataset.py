"""What FC301 says changed in a dataset since its folds were made, as a user would look for
it: for a YOLO set the label files edited and the images added or removed (not the data.yaml
its digest is filed under); for a COCO file the images added or removed and the number of
annotations. A few names of each, then how many more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from foldcheck.core.dataset import Dataset
from foldcheck.formats.dataset_changes import DatasetChanges, dataset_changes
from foldcheck.formats.manifest import Manifest
from foldcheck.io.paths import as_typed

MOST_NAMED = 3  # names of each kind of change shown before "and N more"
NO_RECORD_NOTE = (
    "these folds record no label fingerprints, so the edited files cannot be named; "
    "split --update records them"
)


def what_changed(manifest: Manifest, dataset: Dataset) -> list[str]:
    """The changes, one phrase each; empty when none can be told apart (the file's bytes
    changed in a way the record does not see)."""
    changes = dataset_changes(manifest, dataset)
    yolo = getattr(dataset, "yolo", None)
    if yolo is not None:
        return _yolo_changes(changes, dataset, yolo.paths, yolo.data.root)
    said = []
    if changes.added:
        ids, names = dataset.image_ids, dataset.file_names
        shown = [f"{names[row]} (id {int(ids[row])})" for row in changes.added]
        said.append(f"{_images(len(shown))} added: {_few(shown)}")
    if changes.removed:
        noun = "id" if len(changes.removed) == 1 else "ids"
        said.append(f"{_images(len(changes.removed))} removed: {noun} {_few(changes.removed)}")
    before, now = manifest.dataset_annotations, dataset.n_annotations
    if before != now:
        said.append(f"{before:,} annotations then, {now:,} now")
    elif not said:
        said.append("the same images and annotation count: an annotation or other field was edited")
    return said


def _yolo_changes(
    changes: DatasetChanges, dataset: Dataset, paths: list[str], root: Path
) -> list[str]:
    from foldcheck.formats.yolo.images import label_path

    said = []
    if changes.yaml_changed:
        said.append(f"{as_typed(dataset.path)} itself changed")
    if changes.edited:
        labels = [as_typed(label_path(paths[row])) for row in changes.edited]
        said.append(f"labels edited in {_images(len(labels))}: {_few(labels)}")
    if changes.added:
        added = [as_typed(paths[row]) for row in changes.added]
        said.append(f"{_images(len(added))} added: {_few(added)}")
    if changes.removed:
        gone = [as_typed(root / key) for key in changes.removed]
        said.append(f"{_images(len(gone))} removed: {_few(gone)}")
    if changes.edited is None:
        said.append(NO_RECORD_NOTE)
    return said


def _images(count: int) -> str:
    return f"{count:,} image" + ("" if count == 1 else "s")


def _few(names: list[Any]) -> str:
    shown = ", ".join(map(str, names[:MOST_NAMED]))
    more = len(names) - MOST_NAMED
    return f"{shown} and {more:,} more" if more > 0 else shown
