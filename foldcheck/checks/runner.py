"""Run every rule over every fold set the paths name; findings as data, nothing printed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from foldcheck.checks.context import build_context, capped
from foldcheck.checks.rules.balance import check_balance, fold_balance
from foldcheck.checks.rules.coverage import check_coverage, check_matches_manifest, check_staleness
from foldcheck.checks.rules.leakage import check_leakage
from foldcheck.config import DEFAULT_TOLERANCE, ProjectConfig, load_config
from foldcheck.core.balance import Balance
from foldcheck.core.dataset import Dataset, load_dataset
from foldcheck.core.findings import Finding, selected
from foldcheck.errors import InputError
from foldcheck.formats.foldsets import FoldSet, discover, explicit_pairs
from foldcheck.formats.manifest import Manifest


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    fold_sets: list[FoldSet] = field(default_factory=list)
    balances: list[tuple[FoldSet, Balance]] = field(default_factory=list)


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
    cap: bool = True,
    config: ProjectConfig | None = None,
) -> CheckResult:
    config = load_config() if config is None else config
    if not paths and not (train or val):
        if config.folds is None:
            raise InputError(
                "nothing to check: name fold files, or set 'folds' (and 'dataset')"
                " in [tool.foldcheck] of pyproject.toml (foldcheck init does)"
            )
        paths = [config.folds]
        dataset = dataset or config.dataset
    fold_sets = discover(paths)
    if train or val:
        fold_sets.append(explicit_pairs(train or [], val or []))

    result = CheckResult(fold_sets=fold_sets)
    datasets: dict[Path, Dataset] = {}
    # A manifest governs the fold files exported beside it: they are checked against its
    # dataset and settings, must match its folds, and its balance is theirs.
    governing = {fs.manifest.path.parent.resolve(): fs.manifest for fs in fold_sets if fs.manifest}
    for fold_set in fold_sets:
        folder = fold_set.origin if fold_set.kind == "coco" else fold_set.origin.parent
        manifest = fold_set.manifest or governing.get(folder.resolve())
        reference_path = dataset or (manifest.dataset_file if manifest else config.dataset)
        reference = None
        if reference_path is not None:
            key = reference_path.resolve()
            if key not in datasets:
                datasets[key] = load_dataset(reference_path)
            reference = datasets[key]
        ctx = build_context(
            fold_set,
            reference,
            group_by or (manifest.group_by if manifest else None) or config.group_by or "image",
            manifest.missing_group if manifest else "own",
            _tolerance(tolerance, manifest, config),
            images_dir,
        )
        findings = [
            *check_leakage(ctx),
            *check_coverage(ctx),
            *check_staleness(ctx, reference.sha256 if reference else None),
        ]
        if fold_set.manifest is None and manifest is not None:
            findings += check_matches_manifest(ctx, manifest)
        else:
            balance = fold_balance(ctx)
            result.balances.append((fold_set, balance))
            findings += check_balance(ctx, balance)
        chosen = sorted(
            (f for f in findings if selected(f.code, select or [], ignore or [])),
            key=Finding.sort_key,
        )
        result.findings += _cap_by_rule(chosen, cap)
    return result


def _tolerance(option: float | None, manifest: Manifest | None, config: ProjectConfig) -> float:
    if option is not None:
        if option <= 0:
            raise InputError(f"--tolerance must be positive, got {option}")
        return option
    if manifest is not None:
        return manifest.tolerance
    return config.tolerance if config.tolerance is not None else DEFAULT_TOLERANCE


def _cap_by_rule(findings: list[Finding], cap: bool) -> list[Finding]:
    if not cap:
        return findings
    by_code: dict[str, list[Finding]] = {}
    for finding in findings:
        by_code.setdefault(finding.code, []).append(finding)
    capped_findings: list[Finding] = []
    for code, group in by_code.items():
        capped_findings += capped(iter(group), f"{code} findings")
    return capped_findings
