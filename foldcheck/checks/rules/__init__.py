"""The rule families. Each module registers its rules (``core.findings.register``) beside the
code that emits them; ``catalogue`` imports them all."""

from __future__ import annotations

from foldcheck.core.findings import RULES, Rule


def catalogue() -> dict[str, Rule]:
    """Every rule foldcheck has, by code, in code order."""
    from foldcheck.checks.rules import (  # noqa: F401
        balance,
        coverage,
        holdout,
        leakage,
        lint_annotations,
        lint_images,
        lint_records,
        near_duplicates,
        predictions,
        staleness,
        yolo_lint,
    )

    return dict(sorted(RULES.items()))
