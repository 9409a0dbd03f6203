"""Per-fold COCO train/val files and the fold CSV.

COCO exports keep every top-level key and every field of the original records, in file
order, so MMDetection, Detectron2 (``register_coco_instances``) and pycocotools read them as
they read the original.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from foldcheck.core.assignment import FoldAssignment
from foldcheck.core.dataset import Dataset
from foldcheck.io.atomic import StagedFiles
from foldcheck.io.jsonio import dumps

EXPORT_FORMATS = ("coco", "csv")


def parse_export_formats(text: str) -> tuple[str, ...]:
    from foldcheck.errors import InputError

    formats = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [f for f in formats if f not in EXPORT_FORMATS]
    if unknown:
        raise InputError(
            f"--export: unknown format {unknown[0]!r} (choose from "
            f"{', '.join(EXPORT_FORMATS)}, comma-separated)"
        )
    return formats


def export_paths(out: Path, formats: tuple[str, ...], k: int) -> list[Path]:
    paths = []
    if "coco" in formats:
        for fold in range(k):
            paths += [out / f"train_fold{fold}.json", out / f"val_fold{fold}.json"]
    if "csv" in formats:
        paths.append(out / "folds.csv")
    return paths


def write_exports(
    staged: StagedFiles, assignment: FoldAssignment, out: Path, formats: tuple[str, ...]
) -> None:
    fold_of_image = assignment.fold_of_image
    if "coco" in formats:
        for fold in range(assignment.k):
            for name, in_part in (("train", fold_of_image != fold), ("val", fold_of_image == fold)):
                staged.write(
                    out / f"{name}_fold{fold}.json", coco_subset(assignment.dataset, in_part)
                )
    if "csv" in formats:
        staged.write(out / "folds.csv", fold_csv(assignment))


def coco_subset(dataset: Dataset, image_mask: np.ndarray) -> bytes:
    """The dataset restricted to the masked images and their annotations."""
    document = dataset.document
    images = document["images"]
    annotations = document["annotations"]
    subset = dict(document)
    subset["images"] = [images[i] for i in np.flatnonzero(image_mask).tolist()]
    subset["annotations"] = [
        annotations[i] for i in np.flatnonzero(image_mask[dataset.ann_image]).tolist()
    ]
    return dumps(subset)


def fold_csv(assignment: FoldAssignment) -> bytes:
    dataset, groups = assignment.dataset, assignment.groups
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["image_id", "file_name", "group", "fold"])
    for image_id, name, group, fold in zip(
        dataset.image_ids.tolist(),
        dataset.file_names,
        groups.of_image.tolist(),
        assignment.fold_of_image.tolist(),
        strict=True,
    ):
        writer.writerow([image_id, name, groups.labels[group], fold])
    return buffer.getvalue().encode("utf-8")
