"""Findings and the rules that make them.

A rule family declares its rules beside the code that emits them, with ``register``; findings
are made from the returned ``Rule``, so a mistyped code fails when its module is imported, not
when a finding is rendered. ``foldcheck.checks.rules.catalogue()`` imports every family and
lists them all (``--list-rules`` and the docs' rule pages come from it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

SEVERITIES = ("error", "warning")  # "error" fails the command; "warning" is reported only
MOST_PER_RULE = 20  # findings of one rule in one file or fold set shown before the rest are counted
_CODE = re.compile(r"^FC\d{3}$")


class Rule(NamedTuple):
    code: str
    name: str
    severity: str
    summary: str


RULES: dict[str, Rule] = {}  # every registered rule, by code


def register(code: str, name: str, severity: str, summary: str) -> Rule:
    if not _CODE.match(code):
        raise ValueError(f"rule code {code!r} is not of the form FC123")
    if severity not in SEVERITIES:
        raise ValueError(f"rule {code}: severity {severity!r} is not one of {SEVERITIES}")
    if code in RULES:
        raise ValueError(f"rule {code} is registered twice")
    rule = Rule(code, name, severity, summary)
    RULES[code] = rule
    return rule


@dataclass(frozen=True)
class Finding:
    """One problem found: the file (``path``) and place in it (``line``, ``col``; None for the
    whole file), the ``rule`` broken (its ``code`` like FC103 and ``severity``), and the
    ``message`` saying what is wrong there."""

    path: str
    line: int | None
    col: int | None
    rule: Rule
    message: str

    @classmethod
    def at_file(cls, path: object, rule: Rule, message: str) -> Finding:
        """A finding about a whole file (no line to point at)."""
        return cls(str(path), None, None, rule, message)

    @property
    def code(self) -> str:
        """The rule's stable code, e.g. FC103."""
        return self.rule.code

    @property
    def severity(self) -> str:
        """ "error" or "warning"."""
        return self.rule.severity

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order by file, place, code and message (how findings are listed)."""
        return (self.path, self.line or 0, self.col or 0, self.code, self.message)

    def location(self) -> str:
        """``path:line:col``, or the path alone for a finding about a whole file."""
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}:{self.col or 1}"

    def to_dict(self) -> dict[str, Any]:
        """The finding as ``--format json`` writes it."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.col,
            "code": self.code,
            "rule": self.rule.name,
            "severity": self.severity,
            "message": self.message,
        }


class Tally(NamedTuple):
    """How many findings were found (not shown: the text caps each rule's)."""

    errors: int
    warnings: int


def tally(findings: list[Finding]) -> Tally:
    errors = sum(f.severity == "error" for f in findings)
    return Tally(errors, len(findings) - errors)


def selected(code: str, select: list[str], ignore: list[str]) -> bool:
    """ruff-style selection by code prefix: ``FC1`` means every FC1xx rule."""
    if select and not any(code.startswith(prefix) for prefix in select):
        return False
    return not any(code.startswith(prefix) for prefix in ignore)


def capped(groups: Iterable[list[Finding]], most: int = MOST_PER_RULE) -> list[Finding]:
    """Per group (a fold set's or a file's findings) and rule, the first ``most`` findings and
    one that counts the rest; ``-v`` shows them all."""
    shown: list[Finding] = []
    for findings in groups:
        by_code: dict[str, list[Finding]] = {}
        for finding in findings:
            by_code.setdefault(finding.code, []).append(finding)
        for same in by_code.values():
            shown += capped_rule(same, len(same), most)
    return shown


def capped_rule(findings: list[Finding], total: int, most: int | None) -> list[Finding]:
    """The first ``most`` of one rule's ``total`` findings (``findings`` may hold only those)
    and, if there are more, one that counts the rest; all of them when ``most`` is None."""
    if most is None or total <= most:
        return findings
    first = findings[:most]
    rest = f"... and {total - most} more {first[0].code} findings (-v shows them all)"
    return [*first, Finding.at_file(first[0].path, first[0].rule, rest)]
