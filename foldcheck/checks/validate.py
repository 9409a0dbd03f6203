"""``foldcheck validate``: lint one annotation file, and write its fixed copy; data, no printing.

A file is read by its format's loader into a table of columns and a locator of records, the
format's lint rules run over the table (``checks.lint``), and findings point at the offending
records. COCO is the one format today: each loader is an entry of ``LOADERS``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import foldcheck.checks.rules.lint_annotations
import foldcheck.checks.rules.lint_images
import foldcheck.checks.rules.lint_records  # noqa: F401  (the COCO rules register on import)
from foldcheck.checks.lint import LintSettings, Result, lint_findings, run_lint
from foldcheck.checks.lint_fix import Change, plan_fixes
from foldcheck.core.findings import Finding
from foldcheck.formats.coco import load_lint_table
from foldcheck.formats.coco_edit import apply_edits, record_spans
from foldcheck.formats.coco_lint import LintTable
from foldcheck.formats.coco_text import text_of

Locate = Callable[[str, np.ndarray], "list[tuple[int, int]]"]  # (line, col) of records


@dataclass(frozen=True, eq=False)
class Linted:
    path: Path
    fmt: str
    table: Any  # the format's table of columns (COCO: LintTable)
    result: Result
    locate: Locate

    def findings(self, most: int | None = None) -> list[Finding]:
        return lint_findings(str(self.path), self.result, self.locate, most=most)

    @property
    def errors(self) -> int:
        return sum(len(h.rows) for c, h in self.result if c.rule.severity == "error")


def _load_coco(path: Path) -> tuple[LintTable, Locate]:
    table = load_lint_table(path)  # one read, as split's, with the lint columns
    return table, table.places.places


LOADERS: dict[str, tuple[str, Callable[[Path], tuple[Any, Locate]]]] = {
    ".json": ("coco", _load_coco),
}


def lint_file(
    path: Path,
    settings: LintSettings | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> Linted:
    """Read ``path`` (an InputError if it is unusable) and run the selected rules on it."""
    fmt, load = LOADERS.get(path.suffix.lower(), LOADERS[".json"])
    table, locate = load(path)
    result = run_lint(table, settings or LintSettings(), fmt, select, ignore)
    return Linted(path, fmt, table, result, locate)


@dataclass(frozen=True)
class Fixed:
    payload: bytes  # the corrected file
    changes: list[tuple[Change, tuple[int, int] | None]]  # with the record's place in the input


def fix(linted: Linted) -> Fixed:
    """The corrected copy of a linted COCO file (the input itself when nothing is fixed)."""
    plan = plan_fixes(linted.table, linted.result)
    source = text_of(linted.table.dataset)
    if not plan.changes:
        return Fixed(bytes(source.text[:]), [])
    payload = apply_edits(record_spans(source), plan.edits)
    in_file_order = sorted(plan.changes, key=lambda change: change.row)  # stable
    rows = np.array([change.row for change in in_file_order if change.row >= 0], np.int64)
    places = iter(linted.locate("annotations", rows))
    placed = [(change, next(places) if change.row >= 0 else None) for change in in_file_order]
    return Fixed(payload, placed)
