"""Show ``doctor`` results: a rich table for people, or JSON for scripts."""

from __future__ import annotations

import json
import os
from dataclasses import asdict

from rich.console import Console
from rich.table import Table
from rich.text import Text

from foldcheck.repo.doctor.result import Result

STYLES = {"ok": "green", "warn": "yellow", "fail": "bold red", "info": "cyan"}


def render_json(results: list[Result]) -> str:
    return json.dumps(
        {
            "results": [asdict(r) for r in results],
            "failed": sum(r.status == "fail" for r in results),
        },
        indent=2,
    )


def render_text(results: list[Result], repo: str, console: Console | None = None) -> None:
    if console is None:
        console = Console()
        # Logs and pasted reports read better wide than wrapped at rich's default of 80.
        if not console.is_terminal and "COLUMNS" not in os.environ:
            console = Console(width=120)
    table = Table(title=f"foldcheck doctor: {repo}", title_justify="left", show_lines=True)
    table.add_column("check", no_wrap=True)
    table.add_column("status", no_wrap=True)
    # Fold, not truncate: a path cut short with "…" is no use to copy.
    table.add_column("found", overflow="fold")
    table.add_column("fix", overflow="fold")
    for r in results:
        table.add_row(r.id, Text(r.status, style=STYLES[r.status]), Text(r.found), Text(r.fix))
    console.print(table)
    counts = {s: sum(r.status == s for r in results) for s in ("fail", "warn", "ok", "info")}
    console.print(", ".join(f"{n} {s}" for s, n in counts.items() if n))
