"""The library API: ``split`` a dataset into folds, ``check`` existing fold files.

Nothing here prints; results are data, so the same calls work from a notebook or a training
script.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from foldcheck.core.dataset import Dataset, load_dataset
from foldcheck.core.groups import GroupKey, Groups, group_images
from foldcheck.errors import InputError
from foldcheck.io.jsonio import gc_paused
from foldcheck.splitter.greedy import assign_folds
from foldcheck.splitter.profiles import STRATIFY_MODES, build_profiles

if TYPE_CHECKING:
    from foldcheck.core.findings import Finding


@dataclass(frozen=True, eq=False)
class Split:
    dataset: Dataset
    groups: Groups
    k: int
    seed: int
    stratify: str
    fold_of_image: np.ndarray  # intp [images]: validation fold of each image
    sparse_classes: dict[str, int]  # classes in fewer groups than folds -> their group count

    def val_image_ids(self, fold: int) -> list[int]:
        return sorted(self.dataset.image_ids[self.fold_of_image == fold].tolist())


def split(
    dataset: Dataset | str | Path,
    k: int = 5,
    group_by: str = "image",
    stratify: str = "both",
    seed: int = 0,
    missing_group: str = "error",
) -> Split:
    """K folds in which every group sits in one fold and classes are spread evenly."""
    if not isinstance(dataset, Dataset):
        dataset = load_dataset(dataset)
    if k < 2:
        raise InputError(f"-k must be at least 2, got {k}")
    if stratify not in STRATIFY_MODES:
        raise InputError(f"--stratify must be one of {', '.join(STRATIFY_MODES)}")
    if dataset.n_images == 0:
        raise InputError("the dataset has no images to split", dataset.path, json_path="$.images")
    groups = group_images(dataset, GroupKey.parse(group_by), missing_group)
    if groups.count < k:
        raise InputError(
            f"{groups.count} groups (by {group_by}) cannot fill {k} folds: every "
            "fold needs at least one group; lower -k or group more finely",
            dataset.path,
        )
    # The parsed dataset is millions of objects the cyclic collector would rescan to no end.
    with gc_paused():
        profiles = build_profiles(dataset, groups, k, stratify)
        fold_of_group = assign_folds(profiles, k, seed)
    return Split(
        dataset,
        groups,
        k,
        seed,
        stratify,
        fold_of_group[groups.of_image],
        _sparse_classes(dataset, groups, k),
    )


def _sparse_classes(dataset: Dataset, groups: Groups, k: int) -> dict[str, int]:
    """Classes held by fewer groups than folds, with that number (0: no annotations)."""
    held = groups.classes_held(dataset)
    return {dataset.category_names[c]: int(held[c]) for c in np.flatnonzero(held < k)}


def check(
    paths: list[str | Path],
    dataset: str | Path | None = None,
    group_by: str | None = None,
    tolerance: float | None = None,
) -> list[Finding]:
    """Findings for the fold files at ``paths`` (see ``foldcheck check --help``)."""
    from foldcheck.checks.runner import run_checks

    result = run_checks(
        [Path(p) for p in paths],
        dataset=None if dataset is None else Path(dataset),
        group_by=group_by,
        tolerance=tolerance,
        cap=False,
    )
    return result.findings
