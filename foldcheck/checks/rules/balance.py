"""FC4xx: class, box-size and fold-size balance of the validation folds, within tolerance.

A validation fold with too few boxes or images of a class (or none) gives that class a noisy
or undefined AP (pycocotools' COCOeval reports -1 for a class without ground truth and leaves
it out of the mean), so the per-fold scores vary with the split rather than with the model;
unequal fold sizes weigh the folds unequally. The tolerance allows what no group-respecting
split can avoid: one group's worth.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from foldcheck.checks.context import CheckContext
from foldcheck.core.balance import Balance, Table, compute_balance
from foldcheck.core.findings import Finding, Rule, register
from foldcheck.io.excerpt import quoted

CLASS_SHARE = register(
    "FC401",
    "class-share",
    "error",
    "a class's annotation count in a validation fold is beyond the tolerance",
)
FOLD_SIZE = register(
    "FC402",
    "fold-size",
    "error",
    "a validation fold's image or annotation count is beyond the tolerance",
)
CLASS_MISSING_FROM_FOLD = register(
    "FC403",
    "class-missing-from-fold",
    "error",
    "a class held by at least K groups is absent from a validation fold",
)
CLASS_IMAGE_SHARE = register(
    "FC404",
    "class-image-share",
    "error",
    "the number of images containing a class in a validation fold is beyond the tolerance",
)
BOX_SIZE_SHARE = register(
    "FC405",
    "box-size-share",
    "error",
    "a COCO box-size bucket's count in a validation fold is beyond the tolerance",
)

_TABLE_RULES = (
    ("annotations", CLASS_SHARE, "annotations"),
    ("images", CLASS_IMAGE_SHARE, "images"),
    ("box_sizes", BOX_SIZE_SHARE, "annotations"),
    ("fold_sizes", FOLD_SIZE, ""),
)


def fold_balance(ctx: CheckContext) -> Balance:
    return compute_balance(ctx.assignment, ctx.tolerance)


def check_balance(ctx: CheckContext, balance: Balance) -> Iterator[Finding]:
    groups_per_class = ctx.groups.classes_held(ctx.reference, ctx.held)
    for fold, rule, message in balance_refusals(balance, groups_per_class):
        yield _fold_finding(ctx, fold, rule, message)


def balance_refusals(
    balance: Balance, groups_per_class: np.ndarray
) -> Iterator[tuple[int, Rule, str]]:
    """(fold, rule, message) of every cell ``check`` refuses for balance: beyond the
    tolerance, or a class missing from a fold (``groups_per_class``: the groups of the folds
    holding each class); what ``split`` warns of when its search could not avoid them."""
    yield from _cells_out_of_tolerance(balance)
    yield from _absent_classes(balance, groups_per_class)


def _cells_out_of_tolerance(balance: Balance) -> Iterator[tuple[int, Rule, str]]:
    for attribute, rule, unit in _TABLE_RULES:
        table: Table = getattr(balance, attribute)
        for row, fold in zip(*np.nonzero(table.out_of_tolerance), strict=True):
            yield int(fold), rule, _describe(table, int(row), int(fold), unit, balance.tolerance)


def _describe(table: Table, row: int, fold: int, unit: str, tolerance: float) -> str:
    name = table.rows[row]
    count, expected = int(table.counts[row, fold]), float(table.expected[row])
    deviation = table.deviation[row, fold]
    what = (
        f"{count} {unit} of class {quoted(name)}"
        if unit and table.title.endswith("class")
        else (f"{count} {unit} of size {name}" if unit else f"{count} {name}")
    )
    return (
        f"validation fold {fold} has {what}: {abs(deviation):.1%} "
        f"{'over' if deviation > 0 else 'under'} an equal share of {expected:.1f}, "
        f"floor {table.floor[row]:.1%} (tolerance ±{tolerance:.0%}, "
        f"allowed ±{table.allowed[row]:.1f})"
    )


def _absent_classes(
    balance: Balance, groups_per_class: np.ndarray
) -> Iterator[tuple[int, Rule, str]]:
    """FC403: a class spread over at least K groups of the folds (a held-out test set's are
    in none) could have been in every fold."""
    table = balance.annotations
    for row, fold in zip(*np.nonzero(table.counts == 0), strict=True):
        if groups_per_class[row] >= balance.k:
            yield (
                int(fold),
                CLASS_MISSING_FROM_FOLD,
                f"class {quoted(table.rows[row])} is in {int(groups_per_class[row])} groups "
                f"but none in validation fold {int(fold)}",
            )


def _fold_finding(ctx: CheckContext, fold: int, rule: Rule, message: str) -> Finding:
    """At the fold's first id in a manifest (one id per line); else at the fold's file."""
    side = ctx.val[fold].side
    line, col = side.locate(0) if ctx.fold_set.kind == "manifest" and len(side) else (None, None)
    return Finding(str(side.path), line, col, rule, message)
