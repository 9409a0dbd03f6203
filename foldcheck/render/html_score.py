"""The score section of the HTML report: ``foldcheck score``'s result, as its text shows it.

Each value is shown to three decimals and carries its exact value in ``data-v`` (the float
``score --format json`` prints), so a reader, or a test, can compare the page with the JSON.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from foldcheck.render.score import (
    SHOWN,
    fold_line,
    most_varied,
    score_notes,
    score_rows,
    shown_value,
)

if TYPE_CHECKING:
    from foldcheck.scoring.result import ScoreResult


def score_section(result: ScoreResult) -> str:
    head = "".join(f"<th>{name}</th>" for name in ("", "images", "predictions", *SHOWN))
    body = "".join(
        f'<tr class="{row.label.split()[0]}"><th>{row.label}</th>'
        f"<td>{_count(row.images)}</td><td>{_count(row.predictions)}</td>"
        + "".join(_value(v) for v in row.values)
        + "</tr>"
        for row in score_rows(result, SHOWN)
    )
    notes = "".join(f"<p>{escape(note)}</p>" for note in score_notes(result))
    return (
        f"<h2>Score: {escape(fold_line(result))}</h2>"
        "<p>Each fold's predictions on its validation images; the spread over the folds; all "
        "folds' predictions pooled (out of fold), each image predicted by the model that never "
        "saw it.</p>"
        f'<table class="score"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        f"{notes}{_per_class(result)}"
    )


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


def _value(value: float) -> str:
    return f'<td data-v="{value!r}">{shown_value(value)}</td>'


def _per_class(result: ScoreResult) -> str:
    if not result.per_class:
        return ""
    varied = most_varied(result)
    head = "".join(f"<th>fold {f.fold}</th>" for f in result.folds)
    rows = "".join(
        f'<tr data-name="{escape(c.name)}"{" class=varied" if c.name in varied else ""}>'
        f"<th>{escape(c.name)}</th>"
        + "".join(_value(ap) for ap in c.ap)
        + _value(c.oof)
        + _value(c.std)
        + "</tr>"
        for c in result.per_class
    )
    return (
        "<h3>AP per class</h3><p>Bold: the classes whose AP varies most across the folds.</p>"
        f'<table class="classap"><thead><tr><th>class</th>{head}<th>out of fold</th><th>std</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )
