"""Findings as text (``path:line:col: CODE message``), JSON, GitHub annotations or Markdown."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from foldcheck.core.findings import Finding, Rule, Tally
from foldcheck.io.paths import shown_relative


def use_color(mode: str, stream: TextIO) -> bool:
    if mode == "always":
        return True
    if mode == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


def summary(found: Tally, fold_sets: int, noun: str = "fold set") -> str:
    """The closing line; ``noun`` is what was checked (validate counts files)."""
    errors, warnings = found
    checked = f"{fold_sets} {noun}{'s' if fold_sets != 1 else ''}"
    if not errors and not warnings:
        return f"All checks passed ({checked})."
    return (
        f"Found {errors} error{'s' if errors != 1 else ''} and {warnings} "
        f"warning{'s' if warnings != 1 else ''} in {checked}."
    )


def rule_listing(rule: Rule) -> str:
    """A rule as one line of ``--list-rules``."""
    return f"{rule.code}  {rule.name:<26} {rule.severity:<8} {rule.summary}"


def relative_to_cwd(finding: Finding) -> Finding:
    """Paths under the working folder shown relative to it, as linters show them."""
    path = Path(finding.path)
    if not path.is_absolute():
        return finding
    return replace(finding, path=shown_relative(path, Path.cwd()))


def render_findings(
    findings: list[Finding],
    fmt: str,
    stream: TextIO,
    *,
    color: bool,
    quiet: bool,
    fold_sets: int,
    found: Tally,
    noun: str = "fold set",
) -> None:
    """``findings`` as shown (capped in the text), ``found`` counts every finding."""
    findings = [relative_to_cwd(f) for f in findings]
    stream.write(_WRITERS[fmt](findings, summary(found, fold_sets, noun), color, quiet))


def _text(findings: list[Finding], total: str, color: bool, quiet: bool) -> str:
    lines = []
    for f in findings:
        if color:
            code = f"\x1b[1;{31 if f.severity == 'error' else 33}m{f.code}\x1b[0m"
            lines.append(f"\x1b[1m{f.location()}\x1b[0m: {code} {f.message}\n")
        else:
            lines.append(f"{f.location()}: {f.code} {f.message}\n")
    if not quiet:
        lines.append(total + "\n")
    return "".join(lines)


def _json(findings: list[Finding], total: str, color: bool, quiet: bool) -> str:
    document = {
        "findings": [f.to_dict() for f in findings],
        "summary": total,
    }
    return json.dumps(document, indent=2) + "\n"


def _github(findings: list[Finding], total: str, color: bool, quiet: bool) -> str:
    lines = []
    for f in findings:
        place = f"file={f.path}" + (f",line={f.line},col={f.col or 1}" if f.line else "")
        lines.append(f"::{f.severity} {place},title={f.code}::{_escape(f.message)}\n")
    return "".join(lines)


def _markdown(findings: list[Finding], total: str, color: bool, quiet: bool) -> str:
    lines = [f"### foldcheck: {total}", ""]
    if findings:
        lines += ["| where | rule | message |", "|---|---|---|"]
        lines += [
            f"| `{f.location()}` | {f.code} {f.rule.name} | "
            f"{f.message.replace('|', chr(92) + '|')} |"
            for f in findings
        ]
        lines.append("")
    return "\n".join(lines) + "\n"


def _escape(message: str) -> str:
    """GitHub workflow commands need %, CR and LF escaped."""
    return message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


_WRITERS: dict[str, Callable[[list[Finding], str, bool, bool], str]] = {
    "text": _text,
    "json": _json,
    "github": _github,
    "markdown": _markdown,
}
