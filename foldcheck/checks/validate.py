"""``foldcheck validate``: lint one annotation file, and write its fixed copy; data, no printing.

A file is read by its format's loader into a table of columns and a locator of records, the
format's lint rules run over the table (``checks.lint``), and findings point at the offending
records. Each format is an entry of ``FORMATS`` (COCO; YOLO, whose rules in
``checks.rules.yolo_lint`` read the label files and image lists of a data.yaml).
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
from foldcheck.core.findings import Finding, Tally, capped, selected, tally
from foldcheck.formats.coco.edit import apply_edits, record_spans
from foldcheck.formats.coco.reader import load_lint_table
from foldcheck.formats.coco.text import text_of
from foldcheck.formats.datasets import YAML_SUFFIXES

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

    def tally(self) -> Tally:
        """Every finding counted, however many are shown."""
        errors = sum(len(h.rows) for c, h in self.result if c.rule.severity == "error")
        return Tally(errors, sum(len(h.rows) for _, h in self.result) - errors)


@dataclass(frozen=True, eq=False)
class LintedYolo:
    """A YOLO data.yaml linted: the findings of its label files and image lists."""

    path: Path
    found: list[Finding]

    def findings(self, most: int | None = None) -> list[Finding]:
        found = sorted(self.found, key=Finding.sort_key)
        return found if most is None else capped([found], most)

    def tally(self) -> Tally:
        return tally(self.found)


def _lint_coco(
    path: Path, settings: LintSettings, select: Sequence[str], ignore: Sequence[str]
) -> Linted:
    table = load_lint_table(path)  # one read, as split's, with the lint columns
    result = run_lint(table, settings, "coco", select, ignore)
    return Linted(path, "coco", table, result, table.places.places)


def _lint_yolo(
    path: Path, settings: LintSettings, select: Sequence[str], ignore: Sequence[str]
) -> LintedYolo:
    from foldcheck.checks.rules.yolo_lint import lint_yolo
    from foldcheck.formats.yolo.data_yaml import read_data_yaml

    found = lint_yolo(read_data_yaml(path))
    return LintedYolo(path, [f for f in found if selected(f.code, list(select), list(ignore))])


@dataclass(frozen=True)
class Format:
    """How ``validate`` lints one annotation format, and why it cannot ``--fix`` it (if so)."""

    name: str
    lint: Callable[[Path, LintSettings, Sequence[str], Sequence[str]], Linted | LintedYolo]
    no_fix: str = ""


COCO = Format("coco", _lint_coco)
YOLO = Format(
    "yolo",
    _lint_yolo,
    "--fix and --in-place rewrite COCO files only: foldcheck has no fixes for YOLO label"
    " files (correct the lines it reports)",
)
FORMATS = {".json": COCO, **dict.fromkeys(YAML_SUFFIXES, YOLO)}  # by file suffix


def format_of(path: Path) -> Format:
    return FORMATS.get(path.suffix.lower(), COCO)


def lint_file(
    path: Path,
    settings: LintSettings | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> Linted | LintedYolo:
    """Read ``path`` (an InputError if it is unusable) and run its format's selected rules."""
    return format_of(path).lint(path, settings or LintSettings(), select, ignore)


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
