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
    from rich.table import Table as RichTable
    from rich.text import Text

MAX_TABLE_ROWS = 40  # per table in the terminal; the machine formats list every row
TEST = -1  # the held-out test set's column, after the folds' (which are 0..k-1)


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

            picture = console.export_svg(title="foldcheck balance", code_format=offline_svg())
            write_atomic(svg, picture.encode("utf-8"))


# Fonts a machine has (no web font): rich sizes every run of text with textLength, so any
# monospace font keeps the box lines aligned.
MONOSPACE = "'DejaVu Sans Mono',Menlo,Consolas,'Liberation Mono','Courier New',monospace"


def offline_svg() -> str:
    """rich's SVG template without anything fetched from elsewhere: its ``@font-face`` rules
    load Fira Code from a CDN (on a GPU server without a network the text fell back to a
    font of other widths) and its comment names a web site; the font is a local one."""
    import re

    from rich._export_format import CONSOLE_SVG_FORMAT  # console.py imports it from here

    template = re.sub(r"\s*@font-face \{\{.*?\}\}", "", CONSOLE_SVG_FORMAT, flags=re.S)
    template = re.sub(r"\s*<!--.*?-->", "", template, flags=re.S)
    return template.replace("font-family: Fira Code, monospace;", f"font-family: {MONOSPACE};")


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
    """Each table as wide as the terminal allows: the folds that fit beside the class
    column, the rest in further tables below (K = 10 at 80 columns), never a cut cell."""
    for table in balance.tables:
        if not table.rows:
            continue
        shown = _rows_to_show(table)
        folds = [*range(balance.k), *([TEST] if table.held is not None else [])]
        unbounded = console.options.update(max_width=1 << 20)  # measure, never clamp
        per_part = next(
            (
                n
                for n in range(len(folds), 1, -1)
                if console.measure(
                    _rich_table(table, balance, shown, folds[:n], ""), options=unbounded
                ).maximum
                <= console.width
            ),
            1,
        )
        size = -(-len(folds) // -(-len(folds) // per_part))  # parts of even size: 4+3+3
        parts = [folds[start : start + size] for start in range(0, len(folds), size)]
        for number, part in enumerate(parts):
            caption = _caption(table, shown) if number == len(parts) - 1 else ""
            console.print(_rich_table(table, balance, shown, part, caption))
    for line in conflict_lines(balance):
        console.print(line, markup=False)  # it names classes: never markup


def conflict_lines(balance: Balance, most: int = 5) -> list[str]:
    """The classes whose boxes and image presence cannot both be at their own floors (a
    group packs many boxes into few images), with the kind this split let go and by how
    much; the few most severe, then a count (JSON lists them all)."""
    conflicts = balance.conflicts()
    if not conflicts:
        return []
    count = len(conflicts)
    lines = [
        f"boxes and image presence conflict in {count} class{'es' * (count > 1)}: a group "
        "packs many of its boxes into few images, so no split keeping the groups whole that check "
        "accepts has both deviations under the joint floor"
    ]
    for conflict in conflicts[:most]:
        kept = "images" if conflict.gave_way == "annotations" else "annotations"
        gave = dict(annotations=conflict.annotations, images=conflict.images)
        lines.append(
            f"  {shown_text(conflict.name)}: joint floor {conflict.joint_floor:.1%}; "
            f"{conflict.gave_way} gave way: {gave[conflict.gave_way][0]:.1%} "
            f"(its own floor {gave[conflict.gave_way][1]:.1%}), "
            f"{kept} {gave[kept][0]:.1%} (floor {gave[kept][1]:.1%})"
        )
    if count > most:
        lines.append(f"  ... and {count - most} more (--format json lists them all)")
    return lines


def _caption(table: Table, shown: list[int]) -> str:
    from rich.markup import escape

    flagged = int(table.out_of_tolerance.sum())
    caption = (
        f"{flagged} cell{'s' if flagged != 1 else ''} out of tolerance"
        if flagged
        else "all cells within tolerance"
    )
    caption += "; " + escape(floor_caption(table))  # it names a row: a class name
    if len(shown) < len(table.rows):
        caption += (
            f"; the {len(shown)} rows furthest off of {len(table.rows)} shown "
            "(--format json or markdown lists all)"
        )
    return caption


def _rich_table(
    table: Table, balance: Balance, shown: list[int], folds: list[int], caption: str
) -> RichTable:
    from rich.table import Table as RichTable

    rich_table = RichTable(
        title=f"{table.title}: count and deviation from an equal share (1/{balance.k})"
        f"{_part(folds, balance.k)}; a cell is out when it is further from the share than its "
        f"row's allowance: ±{balance.tolerance:.0%} of the share, or one group's worth if that "
        f"is more{_test_title(table)}",
        caption=caption or None,
        title_justify="left",
        caption_justify="left",
    )
    # A long class name wraps onto more lines rather than losing its end.
    rich_table.add_column("class" if "class" in table.title else "", overflow="fold", max_width=28)
    rich_table.add_column("total", justify="right", no_wrap=True)
    rich_table.add_column("allowed", justify="right", no_wrap=True)
    for fold in folds:
        header = "test" if fold == TEST else f"fold {fold}"
        rich_table.add_column(header, justify="right", no_wrap=True)
    rich_table.add_column("worst\n(floor)", justify="right", no_wrap=True)
    held = _held_cells(table, balance.tolerance) if TEST in folds else []
    for index in shown:
        cells = []
        for fold in folds:
            if fold == TEST:
                cells.append(held[index])
                continue
            text = (
                f"{int(table.counts[index, fold])} {signed_percent(table.deviation[index, fold])}"
            )
            style = (
                "bold red"
                if table.out_of_tolerance[index, fold]
                else ("dim" if abs(table.deviation[index, fold]) < balance.tolerance / 2 else "")
            )
            cells.append(f"[{style}]{text}[/]" if style else text)
        rich_table.add_row(
            shown_text(table.rows[index]),
            str(int(table.totals[index])),
            _allowance(float(table.allowed[index])),
            *cells,
            _worst_cell(table, index),
        )
    return rich_table


def _part(columns: list[int], k: int) -> str:
    """Which folds a part of a table split to fit the terminal shows (none: all of them)."""
    folds = [fold for fold in columns if fold != TEST]
    if len(folds) == k:
        return ""
    test = " and the test set" if TEST in columns else ""
    if not folds:
        return " (the test set)"
    shown = f"folds {folds[0]}-{folds[-1]}" if len(folds) > 1 else f"fold {folds[0]}"
    return f" ({shown} of {k}{test})"


def _test_title(table: Table) -> str:
    if table.held is None:
        return ""
    return (
        "; test: the held-out test set, in no fold, against its share of each row "
        f"({table.held.share:.1%}, its share of the images)"
    )


def _held_cells(table: Table, tolerance: float) -> list[str]:
    """Each row's test-set cell, dim where close to its share; never red: no tolerance
    judges the test set (check's FC4xx judge the folds)."""
    return [
        f"[dim]{count} {signed_percent(off)}[/]"
        if abs(off) < tolerance / 2
        else f"{count} {signed_percent(off)}"
        for count, off in _held_values(table)
    ]


def _held_values(table: Table) -> list[tuple[int, float]]:
    """Each row's test-set count and relative deviation from its share."""
    assert table.held is not None
    deviation = table.held.deviation(table.totals).tolist()
    return list(zip(map(int, table.held.counts.tolist()), deviation, strict=True))


def floor_caption(table: Table) -> str:
    """How many rows are at the floor (as even as any group-respecting split can make them),
    and the row furthest above it."""
    summary = table.floor_summary()
    text = f"{summary['at_floor']} of {summary['rows']} rows at the floor (=)"
    if summary["at_floor"] < summary["rows"]:
        text += (
            f", furthest above it: {summary['furthest_row']} "
            f"{summary['furthest_deviation']:.1%}, floor {summary['furthest_floor']:.1%}"
        )
    return text


def _worst_cell(table: Table, index: int) -> str:
    """The worst deviation and its floor; '(=)' when the row is at it."""
    floor = "=" if table.at_floor[index] else f"{table.floor[index]:.0%}"
    return f"{table.worst[index]:.0%} ({floor})"


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
            f"**{table.title}** (tolerance ±{balance.tolerance:.0%} of the equal share, or one "
            "group's worth if more: the row's allowance; ⚠ = further off than it; "
            f"= at the floor, what no group-respecting split can beat; {floor_caption(table)}"
            f"{_test_title(table)})\n"
        )
        test = ["test"] if table.held is not None else []
        held = [f"{n} ({signed_percent(off)})" for n, off in _held_values(table)] if test else []
        header = [
            "",
            "total",
            "allowed",
            *(f"fold {f}" for f in range(balance.k)),
            *test,
            "worst",
            "floor",
        ]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" + "---:|" * (len(header) - 1))
        for index, name in enumerate(table.rows):
            cells = [
                f"{int(table.counts[index, f])} ({signed_percent(table.deviation[index, f])})"
                + (" ⚠" if table.out_of_tolerance[index, f] else "")
                for f in range(balance.k)
            ] + held[index : index + 1]
            at = " =" if table.at_floor[index] else ""
            lines.append(
                f"| {_escape(name)} | {int(table.totals[index])} | "
                f"{_allowance(float(table.allowed[index]))} | "
                + " | ".join(cells)
                + f" | {table.worst[index]:.1%} | {table.floor[index]:.1%}{at} |"
            )
        lines.append("")
    conflicts = conflict_lines(balance)
    if conflicts:
        lines += [
            _escape(conflicts[0]),
            "",
            *(f"- {_escape(line.strip())}" for line in conflicts[1:]),
            "",
        ]
    return "\n".join(lines)


def _allowance(allowed: float) -> str:
    """The absolute deviation a row's cells may have, in its own unit (boxes, images)."""
    return f"±{allowed:.1f}".replace(".0", "")


def signed_percent(deviation: float) -> str:
    """A deviation in whole percent with its sign: rounded first, so -0.1% is +0%, not -0%."""
    return f"{round(float(deviation) * 100):+d}%"


def _escape(text: str) -> str:
    return text.replace("|", "\\|")
