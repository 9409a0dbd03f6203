"""Output formats by kind of result (standard library only: the CLI's ``--format`` choices
are built from these at ``--help`` time, and each renderer dispatches on the same names)."""

from __future__ import annotations

FINDINGS = ("text", "json", "github", "markdown")
BALANCE = ("text", "json", "markdown")
DOCTOR = ("text", "json")
