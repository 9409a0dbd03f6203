"""Balance tables for people (rich, SVG) and machines (JSON, Markdown)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import numpy as np

from foldcheck.core.balance import Balance, Table

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

MAX_TABLE_ROWS = 40  # per table in the terminal; the machine formats list every row


def render_balance(
    balance: Balance,
    fmt: str,
    stream: TextIO | None = None,
    color: str = "auto",
    svg: Path | None = None,
) -> None:
    out: TextIO = sys.stdout if stream is None else stream
    if fmt == "json":
        out.write(json.dumps(balance.to_dict(), indent=2) + "\n")
    elif fmt == "markdown":
        out.write(balance_markdown(balance))
    else:  # "text"
        console = make_console(out, color, record=svg is not None)
        print_balance(console, balance)
        if svg is not None:
            from foldcheck.io.atomic import write_atomic

            write_atomic(svg, console.export_svg(title="foldcheck balance").encode("utf-8"))


def make_console(stream: TextIO, color: str, record: bool = False) -> Console:
    from rich.console import Console

    return Console(
        file=stream,
        record=record,
        force_terminal=True if color == "always" else None,
        no_color=color == "never" or None,
        highlight=False,
        soft_wrap=False,
    )


def shown_text(name: str) -> Text:
    """A name from a file as rich shows it: never markup (``[/]`` would be a closing tag, so
    an error), its control characters escaped (a terminal escape stays text)."""
    from rich.text import Text

    return Text(name if name.isprintable() else repr(name)[1:-1])


def print_balance(console: Console, balance: Balance) -> None:
    from rich.table import Table as RichTable

    for table in balance.tables:
        if not table.rows:
            continue
        flagged = int(table.out_of_tolerance.sum())
        caption = (
            f"{flagged} cell{'s' if flagged != 1 else ''} out of tolerance"
            if flagged
            else "all cells within tolerance"
        )
        shown = _rows_to_show(table)
        if len(shown) < len(table.rows):
            caption += (
                f"; the {len(shown)} rows furthest off of {len(table.rows)} shown "
                "(--format json or markdown lists all)"
            )
        rich_table = RichTable(
            title=f"{table.title}: count and deviation from an equal share "
            f"(1/{balance.k}), tolerance ±{balance.tolerance:.0%}",
            caption=caption,
            title_justify="left",
            caption_justify="left",
        )
        rich_table.add_column("class" if "class" in table.title else "", no_wrap=True, max_width=28)
        rich_table.add_column("total", justify="right", no_wrap=True)
        for fold in range(balance.k):
            rich_table.add_column(f"fold {fold}", justify="right", no_wrap=True)
        rich_table.add_column("worst", justify="right", no_wrap=True)
        for index in shown:
            cells = []
            for fold in range(balance.k):
                text = f"{int(table.counts[index, fold])} {_signed(table.deviation[index, fold])}"
                style = (
                    "bold red"
                    if table.out_of_tolerance[index, fold]
                    else (
                        "dim" if abs(table.deviation[index, fold]) < balance.tolerance / 2 else ""
                    )
                )
                cells.append(f"[{style}]{text}[/]" if style else text)
            worst = float(abs(table.deviation[index]).max())
            rich_table.add_row(
                shown_text(table.rows[index]), str(int(table.totals[index])), *cells, f"{worst:.0%}"
            )
        console.print(rich_table)


def _rows_to_show(table: Table) -> list[int]:
    """Every row of a small table; of a large one (LVIS has 1,203 classes), the rows out of
    tolerance and then the furthest off, up to MAX_TABLE_ROWS, in their original order."""
    if len(table.rows) <= MAX_TABLE_ROWS:
        return list(range(len(table.rows)))
    flagged = table.out_of_tolerance.any(axis=1)
    worst = abs(table.deviation).max(axis=1)
    order = np.lexsort((-worst, ~flagged))
    return sorted(order[:MAX_TABLE_ROWS].tolist())


def balance_markdown(balance: Balance) -> str:
    lines: list[str] = []
    for table in balance.tables:
        if not table.rows:
            continue
        lines.append(
            f"**{table.title}** (tolerance ±{balance.tolerance:.0%}; ⚠ = out of tolerance)\n"
        )
        header = ["", "total", *(f"fold {f}" for f in range(balance.k)), "worst"]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" + "---:|" * (len(header) - 1))
        for index, name in enumerate(table.rows):
            cells = [
                f"{int(table.counts[index, f])} ({_signed(table.deviation[index, f])})"
                + (" ⚠" if table.out_of_tolerance[index, f] else "")
                for f in range(balance.k)
            ]
            worst = float(abs(table.deviation[index]).max())
            lines.append(
                f"| {_escape(name)} | {int(table.totals[index])} | "
                + " | ".join(cells)
                + f" | {worst:.1%} |"
            )
        lines.append("")
    return "\n".join(lines)


def _signed(deviation: float) -> str:
    return f"{deviation:+.0%}"


def _escape(text: str) -> str:
    return text.replace("|", "\\|")
