"""Findings as text (``path:line:col: CODE message``), JSON, GitHub annotations or Markdown."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from foldcheck.core.findings import RULES, Finding


def use_color(mode: str, stream: TextIO) -> bool:
    if mode == "always":
        return True
    if mode == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


def summary(findings: list[Finding], fold_sets: int) -> str:
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    if not findings:
        return f"All checks passed ({fold_sets} fold set{'s' if fold_sets != 1 else ''})."
    return (
        f"Found {errors} error{'s' if errors != 1 else ''} and {warnings} "
        f"warning{'s' if warnings != 1 else ''} in {fold_sets} fold "
        f"set{'s' if fold_sets != 1 else ''}."
    )


def relative_to_cwd(finding: Finding) -> Finding:
    """Paths under the working folder shown relative to it, as linters show them."""
    path = Path(finding.path)
    if not path.is_absolute():
        return finding
    try:
        return replace(finding, path=str(path.relative_to(Path.cwd())))
    except ValueError:
        return finding


def render_findings(
    findings: list[Finding], fmt: str, stream: TextIO, *, color: bool, quiet: bool, fold_sets: int
) -> None:
    findings = [relative_to_cwd(f) for f in findings]
    if fmt == "json":
        stream.write(
            json.dumps(
                {
                    "findings": [f.to_dict() for f in findings],
                    "summary": summary(findings, fold_sets),
                },
                indent=2,
            )
            + "\n"
        )
    elif fmt == "github":
        for f in findings:
            place = f"file={f.path}" + (f",line={f.line},col={f.col or 1}" if f.line else "")
            stream.write(f"::{f.severity} {place},title={f.code}::{_escape(f.message)}\n")
    elif fmt == "markdown":
        stream.write(_markdown(findings, fold_sets))
    else:
        for f in findings:
            code = f.code
            if color:
                code = f"\x1b[1;{31 if f.severity == 'error' else 33}m{code}\x1b[0m"
                stream.write(f"\x1b[1m{f.location()}\x1b[0m: {code} {f.message}\n")
            else:
                stream.write(f"{f.location()}: {code} {f.message}\n")
        if not quiet:
            stream.write(summary(findings, fold_sets) + "\n")


def _markdown(findings: list[Finding], fold_sets: int) -> str:
    lines = [f"### foldcheck: {summary(findings, fold_sets)}", ""]
    if findings:
        lines += ["| where | rule | message |", "|---|---|---|"]
        lines += [
            f"| `{f.location()}` | {f.code} {RULES[f.code].name} | "
            f"{f.message.replace('|', chr(92) + '|')} |"
            for f in findings
        ]
        lines.append("")
    return "\n".join(lines) + "\n"


def _escape(message: str) -> str:
    """GitHub workflow commands need %, CR and LF escaped."""
    return message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
