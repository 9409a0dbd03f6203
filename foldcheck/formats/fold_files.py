"""A fold assignment's files on disk: the manifest and the exports, written all or nothing;
and a manifest read back into the assignment it records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from foldcheck.core.assignment import HELD, FoldAssignment
from foldcheck.core.dataset import Dataset
from foldcheck.core.groups import GroupKey, group_images
from foldcheck.core.near_groups import base_key
from foldcheck.errors import InputError
from foldcheck.formats.datasets import read_dataset
from foldcheck.formats.export_names import FINGERPRINTS_NAME, MANIFEST_NAME
from foldcheck.formats.exports import (
    export_paths,
    native_formats,
    previous_set_files,
    write_exports,
)
from foldcheck.formats.fold_set import FoldSet
from foldcheck.formats.foldsets import manifest_fold_set
from foldcheck.formats.manifest import Manifest, manifest_from_document, read_manifest
from foldcheck.formats.yolo.fingerprints import fingerprints_bytes
from foldcheck.io.atomic import committing
from foldcheck.io.journal import pending
from foldcheck.io.jsonio import read_json
from foldcheck.io.paths import relative_path


def manifest_of(
    assignment: FoldAssignment,
    out: Path,
    tolerance: float,
    near_duplicates: dict[str, Any] | None = None,
) -> Manifest:
    """The manifest recording a split made by the splitter (seed and stratify are known)."""
    assert assignment.seed is not None and assignment.stratify is not None
    dataset = assignment.dataset
    return Manifest(
        path=out / MANIFEST_NAME,
        dataset_path=relative_path(dataset.path, out),
        dataset_sha256=dataset.sha256,
        dataset_images=dataset.n_images,
        dataset_annotations=dataset.n_annotations,
        k=assignment.k,
        seed=assignment.seed,
        group_by=base_key(assignment.groups.key),
        missing_group=assignment.groups.missing,
        stratify=assignment.stratify,
        tolerance=tolerance,
        folds=[assignment.image_keys(fold) for fold in range(assignment.k)],
        holdout=_holdout_record(assignment, out),
        near_duplicates=near_duplicates,
    )


def _holdout_record(assignment: FoldAssignment, out: Path) -> dict[str, Any] | None:
    held = assignment.holdout
    if held is None:
        return None
    source = relative_path(Path(held.source), out) if held.source is not None else None
    images = assignment.dataset.image_keys(held.mask)
    return {"images": images, "fraction": held.fraction, "from": source}


def manifest_at(path: Path) -> Path:
    """The manifest ``path`` names: a fold folder means its folds.json, as check takes it."""
    return path / MANIFEST_NAME if path.is_dir() else path


def open_manifest(path: Path, *, require_fresh: bool = False) -> tuple[Manifest, FoldAssignment]:
    """A manifest and the assignment it records over its dataset, grouped by its key; with
    ``require_fresh``, a dataset changed since the folds were made is refused."""
    manifest = settled_manifest(path)
    dataset = read_dataset(manifest.dataset_file)
    if require_fresh and dataset.sha256 != manifest.dataset_sha256:
        raise InputError(
            f"{manifest.dataset_file} changed since these folds were made "
            "(sha256 differs); re-run foldcheck split",
            manifest.path,
            json_path="$.dataset.sha256",
        )
    groups = group_images(dataset, GroupKey.parse(manifest.group_by), manifest.missing_group)
    holdout = manifest.holdout["images"] if manifest.holdout is not None else None
    return manifest, FoldAssignment.from_folds(dataset, groups, manifest.folds, holdout)


def settled_manifest(path: Path) -> Manifest:
    """The manifest at ``path``, refused while an interrupted write is pending in its folder
    (never finished here: opening a manifest is reading)."""
    _refuse_pending(path)
    return read_manifest(path)


def settled_manifest_set(path: Path) -> FoldSet:
    """The fold set of the manifest at ``path`` as check reads it, refused as
    ``settled_manifest`` refuses it: one read for a caller that needs both."""
    _refuse_pending(path)
    document, raw = read_json(path)
    return manifest_fold_set(manifest_from_document(document, raw, path), raw)


def _refuse_pending(path: Path) -> None:
    unfinished = pending(path.parent)
    if unfinished is not None:
        raise InputError(unfinished.describe(path.parent), path.parent)


def manifest_listings(
    manifest: Manifest, dataset: Dataset
) -> tuple[tuple[np.ndarray, np.ndarray], list[Any]]:
    """Where the manifest put the images ``dataset`` still has: (rows, folds or HELD); and
    the keys it lists that the dataset no longer has."""
    index_of = dataset.key_index
    rows, sides, removed = [], [], []
    for side, keys in [*enumerate(manifest.folds), (HELD, manifest.held_out)]:
        for key in keys:
            row = index_of.get(key)
            if row is None:
                removed.append(key)
            else:
                rows.append(row)
                sides.append(side)
    listings = (np.asarray(rows, dtype=np.intp), np.asarray(sides, dtype=np.intp))
    return listings, removed


def existing_exports(out: Path) -> tuple[str, ...]:
    """The export formats a set in ``out`` was written with (what ``split --update`` keeps)."""
    found = {"coco": out / "train_fold0.json", "csv": out / "folds.csv"}
    return tuple(name for name, path in found.items() if path.is_file())


def write_fold_files(
    assignment: FoldAssignment,
    out: Path,
    formats: tuple[str, ...],
    force: bool,
    manifest: Manifest | None = None,
    inputs: tuple[Path, ...] = (),
) -> list[Path]:
    """The exports of ``assignment`` (and the manifest, when given) in ``out``, all or none,
    in one commit (``io.atomic``) that also deletes what the previous set had beyond them.
    The dataset and ``inputs`` are never overwritten or deleted."""
    formats = native_formats(assignment.dataset, formats)
    k, held = assignment.k, assignment.holdout is not None
    yolo = getattr(assignment.dataset, "yolo", None)
    paths = [manifest.path] if manifest else []
    if manifest is not None and yolo is not None:  # names the label files a change touches
        paths.append(out / FINGERPRINTS_NAME)
    paths += export_paths(out, formats, k, held)
    with committing(out, inputs=(assignment.dataset.path, *inputs)) as commit:
        # Under the folder's lock: what exists now still exists when the set is committed.
        stale = previous_set_files(
            out, paths, whole_set=manifest is not None, k=k, had_holdout=_had_holdout(out)
        )
        commit.refuse_overwrite([*paths, *stale], force)
        for path in stale:
            commit.remove(path)
        write_exports(commit, assignment, out, formats)
        commit.keep_out_of_git()
        if manifest is not None and yolo is not None:
            commit.write(out / FINGERPRINTS_NAME, fingerprints_bytes(manifest, yolo))
        if manifest is not None:  # last: the record the exports are checked against
            commit.write(manifest.path, manifest.to_bytes())
    return paths


def _had_holdout(out: Path) -> bool:
    """Whether the manifest already in ``out`` (if any, and readable) records a holdout."""
    try:
        return read_manifest(out / MANIFEST_NAME).holdout is not None
    except InputError:
        return False
