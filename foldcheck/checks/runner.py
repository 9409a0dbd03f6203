"""Run every rule over every fold set the paths name; findings as data, nothing printed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from foldcheck.checks.context import CheckContext, build_context
from foldcheck.checks.rules.balance import check_balance, fold_balance
from foldcheck.checks.rules.coverage import check_coverage
from foldcheck.checks.rules.holdout import check_holdout
from foldcheck.checks.rules.leakage import check_leakage
from foldcheck.checks.rules.near_duplicates import NEAR_DUPLICATES, check_near_duplicates
from foldcheck.checks.rules.staleness import (
    check_matches_manifest,
    check_staleness,
    committed_machinery,
    incomplete_set,
)
from foldcheck.config import ProjectConfig, load_config, resolve_settings
from foldcheck.core.balance import Balance
from foldcheck.core.dataset import Dataset
from foldcheck.core.findings import Finding, selected
from foldcheck.errors import InputError
from foldcheck.formats.datasets import read_dataset
from foldcheck.formats.fold_set import FoldSet
from foldcheck.formats.foldsets import discover, explicit_pairs
from foldcheck.formats.manifest import Manifest
from foldcheck.images import DEFAULT_MAX_DISTANCE
from foldcheck.io.journal import Pending, pending


@dataclass(frozen=True, eq=False)
class FoldSetReport:
    fold_set: FoldSet
    findings: list[Finding]  # sorted by place
    balance: Balance | None  # None for fold files governed by a manifest (its balance is theirs)
    # What the rules saw (None for an unfinished folder): a report builds on it, reading nothing
    # again.
    context: CheckContext | None = None
    # The manifest this report's files belong to (its exports are the same fold set as it).
    manifest_path: Path | None = None


@dataclass
class CheckResult:
    reports: list[FoldSetReport] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [finding for report in self.reports for finding in report.findings]

    @property
    def fold_set_count(self) -> int:
        """Fold sets as a user made them: a manifest and the exports beside it are one."""
        return len(
            {report.manifest_path or report.fold_set.origin.resolve() for report in self.reports}
        )


def run_checks(
    paths: list[Path],
    dataset: Path | None = None,
    group_by: str | None = None,
    tolerance: float | None = None,
    images_dir: Path | None = None,
    train: list[Path] | None = None,
    val: list[Path] | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    config: ProjectConfig | None = None,
    near_distance: int = DEFAULT_MAX_DISTANCE,
    datasets: dict[Path, Dataset] | None = None,
    manifests: dict[Path, FoldSet] | None = None,
) -> CheckResult:
    """``datasets`` and ``manifests`` (their fold sets): ones the caller has read already,
    by resolved path (not read again)."""
    config = load_config() if config is None else config
    if not paths and not (train or val):
        if config.folds is None:
            raise InputError(
                "nothing to check: name fold files, or set 'folds' (and 'dataset')"
                " in [tool.foldcheck] of pyproject.toml (foldcheck init does)"
            )
        paths = [config.folds]
        dataset = dataset or config.dataset
    # A folder an interrupted write left (its staging folder is there) gets one finding,
    # FC305, naming the command that finishes it, not a judgement of the mix: a reader
    # never writes, and never carries out a journal that repository content may hold.
    unfinished = _unfinished([*paths, *(train or []), *(val or [])])
    readable = [path for path in paths if _folder_of(path) not in unfinished]
    fold_sets = discover(readable, manifests) if readable or not unfinished else []
    if train or val:
        fold_sets.append(explicit_pairs(train or [], val or []))

    result = CheckResult()
    for shown, found in unfinished.values():
        finding = incomplete_set(shown, found)
        chosen = [finding] if selected(finding.code, select or [], ignore or []) else []
        result.reports.append(FoldSetReport(FoldSet(shown, "incomplete", []), chosen, None))
    datasets = dict(datasets or {})
    # A manifest governs the fold files exported beside it: they are checked against its
    # dataset and settings, must match its folds, and its balance is theirs.
    governing = {fs.manifest.path.parent.resolve(): fs.manifest for fs in fold_sets if fs.manifest}
    for fold_set in fold_sets:
        folder = fold_set.origin if fold_set.origin.is_dir() else fold_set.origin.parent
        manifest = fold_set.manifest or governing.get(folder.resolve())
        reference_path = dataset or (manifest.dataset_file if manifest else config.dataset)
        reference = None
        if reference_path is not None:
            key = reference_path.resolve()
            if key not in datasets:
                datasets[key] = read_dataset(reference_path)
            reference = datasets[key]
        settings = resolve_settings(
            {"group_by": group_by, "tolerance": tolerance}, manifest, config
        )
        ctx = build_context(
            fold_set,
            reference,
            settings.group_by,
            # Without a manifest the folds' grouping is unknown: an image without the key is a
            # group of its own rather than an error.
            manifest.missing_group if manifest else "own",
            settings.tolerance,
            images_dir,
            manifest.holdout["images"] if manifest and manifest.holdout else None,
            manifest.near_duplicates.get("joined")
            if manifest and manifest.near_duplicates
            else None,
        )
        near = near_distance if selected(NEAR_DUPLICATES.code, select or [], ignore or []) else None
        findings, balance = check_fold_set(ctx, manifest, near)
        chosen = [f for f in findings if selected(f.code, select or [], ignore or [])]
        result.reports.append(
            FoldSetReport(
                fold_set,
                sorted(chosen, key=Finding.sort_key),
                balance,
                ctx,
                manifest.path.resolve() if manifest else None,
            )
        )
    _add_committed_machinery(result, select or [], ignore or [])
    return result


def _add_committed_machinery(result: CheckResult, select: list[str], ignore: list[str]) -> None:
    """FC306 once per folder checked, with the first of its fold sets."""
    seen: set[Path] = set()
    for report in result.reports:
        origin = report.fold_set.origin
        folder = origin if origin.is_dir() else origin.parent
        if folder.resolve() in seen:
            continue
        seen.add(folder.resolve())
        found = [f for f in committed_machinery(folder) if selected(f.code, select, ignore)]
        report.findings[:] = sorted([*report.findings, *found], key=Finding.sort_key)


def _folder_of(path: Path) -> Path:
    return (path if path.is_dir() else path.parent).resolve()


def _unfinished(paths: list[Path]) -> dict[Path, tuple[Path, Pending]]:
    """The folders of ``paths`` holding an interrupted write, each with the folder as the
    user named it."""
    unfinished: dict[Path, tuple[Path, Pending]] = {}
    for path in paths:
        folder = _folder_of(path)
        if folder not in unfinished and (found := pending(folder)) is not None:
            unfinished[folder] = (path if path.is_dir() else path.parent, found)
    return unfinished


def check_fold_set(
    ctx: CheckContext, manifest: Manifest | None, near_distance: int | None
) -> tuple[list[Finding], Balance | None]:
    """Every rule over one fold set; FC106 only when selected (``near_distance`` not None):
    it decodes images and needs Pillow."""
    reference_sha256 = ctx.reference.sha256 if ctx.reference_given else None
    findings = [
        *check_leakage(ctx),
        *check_coverage(ctx),
        *check_holdout(ctx),
        *check_staleness(ctx, reference_sha256, manifest),
    ]
    if ctx.images_dir is not None and near_distance is not None:
        findings += check_near_duplicates(ctx, near_distance)
    if ctx.fold_set.manifest is None and manifest is not None:
        return findings + list(check_matches_manifest(ctx, manifest)), None
    balance = fold_balance(ctx)
    return findings + list(check_balance(ctx, balance)), balance
