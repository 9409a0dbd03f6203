"""FC4xx: class, box-size and fold-size balance of the validation folds, within tolerance."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from foldcheck.checks.context import CheckContext
from foldcheck.core.balance import Balance, Table, compute_balance
from foldcheck.core.findings import Finding

_TABLE_CODES = (
    ("annotations", "FC401", "annotations"),
    ("images", "FC404", "images"),
    ("box_sizes", "FC405", "annotations"),
    ("fold_sizes", "FC402", ""),
)


def fold_balance(ctx: CheckContext) -> Balance:
    return compute_balance(
        ctx.reference, ctx.val_fold_of_row, ctx.groups.of_image, ctx.k, ctx.tolerance
    )


def check_balance(ctx: CheckContext, balance: Balance) -> Iterator[Finding]:
    for attribute, code, unit in _TABLE_CODES:
        table: Table = getattr(balance, attribute)
        for row, fold in zip(*np.nonzero(table.out_of_tolerance), strict=True):
            yield _fold_finding(
                ctx, int(fold), code, _describe(table, int(row), int(fold), unit, ctx.tolerance)
            )
    yield from _absent_classes(ctx, balance)


def _describe(table: Table, row: int, fold: int, unit: str, tolerance: float) -> str:
    name = table.rows[row]
    count, expected = int(table.counts[row, fold]), float(table.expected[row])
    deviation = table.deviation[row, fold]
    what = (
        f"{count} {unit} of class {name!r}"
        if unit and table.title.endswith("class")
        else (f"{count} {unit} of size {name}" if unit else f"{count} {name}")
    )
    return (
        f"validation fold {fold} has {what}: {abs(deviation):.1%} "
        f"{'over' if deviation > 0 else 'under'} an equal share of {expected:.1f} "
        f"(tolerance ±{tolerance:.0%}, allowed ±{table.allowed[row]:.1f})"
    )


def _absent_classes(ctx: CheckContext, balance: Balance) -> Iterator[Finding]:
    """FC403: a class spread over at least K groups could have been in every fold."""
    reference = ctx.reference
    groups_per_class = ctx.groups.classes_held(reference)
    counts = balance.annotations.counts
    for row, fold in zip(*np.nonzero(counts == 0), strict=True):
        if groups_per_class[row] >= ctx.k:
            yield _fold_finding(
                ctx,
                int(fold),
                "FC403",
                f"class {reference.category_names[row]!r} is in "
                f"{int(groups_per_class[row])} groups but none in validation "
                f"fold {int(fold)}",
            )


def _fold_finding(ctx: CheckContext, fold: int, code: str, message: str) -> Finding:
    """At the fold's first id in a manifest (one id per line); else at the fold's file."""
    side = ctx.val[fold].side
    line, col = side.locate(0) if ctx.fold_set.kind == "manifest" and len(side) else (None, None)
    return Finding(str(side.path), line, col, code, message)
