"""``foldcheck validate``: lint one annotation file, and write its fixed copy; data, no printing.

A file is read by its format's loader into a table of columns and a locator of records, the
format's lint rules run over the table (``checks.lint``), and findings point at the offending
records. COCO is the one format today: each loader is an entry of ``LOADERS``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import foldcheck.checks.rules.lint_annotations
import foldcheck.checks.rules.lint_images
import foldcheck.checks.rules.lint_records  # noqa: F401  (the COCO rules register on import)
from foldcheck.checks.lint import LintSettings, Result, lint_findings, run_lint
from foldcheck.checks.lint_fix import Change, plan_fixes
from foldcheck.core.findings import Finding
from foldcheck.formats.coco import dataset_from_document
from foldcheck.formats.coco_edit import apply_edits, record_spans
from foldcheck.formats.coco_lint import LintTable, lint_table
from foldcheck.io.jsonio import read_json
from foldcheck.io.locate import JsonText

Locate = Callable[[str, int], "tuple[int, int] | None"]


@dataclass(frozen=True, eq=False)
class Linted:
    path: Path
    fmt: str
    table: Any  # the format's table of columns (COCO: LintTable)
    raw: bytes
    result: Result
    locate: Locate

    def findings(self, most: int | None = None) -> list[Finding]:
        return lint_findings(str(self.path), self.result, self.locate, most=most)

    @property
    def errors(self) -> int:
        return sum(len(h.rows) for c, h in self.result if c.rule.severity == "error")


def _load_coco(path: Path) -> tuple[LintTable, bytes, Locate]:
    document, raw = read_json(path)
    dataset = dataset_from_document(document, path, hashlib.sha256(raw).hexdigest())
    text = JsonText(raw)
    return lint_table(dataset, document), raw, lambda kind, row: text.locate((kind, row))


LOADERS: dict[str, tuple[str, Callable[[Path], tuple[Any, bytes, Locate]]]] = {
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
    table, raw, locate = load(path)
    result = run_lint(table, settings or LintSettings(), fmt, select, ignore)
    return Linted(path, fmt, table, raw, result, locate)


@dataclass(frozen=True)
class Fixed:
    payload: bytes  # the corrected file
    changes: list[tuple[Change, tuple[int, int] | None]]  # with the record's place in the input


def fix(linted: Linted) -> Fixed:
    """The corrected copy of a linted COCO file (the input itself when nothing is fixed)."""
    plan = plan_fixes(linted.table, linted.result)
    if not plan.changes:
        return Fixed(linted.raw, [])
    payload = apply_edits(record_spans(linted.raw), plan.edits)
    in_file_order = sorted(plan.changes, key=lambda change: change.row)  # stable
    placed = [
        (change, linted.locate("annotations", change.row) if change.row >= 0 else None)
        for change in in_file_order
    ]
    return Fixed(payload, placed)
