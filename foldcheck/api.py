"""The library API: ``split`` a dataset into folds, ``check`` existing fold files.

Nothing here prints; results are data, so the same calls work from a notebook or a training
script. Arguments left out take the built-in defaults (``foldcheck.config.DEFAULTS``); the
command line adds the manifest and ``[tool.foldcheck]`` in between.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from foldcheck.config import DEFAULTS, Settings, resolve_settings
from foldcheck.core.assignment import FoldAssignment
from foldcheck.core.dataset import Dataset, take_images
from foldcheck.core.groups import GroupKey, Groups, group_images
from foldcheck.core.near_groups import merge_near_duplicates
from foldcheck.errors import InputError
from foldcheck.formats.datasets import read_dataset
from foldcheck.io.gcpause import gc_paused
from foldcheck.splitter.greedy import assign_folds
from foldcheck.splitter.profiles import build_profiles

if TYPE_CHECKING:
    from foldcheck.core.findings import Finding


def split(
    dataset: Dataset | str | Path,
    k: int = DEFAULTS.k,
    group_by: str = DEFAULTS.group_by,
    stratify: str = DEFAULTS.stratify,
    seed: int = DEFAULTS.seed,
    missing_group: str = DEFAULTS.missing_group,
    holdout: float | None = None,
    holdout_from: str | Path | None = None,
) -> FoldAssignment:
    """K folds in which every group sits in one fold and classes are spread evenly. The
    dataset is a COCO file, a YOLO data.yaml or a loaded Dataset. With ``holdout`` (a
    fraction) or ``holdout_from`` (a file listing images) a group-respecting, class-balanced
    test set is set aside first: its images are in no fold (``assignment.holdout``)."""
    settings = resolve_settings(
        {
            "k": k,
            "group_by": group_by,
            "stratify": stratify,
            "seed": seed,
            "missing_group": missing_group,
        }
    )
    if not isinstance(dataset, Dataset):
        dataset = read_dataset(dataset)
    return split_dataset(dataset, settings, holdout, holdout_from)


def split_dataset(
    dataset: Dataset,
    settings: Settings,
    holdout: float | None = None,
    holdout_from: str | Path | None = None,
    near_duplicates: tuple[np.ndarray, np.ndarray] | None = None,
) -> FoldAssignment:
    """``split`` with settings already resolved (the command line's entry). With
    ``near_duplicates`` (image rows a[k], b[k] of each near-duplicate pair), the groups of a
    pair's images are joined first, so no two copies can end up apart."""
    if holdout is not None or holdout_from is not None:
        return _split_with_holdout(dataset, settings, holdout, holdout_from, near_duplicates)
    k = settings.k
    if dataset.n_images == 0:
        raise InputError("the dataset has no images to split", dataset.path, json_path="$.images")
    groups = _groups(dataset, settings, near_duplicates)
    if groups.count < k:
        raise InputError(
            f"{groups.count} groups (by {settings.group_by}) cannot fill {k} folds: every "
            "fold needs at least one group; lower -k or group more finely",
            dataset.path,
        )
    # The parsed dataset is millions of objects the cyclic collector would rescan to no end.
    with gc_paused():
        profiles = build_profiles(dataset, groups, k, settings.stratify)
        fold_of_group = assign_folds(profiles, k, settings.seed)
    return FoldAssignment(
        dataset, groups, k, fold_of_group[groups.of_image], settings.seed, settings.stratify
    )


def _groups(
    dataset: Dataset, settings: Settings, near: tuple[np.ndarray, np.ndarray] | None
) -> Groups:
    groups = group_images(dataset, GroupKey.parse(settings.group_by), settings.missing_group)
    return groups if near is None else merge_near_duplicates(groups, *near)


def _split_with_holdout(
    dataset: Dataset,
    settings: Settings,
    fraction: float | None,
    listed: str | Path | None,
    near: tuple[np.ndarray, np.ndarray] | None,
) -> FoldAssignment:
    near_duplicates = near
    from foldcheck.splitter.holdout import holdout_by_fraction, holdout_from_file

    if fraction is not None and listed is not None:
        raise InputError("--holdout and --holdout-from cannot be used together")
    if dataset.n_images == 0:
        raise InputError("the dataset has no images to split", dataset.path, json_path="$.images")
    groups = _groups(dataset, settings, near_duplicates)
    held = (
        holdout_by_fraction(dataset, groups, fraction, settings.stratify, settings.seed)
        if fraction is not None
        else holdout_from_file(dataset, groups, Path(str(listed)))
    )
    if held.mask.all():
        raise InputError("the held-out set would take every image: none are left for the folds")
    kept = ~held.mask
    if near is not None:  # the pairs among the kept images, renumbered (none cross: groups)
        row = np.cumsum(kept) - 1
        both = kept[near[0]] & kept[near[1]]
        near = (row[near[0][both]], row[near[1][both]])
    rest = split_dataset(take_images(dataset, kept), settings, near_duplicates=near)
    fold_of_row = np.full(dataset.n_images, -1, dtype=np.intp)
    fold_of_row[~held.mask] = rest.fold_of_row
    return FoldAssignment(
        dataset, groups, rest.k, fold_of_row, settings.seed, settings.stratify, held
    )


def check(
    paths: list[str | Path],
    dataset: str | Path | None = None,
    group_by: str | None = None,
    tolerance: float | None = None,
    images_dir: str | Path | None = None,
) -> list[Finding]:
    """Findings for the fold files at ``paths`` (see ``foldcheck check --help``)."""
    from foldcheck.checks.runner import run_checks

    result = run_checks(
        [Path(p) for p in paths],
        dataset=None if dataset is None else Path(dataset),
        group_by=group_by,
        tolerance=tolerance,
        images_dir=None if images_dir is None else Path(images_dir),
    )
    return result.findings
