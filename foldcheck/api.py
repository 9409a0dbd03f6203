"""The library API: ``split`` a dataset into folds, ``load_folds`` a fold set back, ``check``
fold files, ``validate`` annotation files, ``report`` a fold set's balance, find
``duplicates`` among images, ``score`` the fold models' predictions.

Nothing here prints; results are data (numpy arrays, findings, tables), so the same calls work
from a notebook or a training script. Each takes a path or a list of paths where the command
takes files. Arguments left out take the built-in defaults (``foldcheck.config.DEFAULTS``);
the command line adds the manifest and ``[tool.foldcheck]`` in between. Bad input raises
``foldcheck.InputError``, its message naming the arguments of these
functions (``k``, ``missing_group='own'``), not the command line's options.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import numpy as np

from foldcheck.config import DEFAULTS, Settings, resolve_settings
from foldcheck.core.assignment import FoldAssignment, Holdout
from foldcheck.core.dataset import Dataset, take_images
from foldcheck.core.groups import GroupKey, Groups, group_images
from foldcheck.core.near_groups import merge_near_duplicates
from foldcheck.errors import InputError, api_terms, option
from foldcheck.formats.datasets import read_dataset
from foldcheck.images import DEFAULT_MAX_DISTANCE
from foldcheck.io.gcpause import gc_paused
from foldcheck.io.heap import heap_reused
from foldcheck.splitter.greedy import assign_folds
from foldcheck.splitter.profiles import build_profiles

if TYPE_CHECKING:
    from foldcheck.core.balance import Balance
    from foldcheck.core.findings import Finding
    from foldcheck.scoring.result import ScoreResult
    from foldcheck.splitter.update import NewHoldout, Updated

Paths = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
_P = ParamSpec("_P")
_R = TypeVar("_R")


def _in_api_terms(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """``function`` with its errors naming API arguments, not command-line options."""

    @functools.wraps(function)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with api_terms():
            return function(*args, **kwargs)

    return call


def _paths(paths: Paths) -> list[Path]:
    """One path or several: a string is one path, never a sequence of characters."""
    if isinstance(paths, (str, os.PathLike)):
        return [Path(paths)]
    return [Path(p) for p in paths]


@_in_api_terms
def load_dataset(path: str | os.PathLike[str]) -> Dataset:
    """A COCO annotation file or a YOLO data.yaml, read into a :class:`Dataset` (numpy
    columns: ``image_ids``, ``category_names``, the annotations' image rows and classes)."""
    return read_dataset(Path(path))


@_in_api_terms
def split(
    dataset: Dataset | str | os.PathLike[str],
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
        dataset = read_dataset(Path(dataset))
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
            f"fold needs at least one group; lower {option('k')} or group more finely",
            dataset.path,
        )
    # The parsed dataset is millions of objects the cyclic collector would rescan to no end.
    with gc_paused(), heap_reused():
        profiles = build_profiles(dataset, groups, k, settings.stratify)
        fold_of_group = assign_folds(profiles, k, settings.seed, tolerance=settings.tolerance)
    return FoldAssignment(
        dataset, groups, k, fold_of_group[groups.of_image], settings.seed, settings.stratify
    )


def update_dataset(
    dataset: Dataset,
    settings: Settings,
    listings: tuple[np.ndarray, np.ndarray],
    holdout: Holdout | None = None,
    new_holdout: NewHoldout | None = None,
    near_duplicates: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[FoldAssignment, Updated]:
    """Folds that keep where the images were (``listings``: rows and their folds, or
    ``splitter.update.HELD``): ``split --update`` and ``--from``. ``holdout`` is the set's
    held-out set as recorded (its mask is replaced); ``new_holdout`` says which new groups
    join it."""
    from foldcheck.core.assignment import HELD
    from foldcheck.splitter.update import update_sides

    groups = _groups(dataset, settings, near_duplicates)
    updated = update_sides(
        dataset, groups, settings.k, listings, settings.stratify, settings.seed, new_holdout
    )
    held = updated.side == HELD
    if holdout is not None:
        holdout = Holdout(held, holdout.fraction, holdout.source)
    fold_of_row = np.where(held, -1, updated.side)
    assignment = FoldAssignment(
        dataset, groups, settings.k, fold_of_row, settings.seed, settings.stratify, holdout
    )
    return assignment, updated


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
        raise InputError(
            f"{option('holdout')} and {option('holdout_from')} cannot be used together"
        )
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


@_in_api_terms
def load_folds(path: str | os.PathLike[str]) -> FoldAssignment:
    """The fold set a manifest records (``folds/folds.json``, or its folder), over its
    dataset as it is now, grouped as the split grouped it."""
    from foldcheck.formats.fold_files import manifest_at, open_manifest

    return open_manifest(manifest_at(Path(path)))[1]


@_in_api_terms
def check(
    paths: Paths,
    dataset: str | os.PathLike[str] | None = None,
    group_by: str | None = None,
    tolerance: float | None = None,
    images_dir: str | os.PathLike[str] | None = None,
) -> list[Finding]:
    """Findings for fold files (``foldcheck check``): a manifest ``folds/folds.json``, a folder
    of fold files, fold YAMLs, a folds.csv, COCO train/val files, or a list of those. Empty
    when all is well; ``finding.severity`` tells errors from warnings."""
    from foldcheck.checks.runner import run_checks

    result = run_checks(
        _paths(paths),
        dataset=None if dataset is None else Path(dataset),
        group_by=group_by,
        tolerance=tolerance,
        images_dir=None if images_dir is None else Path(images_dir),
    )
    return result.findings


@_in_api_terms
def validate(
    paths: Paths,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    images_dir: str | os.PathLike[str] | None = None,
) -> list[Finding]:
    """Lint findings (``foldcheck validate``) of COCO files or YOLO data.yaml files: one path
    or a list. ``select``/``ignore`` take rule codes or prefixes (``["FC51"]``); with
    ``images_dir`` the image files are read too. Every finding, none capped."""
    from foldcheck.checks.lint import LintSettings
    from foldcheck.checks.validate import lint_file

    settings = LintSettings(images_dir=None if images_dir is None else Path(images_dir))
    findings: list[Finding] = []
    for path in _paths(paths):
        findings += lint_file(path, settings, list(select), list(ignore)).findings()
    return findings


@_in_api_terms
def report(
    folds: FoldAssignment | str | os.PathLike[str], tolerance: float | None = None
) -> Balance:
    """The per-fold balance (``foldcheck report``) of a fold set: a :class:`FoldAssignment`
    or a manifest path. ``balance.annotations.counts`` is a classes x folds array (so are
    ``images``, ``box_sizes``, ``fold_sizes``); ``balance.to_dict()`` is the JSON report.
    ``tolerance`` defaults to the manifest's, else 0.1."""
    from foldcheck.core.balance import compute_balance
    from foldcheck.formats.fold_files import manifest_at, open_manifest

    manifest = None
    if not isinstance(folds, FoldAssignment):
        manifest, folds = open_manifest(manifest_at(Path(folds)))
    return compute_balance(folds, resolve_settings({"tolerance": tolerance}, manifest).tolerance)


@_in_api_terms
def duplicates(
    folder: str | os.PathLike[str],
    near_distance: int = DEFAULT_MAX_DISTANCE,
    use_cache: bool = True,
) -> list[list[str]]:
    """Near-duplicate images under ``folder`` (``foldcheck duplicates``): clusters of two or
    more file names (relative to the folder, '/'-separated), largest first, each led by the
    image the others are compared with. Two images are near duplicates when their 64-bit
    perceptual hashes differ in at most ``near_distance`` bits (0 to 16). Files that are not
    readable images are left out. Needs Pillow."""
    from foldcheck.images.clusters import find_clusters
    from foldcheck.images.hashes import folder_hashes, list_images

    if not 0 <= near_distance <= 16:
        raise InputError(f"{option('near_distance')} must be between 0 and 16 bits")
    root = Path(folder)
    names = list_images(root)
    hashed = folder_hashes(root, names, what="foldcheck.duplicates", use_cache=use_cache)
    readable = [name for name, ok in zip(names, hashed.ok.tolist(), strict=True) if ok]
    clusters, _ = find_clusters(hashed.values[hashed.ok], near_distance)
    return [[readable[member] for member in cluster.members] for cluster in clusters]


@_in_api_terms
def score(
    folds: str | os.PathLike[str],
    predictions: str | Iterable[str | os.PathLike[str]],
    iou_type: str = "bbox",
    test_predictions: Paths | None = None,
    dataset: str | os.PathLike[str] | None = None,
) -> ScoreResult:
    """Each fold's predictions scored on its validation images as pycocotools' COCOeval
    scores them (``foldcheck score``): ``predictions`` are COCO results files in fold order,
    or one pattern with ``{i}`` ("runs/fold{i}/predictions.json"). The result has
    ``.folds[i].stats["AP"]``, ``.mean``, ``.std`` (ddof=1), ``.oof``, ``.per_class``,
    ``.findings`` (FC6xx), and ``.to_dict()``, the JSON ``--format json`` prints."""
    from foldcheck.scoring.run import score_fold_set

    files = predictions if isinstance(predictions, str) else [Path(p) for p in predictions]
    return score_fold_set(
        Path(folds),
        files,
        iou_type,
        [] if test_predictions is None else _paths(test_predictions),
        None if dataset is None else Path(dataset),
    )
