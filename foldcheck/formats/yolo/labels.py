"""One YOLO label file read the way Ultralytics' ``verify_image_label`` reads it.

Rows are ``class cx cy w h``, normalised. When any row of a file has more than 6 columns the
whole file is read as polygons ``class x1 y1 x2 y2 ...``, each row becoming the box around
its points (so a 5-column row in such a file is a 2-point polygon, as Ultralytics sees it).
Values are float32, as there. What makes Ultralytics reject the whole image is kept as the
file's ``problem``; out-of-range values and duplicate rows are left to the lint rules.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from foldcheck.io.links import refuse_link_out
from foldcheck.io.readfile import read_regular

_TOKEN = re.compile(r"\S+")


class Problem(NamedTuple):
    line: int
    col: int
    kind: str  # "number" | "columns" | "blank" | "encoding"
    message: str


@dataclass(frozen=True, eq=False)
class LabelFile:
    cls: np.ndarray  # float32 [rows]: the class value as written
    xywh: np.ndarray  # float32 [rows, 4]: normalised box (a polygon's bounding box)
    lines: np.ndarray  # int64 [rows]: 1-based line of each row
    cols: list[list[int]]  # per row: 1-based column of each value (for findings)
    polygons: bool
    problems: tuple[
        Problem, ...
    ] = ()  # every line Ultralytics cannot read (such rows are left out)

    @property
    def problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    @property
    def rows(self) -> int:
        return len(self.cls)

    def unique_rows(self) -> np.ndarray:
        """Rows Ultralytics keeps: exact duplicates (all five float32 values) dropped."""
        if self.rows < 2:
            return np.arange(self.rows)
        table = np.column_stack([self.cls, self.xywh])
        _, first = np.unique(table, axis=0, return_index=True)
        return np.sort(first)


EMPTY = LabelFile(
    np.zeros(0, np.float32), np.zeros((0, 4), np.float32), np.zeros(0, np.int64), [], False
)


def read_label_file(path: str, root: Path) -> LabelFile | None:
    """The file's rows; None when there is no such file (an image without objects). Anything
    else there is read as every input is (``io.readfile``): a FIFO, which would hang the
    read, a device or a directory is a one-line InputError; so is a link out of the dataset
    ``root``, which is never read (its text would be quoted in findings)."""
    if not os.path.lexists(path):
        return None
    refuse_link_out(path, (root,))
    raw = read_regular(Path(path), "a YOLO label file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        line = raw.count(b"\n", 0, bad.start) + 1
        return _failed(Problem(line, 1, "encoding", "not valid UTF-8"))
    return parse_labels(text)


def parse_labels(text: str) -> LabelFile:
    stripped = text.strip()
    if not stripped:
        return EMPTY
    first = 1 + text[: len(text) - len(text.lstrip())].count("\n")
    rows: list[tuple[int, list[str], list[int]]] = []
    problems: list[Problem] = []
    for number, line in enumerate(stripped.splitlines(), start=first):
        if not line:
            continue
        found = [(m.group(), m.start() + 1) for m in _TOKEN.finditer(line)]
        if not found:
            problems.append(Problem(number, 1, "blank", "a line of only spaces"))
            continue
        rows.append((number, [t for t, _ in found], [c for _, c in found]))
    polygons = any(len(tokens) > 6 for _, tokens, _ in rows)
    good: list[tuple[int, list[float], list[int]]] = []
    for number, tokens, cols in rows:
        problem = _number_problem(tokens, cols, number)
        values = [] if problem else [float(t) for t in tokens]
        problem = problem or _shape_problem(values, polygons, number, cols)
        if problem is not None:
            problems.append(problem)
        else:
            good.append((number, values, cols))
    with np.errstate(over="ignore"):  # past float32, as in Ultralytics: inf, out of range
        cls = np.fromiter((v[0] for _, v, _ in good), np.float32, len(good))
        xywh = np.array([_box(v, polygons) for _, v, _ in good], np.float32).reshape(-1, 4)
    lines = np.fromiter((number for number, _, _ in good), np.int64, len(good))
    problems.sort()
    return LabelFile(cls, xywh, lines, [cols for _, _, cols in good], polygons, tuple(problems))


def _number_problem(tokens: list[str], cols: list[int], line: int) -> Problem | None:
    for token, col in zip(tokens, cols, strict=True):
        try:
            value = float(token)
        except ValueError:
            value = float("nan")
        if not np.isfinite(value):
            return Problem(line, col, "number", f"{token!r:.20} is not a number")
    return None


def _shape_problem(
    values: list[float], polygons: bool, line: int, cols: list[int]
) -> Problem | None:
    count = len(values)
    if not polygons:
        if count != 5:
            where = cols[min(count, 5) - 1] if count > 5 else cols[-1]
            return Problem(
                line, where, "columns", f"{count} values, a box needs 5 (class cx cy w h)"
            )
        return None
    if count < 3 or (count - 1) % 2:
        return Problem(
            line,
            cols[-1],
            "columns",
            f"{count} values in a polygon file: needs a class and pairs of x y",
        )
    return None


def _box(values: list[float], polygons: bool) -> list[float]:
    if not polygons:
        return values[1:]
    xs, ys = values[1::2], values[2::2]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    return [(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0]


def _failed(problem: Problem) -> LabelFile:
    return LabelFile(EMPTY.cls, EMPTY.xywh, EMPTY.lines, [], False, (problem,))
