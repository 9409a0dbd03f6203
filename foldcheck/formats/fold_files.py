"""From a split (or a manifest) to the files on disk: the manifest and the exports."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from foldcheck.api import Split
from foldcheck.core.dataset import Dataset, load_dataset
from foldcheck.core.groups import GroupKey, Groups, group_images
from foldcheck.errors import InputError
from foldcheck.formats.exports import export_paths, write_exports
from foldcheck.formats.manifest import Manifest, read_manifest, relative_path
from foldcheck.io.atomic import refuse_overwrite, staged_files

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
    return _write_fold_files(
        split.dataset,
        split.fold_of_image,
        split.groups,
        manifest.path.parent,
        formats,
        split.k,
        force,
        manifest,
    )


class OpenedManifest(NamedTuple):
    manifest: Manifest
    dataset: Dataset
    groups: Groups


def open_manifest(path: Path, *, require_fresh: bool = False) -> OpenedManifest:
    """A manifest with the dataset it names, grouped by its key; with ``require_fresh``, a
    dataset changed since the folds were made is refused."""
    manifest = read_manifest(path)
    dataset = load_dataset(manifest.dataset_file)
    if require_fresh and dataset.sha256 != manifest.dataset_sha256:
        raise InputError(
            f"{manifest.dataset_file} changed since these folds were made "
            "(sha256 differs); re-run foldcheck split",
            manifest.path,
            json_path="$.dataset.sha256",
        )
    groups = group_images(dataset, GroupKey.parse(manifest.group_by), manifest.missing_group)
    return OpenedManifest(manifest, dataset, groups)


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
    """Re-create a manifest's exports in ``out``, all or nothing."""
    fold_of_image = fold_of_image_from(manifest, dataset)
    return _write_fold_files(dataset, fold_of_image, groups, out, formats, manifest.k, force)


def _write_fold_files(
    dataset: Dataset,
    fold_of_image: np.ndarray,
    groups: Groups,
    out: Path,
    formats: tuple[str, ...],
    k: int,
    force: bool,
    manifest: Manifest | None = None,
) -> list[Path]:
    paths = ([manifest.path] if manifest else []) + export_paths(out, formats, k)
    refuse_overwrite(paths, force)
    with staged_files() as staged:
        if manifest is not None:
            staged.write(manifest.path, manifest.to_bytes())
        write_exports(staged, dataset, fold_of_image, groups, out, formats, k)
    return paths
