"""FC56x: what Ultralytics rejects, drops or misreads in a YOLO dataset's labels and lists.

``verify_image_label`` drops a whole image, as "corrupt", for one bad line (a class id not
below nc, a coordinate above 1.01 or below -0.01, a row of the wrong length, a value that is
not a number); it silently drops exact duplicate rows; and once any row of a file has more
than 6 values it reads every row as a polygon. Each finding names the line and column.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from foldcheck.core.findings import Finding, Rule, register
from foldcheck.formats.yolo.data_yaml import SPLITS, DataYaml
from foldcheck.formats.yolo.images import IMG_FORMATS, Listed, label_path
from foldcheck.formats.yolo.labels import LabelFile, read_label_file
from foldcheck.formats.yolo.reader import image_key, pool_images
from foldcheck.io.excerpt import quoted

CLASS_RANGE = register(
    "FC560", "yolo-class-out-of-range", "error", "a class id is negative or not below nc"
)
CLASS_NOT_INT = register(
    "FC561", "yolo-class-not-integer", "error", "a class value is not a whole number"
)
COORD_RANGE = register(
    "FC562",
    "yolo-coordinate-out-of-range",
    "error",
    "a box value is above 1.01 or below -0.01 (Ultralytics drops the image)",
)
COLUMNS = register(
    "FC563",
    "yolo-wrong-columns",
    "error",
    "a row has not 5 values (class cx cy w h), or a polygon row lacks x y pairs",
)
NOT_NUMBER = register("FC564", "yolo-not-a-number", "error", "a value is not a finite number")
UNREADABLE = register(
    "FC565",
    "yolo-unreadable-label-file",
    "error",
    "a label file is not UTF-8 or has a line of only spaces (Ultralytics drops the image)",
)
ZERO_SIZE = register(
    "FC566", "yolo-zero-size-box", "warning", "a box has zero (or negative) width or height"
)
DUPLICATE_ROW = register(
    "FC567",
    "yolo-duplicate-row",
    "warning",
    "a row repeats an earlier one exactly (Ultralytics drops it silently)",
)
MIXED = register(
    "FC568",
    "yolo-boxes-read-as-polygons",
    "warning",
    "a file mixes box rows with polygon rows: Ultralytics reads the boxes as 2-point polygons",
)
ORPHAN_LABEL = register("FC569", "yolo-label-without-image", "warning", "a label file has no image")
LISTED_TWICE = register(
    "FC570",
    "yolo-image-listed-twice",
    "warning",
    "an image is named twice by one split (trained on twice) or by both train and val",
)
MISSING_IMAGE = register(
    "FC571", "yolo-missing-image", "error", "a list file names an image that does not exist"
)
CWD_RELATIVE = register(
    "FC572",
    "yolo-list-line-cwd-relative",
    "warning",
    "a list line is relative but does not start with ./: Ultralytics takes it from the "
    "working folder",
)
NOT_IMAGE_LINE = register(
    "FC573",
    "yolo-list-line-not-an-image",
    "warning",
    "a list line does not end in an image suffix (a trailing space, say): Ultralytics "
    "skips it silently",
)

YOLO_RULES = (
    CLASS_RANGE,
    CLASS_NOT_INT,
    COORD_RANGE,
    COLUMNS,
    NOT_NUMBER,
    UNREADABLE,
    ZERO_SIZE,
    DUPLICATE_ROW,
    MIXED,
    ORPHAN_LABEL,
    LISTED_TWICE,
    MISSING_IMAGE,
    CWD_RELATIVE,
    NOT_IMAGE_LINE,
)
_KIND_RULE = {"number": NOT_NUMBER, "columns": COLUMNS, "blank": UNREADABLE, "encoding": UNREADABLE}


def lint_yolo(data: DataYaml) -> Iterator[Finding]:
    nc = len(data.names)
    seen_labels: set[str] = set()
    yield from _list_lines(data)
    by_key: dict[str, list[tuple[str, Listed]]] = defaultdict(list)
    for split in SPLITS:
        for item in pool_images(data, (split,)):
            by_key[image_key(item.path, data.root)].append((split, item))
    yield from _listed_twice(by_key)
    for key in sorted(by_key):
        split, item = by_key[key][0]
        if item.line is not None and not os.path.isfile(item.path):
            yield _at(
                MISSING_IMAGE,
                _shown(item.origin),
                item.line,
                1,
                f"no such image {quoted(key)} ({split})",
            )
            continue
        where = label_path(item.path)
        seen_labels.add(os.path.normpath(os.path.abspath(where)))
        labels = read_label_file(where, data.root)
        if labels is not None:
            yield from _label_findings(labels, _shown(where), nc)
    yield from _orphans(data, seen_labels)


def _label_findings(labels: LabelFile, shown: str, nc: int) -> Iterator[Finding]:
    for problem in labels.problems:
        yield _at(_KIND_RULE[problem.kind], shown, problem.line, problem.col, problem.message)
    if labels.polygons:
        short = [i for i, cols in enumerate(labels.cols) if len(cols) == 5]
        if short:
            row = short[0]
            yield _at(
                MIXED,
                shown,
                int(labels.lines[row]),
                1,
                f"a 5-value row in a file with polygon rows: Ultralytics reads it as a 2-point "
                f"polygon, not a box ({len(short)} such row{'s' * (len(short) > 1)})",
            )
    for row in range(labels.rows):
        line, cols = int(labels.lines[row]), labels.cols[row]
        value = float(labels.cls[row])
        if value != int(value):
            yield _at(CLASS_NOT_INT, shown, line, cols[0], f"class {value:g} is not a whole number")
        elif not 0 <= value < nc:
            yield _at(
                CLASS_RANGE,
                shown,
                line,
                cols[0],
                f"class {int(value)} is not below nc = {nc} (ids 0..{nc - 1})",
            )
        box = labels.xywh[row]
        bad = np.flatnonzero((box > 1.01) | (box < -0.01))
        if len(bad) and not labels.polygons:
            index = int(bad[0])
            yield _at(
                COORD_RANGE,
                shown,
                line,
                cols[1 + index],
                f"{['cx', 'cy', 'w', 'h'][index]} = {float(box[index]):g} is outside [0, 1]: "
                "Ultralytics drops this image",
            )
        elif len(bad):
            yield _at(
                COORD_RANGE,
                shown,
                line,
                cols[1],
                "the polygon's box is outside [0, 1]: Ultralytics drops this image",
            )
        if box[2] <= 0 or box[3] <= 0:
            yield _at(
                ZERO_SIZE, shown, line, cols[0], f"zero-size box (w = {box[2]:g}, h = {box[3]:g})"
            )
    kept = set(labels.unique_rows().tolist())
    first_of: dict[bytes, int] = {}
    for row in range(labels.rows):
        signature = labels.cls[row : row + 1].tobytes() + labels.xywh[row].tobytes()
        first = first_of.setdefault(signature, row)
        if row not in kept and first != row:
            yield _at(
                DUPLICATE_ROW,
                shown,
                int(labels.lines[row]),
                1,
                f"repeats line {int(labels.lines[first])}: Ultralytics drops it silently",
            )


def _listed_twice(by_key: dict[str, list[tuple[str, Listed]]]) -> Iterator[Finding]:
    for key, entries in sorted(by_key.items()):
        if len(entries) < 2:
            continue
        split, item = entries[1]
        first_split = entries[0][0]
        if split in ("train", "val") and first_split in ("train", "val") and split != first_split:
            message = f"{quoted(key)} is in both train and val"
        elif split == first_split:
            message = f"{quoted(key)} is listed twice in {split}: Ultralytics trains on it twice"
        else:
            message = f"{quoted(key)} is in both {first_split} and {split}"
        yield _at(LISTED_TWICE, _shown(item.origin), item.line, 1 if item.line else None, message)


def _list_lines(data: DataYaml) -> Iterator[Finding]:
    for split, sources in data.sources.items():
        for source in sources:
            if source.is_dir():
                continue
            try:
                text = source.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # the reader reports it
            skipped = text[: len(text) - len(text.lstrip())].count("\n")
            for number, line in enumerate(text.strip().splitlines(), start=1 + skipped):
                if not line:
                    continue
                if line.rpartition(".")[-1].lower() not in IMG_FORMATS:
                    yield _at(
                        NOT_IMAGE_LINE,
                        _shown(source),
                        number,
                        1,
                        f"{line!r:.60} is skipped by Ultralytics ({split})",
                    )
                elif not line.startswith(("./", "/")) and not os.path.isabs(line):
                    yield _at(
                        CWD_RELATIVE,
                        _shown(source),
                        number,
                        1,
                        f"{line!r:.60} is taken from the working folder; write ./{line} or an "
                        "absolute path",
                    )


def _orphans(data: DataYaml, seen: set[str]) -> Iterator[Finding]:
    folders = set()
    for sources in data.sources.values():
        for source in sources:
            if source.is_dir():
                labels = Path(label_path(str(source / "x.jpg"))).parent
                if labels != source and labels.is_dir():
                    folders.add(labels)
    for folder in sorted(folders):
        for top, _, files in os.walk(folder):
            for name in sorted(files):
                full = os.path.normpath(os.path.join(top, name))
                if name.endswith(".txt") and full not in seen:
                    yield _at(
                        ORPHAN_LABEL, _shown(Path(full)), None, None, "no image has this label file"
                    )


def _shown(path: Path | str) -> str:
    """Absolute: the renderer shows paths below the working folder relative to it."""
    return os.path.abspath(path)


def _at(rule: Rule, path: str, line: int | None, col: int | None, message: str) -> Finding:
    return Finding(path, line, col, rule, message)
