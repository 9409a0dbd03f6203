"""From a split (or a manifest) to the files on disk: the manifest and the exports."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from foldcheck.api import Split
from foldcheck.atomic import refuse_overwrite, staged_files
from foldcheck.dataset import Dataset
from foldcheck.export import export_paths, write_exports
from foldcheck.groups import Groups
from foldcheck.manifest import Manifest, relative_path

MANIFEST_NAME = "folds.json"


def manifest_of(split: Split, out: Path, tolerance: float, missing_group: str) -> Manifest:
    dataset = split.dataset
    return Manifest(
        path=out / MANIFEST_NAME,
        dataset_path=relative_path(dataset.path, out),
        dataset_sha256=dataset.sha256,
        dataset_images=dataset.n_images,
        dataset_annotations=dataset.n_annotations,
        k=split.k,
        seed=split.seed,
        group_by=split.groups.key.text,
        missing_group=missing_group,
        stratify=split.stratify,
        tolerance=tolerance,
        folds=[split.val_image_ids(fold) for fold in range(split.k)],
    )


def write_split(
    split: Split, manifest: Manifest, formats: tuple[str, ...], force: bool
) -> list[Path]:
    """Write the manifest and exports together, all or nothing."""
    out = manifest.path.parent
    refuse_overwrite([manifest.path, *export_paths(out, formats, split.k)], force)
    with staged_files() as staged:
        staged.write(manifest.path, manifest.to_bytes())
        write_exports(
            staged,
            split.dataset,
            split.fold_of_image,
            split.groups.labels,
            split.groups.of_image,
            out,
            formats,
            split.k,
        )
        return [manifest.path, *export_paths(out, formats, split.k)]


def fold_of_image_from(manifest: Manifest, dataset: Dataset) -> np.ndarray:
    """Validation fold of every dataset image per the manifest; -1 where it names none."""
    fold = np.full(dataset.n_images, -1, dtype=np.intp)
    for index, ids in enumerate(manifest.folds):
        rows = [dataset.image_index.get(i) for i in ids]
        fold[[r for r in rows if r is not None]] = index
    return fold


def write_manifest_exports(
    manifest: Manifest,
    dataset: Dataset,
    groups: Groups,
    out: Path,
    formats: tuple[str, ...],
    force: bool,
) -> list[Path]:
    refuse_overwrite(export_paths(out, formats, manifest.k), force)
    with staged_files() as staged:
        write_exports(
            staged,
            dataset,
            fold_of_image_from(manifest, dataset),
            groups.labels,
            groups.of_image,
            out,
            formats,
            manifest.k,
        )
    return export_paths(out, formats, manifest.k)
