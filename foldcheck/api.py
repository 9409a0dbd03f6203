"""The library API: ``split`` a dataset into folds, ``check`` existing fold files.

Nothing here prints; results are data, so the same calls work from a notebook or a training
script. Arguments left out take the built-in defaults (``foldcheck.config.DEFAULTS``); the
command line adds the manifest and ``[tool.foldcheck]`` in between.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from foldcheck.config import DEFAULTS, Settings, resolve_settings
from foldcheck.core.assignment import FoldAssignment
from foldcheck.core.dataset import Dataset
from foldcheck.core.groups import GroupKey, group_images
from foldcheck.errors import InputError
from foldcheck.formats.coco import load_dataset
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
) -> FoldAssignment:
    """K folds in which every group sits in one fold and classes are spread evenly."""
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
        dataset = load_dataset(dataset)
    return split_dataset(dataset, settings)


def split_dataset(dataset: Dataset, settings: Settings) -> FoldAssignment:
    """``split`` with settings already resolved (the command line's entry)."""
    k = settings.k
    if dataset.n_images == 0:
        raise InputError("the dataset has no images to split", dataset.path, json_path="$.images")
    groups = group_images(dataset, GroupKey.parse(settings.group_by), settings.missing_group)
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
    )
    return result.findings
