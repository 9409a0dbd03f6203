"""The lint registry and runner behind ``foldcheck validate``, for any annotation format.

A lint rule is a function of a table of numpy columns and the settings that returns the rows
of the records it flags (``Hits``) and how to describe one. It is declared with
``lint_rule``, which registers its code in ``core.findings`` and keeps its docstring as the
rule's reason (its page in the docs site shows it). Nothing here knows COCO: a format's loader makes
the table and says where a record starts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from foldcheck.core.findings import Finding, Rule, capped_rule, register, selected


@dataclass(frozen=True)
class LintSettings:
    box_tolerance: float = 1.0  # pixels a box may reach past its image before FC511
    images_dir: Path | None = None  # where the image files are (FC523-FC525)


@dataclass(frozen=True)
class Hits:
    """What one rule flags in one file: the kind of record ("annotations", "images",
    "categories"; "" for the file itself), their rows in file order, and one's message."""

    kind: str
    rows: np.ndarray
    describe: Callable[[int], str]

    @staticmethod
    def none() -> Hits:
        return Hits("", np.zeros(0, np.intp), str)

    @staticmethod
    def where(kind: str, mask: np.ndarray, describe: Callable[[int], str]) -> Hits:
        return Hits(kind, np.flatnonzero(mask), describe)

    @staticmethod
    def repeated(
        kind: str,
        later_and_first: tuple[np.ndarray, np.ndarray],
        describe: Callable[[int, int], str],
    ) -> Hits:
        """The later rows of repeats (``later``, in file order), each described with the row
        it repeats (``first``): the shape of every duplicate rule."""
        later, first = later_and_first
        first_of = dict(zip(later.tolist(), first.tolist(), strict=True))
        return Hits(kind, later, lambda row: describe(row, first_of[row]))


RuleFunction = Callable[[Any, LintSettings], Hits]


@dataclass(frozen=True)
class LintCheck:
    rule: Rule
    run: RuleFunction
    fmt: str  # the annotation format whose tables it reads ("coco", "yolo")
    why: str  # the framework behaviour behind its severity


LINT_CHECKS: list[LintCheck] = []


def lint_rule(
    code: str, name: str, severity: str, summary: str, *, fmt: str = "coco"
) -> Callable[[RuleFunction], RuleFunction]:
    """Declare a lint rule beside the function that finds it; its docstring is the why."""
    rule = register(code, name, severity, summary)

    def declare(function: RuleFunction) -> RuleFunction:
        why = " ".join((function.__doc__ or "").split())
        LINT_CHECKS.append(LintCheck(rule, function, fmt, why))
        return function

    return declare


Result = list[tuple[LintCheck, Hits]]


def run_lint(
    table: Any,
    settings: LintSettings,
    fmt: str,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> Result:
    """Every selected rule of the format over the table (unselected rules do not run)."""
    return [
        (check, check.run(table, settings))
        for check in LINT_CHECKS
        if check.fmt == fmt and selected(check.rule.code, list(select), list(ignore))
    ]


def lint_findings(
    path: str,
    result: Result,
    locate: Callable[[str, np.ndarray], list[tuple[int, int]]],
    *,
    most: int | None = None,
) -> list[Finding]:
    """Findings in file order; with ``most``, that many per rule and one counting the rest
    (``core.findings.capped_rule``): messages and places are made only for the rows shown,
    the places of each kind of record in one call of ``locate``."""
    shown = [
        (check, hits, hits.rows if most is None else hits.rows[:most]) for check, hits in result
    ]
    place: dict[tuple[str, int], tuple[int | None, int | None]] = {}
    for kind in {hits.kind for _, hits, _ in shown} - {""}:
        rows = np.unique(np.concatenate([r for _, h, r in shown if h.kind == kind]))
        place.update(zip(((kind, row) for row in rows.tolist()), locate(kind, rows), strict=True))
    findings: list[Finding] = []
    for check, hits, rows in shown:
        found = []
        for row in rows.tolist():
            line, col = place.get((hits.kind, row), (None, None))
            found.append(Finding(path, line, col, check.rule, hits.describe(row)))
        findings += capped_rule(found, len(hits.rows), most)
    return sorted(findings, key=lambda f: (f.line is None, f.line or 0, f.col or 0, f.code))
