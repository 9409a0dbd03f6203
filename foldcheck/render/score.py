"""A score as a rich table (per fold, mean ± std, out-of-fold, test; per-class AP with the
classes that vary most flagged), as one JSON object, as Markdown, or as GitHub annotations;
the findings below it as ``check`` prints them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, NamedTuple, TextIO

from foldcheck.core.findings import capped, tally
from foldcheck.render.findings import relative_to_cwd, render_findings, use_color
from foldcheck.scoring.result import STD_IS

if TYPE_CHECKING:
    from foldcheck.scoring.result import ScoreResult

SHOWN = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")
IN_TEXT = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR100")  # fits 80 columns; json has all
MOST_VARIED = 3  # classes flagged as varying most across folds


def render_score(
    result: ScoreResult, fmt: str, stream: TextIO, *, color: str, quiet: bool, most: int | None
) -> None:
    """The score, then the findings: at most ``most`` per rule shown (the text's cap; None:
    all), all of them counted."""
    findings = result.findings if most is None else capped([result.findings], most)
    if fmt == "json":
        document = result.to_dict()
        document["findings"] = [
            {**relative_to_cwd(f).to_dict(), "col": f.col} for f in result.findings
        ]
        stream.write(json.dumps(document, indent=2) + "\n")
        return
    if fmt == "markdown":
        stream.write(_markdown(result))
    elif fmt == "github":  # the findings as annotations below, the score as a notice
        stream.write(f"::notice title=foldcheck score::{fold_line(result)}\n")
    elif not quiet:  # text; -q: the findings alone (the hook's output)
        _text(result, stream, color)
    render_findings(
        findings,
        fmt,
        stream,
        color=use_color(color, stream),
        quiet=quiet,
        fold_sets=1,
        found=tally(result.findings),
    )


def shown_value(value: float) -> str:
    """A stat as people read it: three decimals, "-" where undefined (-1)."""
    return "-" if value == -1 else f"{value:.3f}"


def fold_line(result: ScoreResult) -> str:
    """The mean AP, its spread over the folds, and the out-of-fold AP, in one line."""
    mean, std = shown_value(result.mean["AP"]), shown_value(result.std["AP"])
    oof = shown_value(result.oof.stats["AP"])
    return f"AP {mean} ± {std} over {len(result.folds)} folds; out-of-fold AP {oof}"


class ScoreRow(NamedTuple):
    label: str  # "fold 0", "mean", "std", "out-of-fold", "test"
    images: int | None  # None: a summary over folds
    predictions: int | None
    values: list[float]  # the stats asked for, -1 where undefined


def score_rows(result: ScoreResult, shown: tuple[str, ...]) -> list[ScoreRow]:
    """The score table's rows: each fold, the mean and std over folds, the pooled
    out-of-fold score and the test set's."""
    rows = [
        ScoreRow(f"fold {f.fold}", f.images, f.predictions, [f.stats[s] for s in shown])
        for f in result.folds
    ]
    rows.append(ScoreRow("mean", None, None, [result.mean[s] for s in shown]))
    rows.append(ScoreRow("std", None, None, [result.std[s] for s in shown]))
    oof = result.oof
    rows.append(ScoreRow("out-of-fold", oof.images, oof.predictions, [oof.stats[s] for s in shown]))
    if result.test is not None:
        t = result.test
        rows.append(ScoreRow("test", t["images"], t["predictions"], [t["stats"][s] for s in shown]))
    return rows


def _cells(row: ScoreRow) -> list[str]:
    """A row as the text and Markdown tables show it."""
    count = ["" if row.images is None else str(row.images)]
    count.append("" if row.predictions is None else str(row.predictions))
    return [row.label, *count, *map(shown_value, row.values)]


def most_varied(result: ScoreResult) -> set[str]:
    spread = sorted((c.std, c.name) for c in result.per_class if c.std > 0)
    return {name for _, name in spread[-MOST_VARIED:]}


def score_notes(result: ScoreResult) -> list[str]:
    notes = [
        f"{result.iou_type} AP/AR as pycocotools COCOeval computes them; " + f"std is {STD_IS}"
    ]
    if result.mapping:
        notes.append(f"mapped: {result.mapping}")
    return notes


def _text(result: ScoreResult, stream: TextIO, color: str) -> None:
    from rich.table import Table

    from foldcheck.render.balance import make_console

    console = make_console(stream, color)
    table = Table(title=None, show_edge=False, pad_edge=False)
    table.add_column("", min_width=11, no_wrap=True)
    for name in ("images", "preds", *IN_TEXT):
        table.add_column(name, justify="right")
    for row in score_rows(result, IN_TEXT):
        table.add_row(*_cells(row))
    console.print(table)
    classes = Table(show_edge=False, pad_edge=False)
    classes.add_column("class")
    for fold in result.folds:
        classes.add_column(f"fold {fold.fold}", justify="right")
    classes.add_column("oof", justify="right")
    classes.add_column("std", justify="right")
    varied = most_varied(result)
    for c in result.per_class:
        mark = "  << varies most" if c.name in varied else ""
        classes.add_row(
            c.name, *map(shown_value, c.ap), shown_value(c.oof), shown_value(c.std) + mark
        )
    console.print("AP per class")
    console.print(classes)
    stream.write("".join(note + "\n" for note in score_notes(result)))


def _markdown(result: ScoreResult) -> str:
    head = ["", "images", "predictions", *SHOWN]
    lines = ["### foldcheck score", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_cells(row)) + " |" for row in score_rows(result, SHOWN)]
    lines += [
        "",
        "| class | " + " | ".join(f"fold {f.fold}" for f in result.folds) + " | oof | std |",
        "|" + "---|" * (len(result.folds) + 3),
    ]
    varied = most_varied(result)
    for c in result.per_class:
        name = f"**{c.name}** (varies most)" if c.name in varied else c.name
        lines.append(
            "| "
            + " | ".join([name, *map(shown_value, c.ap), shown_value(c.oof), shown_value(c.std)])
            + " |"
        )
    lines += ["", *(f"{note}" for note in score_notes(result)), ""]
    return "\n".join(lines) + "\n"
