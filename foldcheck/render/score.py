"""A score as a rich table (per fold, mean ± std, out-of-fold, test; per-class AP with the
classes that vary most flagged), as one JSON object, as Markdown, or as GitHub annotations;
the findings below it as ``check`` prints them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TextIO

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
        oof_ap = _n(result.oof.stats["AP"])
        stream.write(
            f"::notice title=foldcheck score::{_fold_line(result)} out-of-fold AP {oof_ap}\n"
        )
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


def _n(value: float) -> str:
    return "-" if value == -1 else f"{value:.3f}"


def _fold_line(result: ScoreResult) -> str:
    return f"AP {_n(result.mean['AP'])} ± {_n(result.std['AP'])} over {len(result.folds)} folds;"


def _rows(result: ScoreResult, shown: tuple[str, ...]) -> list[tuple[str, str, str, list[str]]]:
    rows = [
        (f"fold {f.fold}", str(f.images), str(f.predictions), [_n(f.stats[s]) for s in shown])
        for f in result.folds
    ]
    rows.append(("mean", "", "", [_n(result.mean[s]) for s in shown]))
    rows.append(("std", "", "", [_n(result.std[s]) for s in shown]))
    oof = result.oof
    rows.append(
        ("out-of-fold", str(oof.images), str(oof.predictions), [_n(oof.stats[s]) for s in shown])
    )
    if result.test is not None:
        t = result.test
        rows.append(
            ("test", str(t["images"]), str(t["predictions"]), [_n(t["stats"][s]) for s in shown])
        )
    return rows


def _varied(result: ScoreResult) -> set[str]:
    spread = sorted((c.std, c.name) for c in result.per_class if c.std > 0)
    return {name for _, name in spread[-MOST_VARIED:]}


def _notes(result: ScoreResult) -> list[str]:
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
    for label, images, preds, values in _rows(result, IN_TEXT):
        table.add_row(label, images, preds, *values)
    console.print(table)
    classes = Table(show_edge=False, pad_edge=False)
    classes.add_column("class")
    for fold in result.folds:
        classes.add_column(f"fold {fold.fold}", justify="right")
    classes.add_column("oof", justify="right")
    classes.add_column("std", justify="right")
    varied = _varied(result)
    for c in result.per_class:
        mark = "  << varies most" if c.name in varied else ""
        classes.add_row(c.name, *map(_n, c.ap), _n(c.oof), _n(c.std) + mark)
    console.print("AP per class")
    console.print(classes)
    stream.write("".join(note + "\n" for note in _notes(result)))


def _markdown(result: ScoreResult) -> str:
    head = ["", "images", "predictions", *SHOWN]
    lines = ["### foldcheck score", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join([a, b, c, *v]) + " |" for a, b, c, v in _rows(result, SHOWN)]
    lines += [
        "",
        "| class | " + " | ".join(f"fold {f.fold}" for f in result.folds) + " | oof | std |",
        "|" + "---|" * (len(result.folds) + 3),
    ]
    varied = _varied(result)
    for c in result.per_class:
        name = f"**{c.name}** (varies most)" if c.name in varied else c.name
        lines.append("| " + " | ".join([name, *map(_n, c.ap), _n(c.oof), _n(c.std)]) + " |")
    lines += ["", *(f"{note}" for note in _notes(result)), ""]
    return "\n".join(lines) + "\n"
