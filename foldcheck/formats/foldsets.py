"""Fold files as found on disk, read into one shape: K folds, each a validation side and,
where the files have one, a train side.

Understood: foldcheck's manifest (``folds.json``); per-fold COCO train/val pairs in the
layouts people use (``train_fold0.json``/``val_fold0.json``, ``fold0/train.json``/
``fold0/val.json``, ``train_0.json``/``val_0.json``); and a CSV with a fold column keyed by
image id or file name (one row per image or per box).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from foldcheck.core.dataset import Dataset
from foldcheck.errors import InputError
from foldcheck.formats.coco.reader import load_dataset
from foldcheck.formats.coco.text import text_of
from foldcheck.formats.export_names import (
    FOLD_CSV,
    HOLDOUT_CSV,
    MANIFEST_NAME,
    is_set_file,
)
from foldcheck.formats.fold_set import FoldSet, Side
from foldcheck.formats.image_identity import by_file_name, ids_per_file
from foldcheck.formats.manifest import Manifest, is_manifest, manifest_from_document
from foldcheck.formats.yolo.foldsets import yolo_set_at
from foldcheck.io.excerpt import quoted
from foldcheck.io.jsonio import read_bytes, read_json
from foldcheck.io.locate import JsonText

_FLAT_PAIR = re.compile(r"^(train|val)_(?:fold)?(\d+)\.json$")  # train_fold0.json, val_0.json
_NESTED_PAIR = re.compile(r"^(train|val)\.json$")  # fold0/train.json
_FOLD_FOLDER = re.compile(r"^fold(\d+)$")
FOLD_COLUMNS = ("fold", "kfold", "folds", "fold_id", "cv_fold", "split")
ID_COLUMNS = ("image_id", "id")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
NAME_COLUMNS = ("file_name", "filename", "image", "image_name", "image_path", "path")


def discover(paths: list[Path], manifests: dict[Path, FoldSet] | None = None) -> list[FoldSet]:
    """Fold sets named by the paths (a file of a set names the whole set), each once;
    ``manifests``: manifests' fold sets the caller has read already, by resolved path."""
    found: dict[tuple[str, Path], FoldSet] = {}
    for path in paths:
        for fold_set in _sets_at(path, manifests or {}):
            found.setdefault((fold_set.kind, fold_set.origin.resolve()), fold_set)
    return list(found.values())


def explicit_pairs(train: list[Path], val: list[Path]) -> FoldSet:
    if len(train) != len(val):
        raise InputError(
            f"--train names {len(train)} files but --val names {len(val)}: give "
            "one train file per val file, in fold order"
        )
    return coco_pair_set(val[0].parent, [coco_side(p) for p in val], [coco_side(p) for p in train])


def _sets_at(path: Path, manifests: dict[Path, FoldSet]) -> list[FoldSet]:
    if path.is_dir():
        manifest = path / MANIFEST_NAME
        sets = [_manifest_set_at(manifest, manifests)] if manifest.is_file() else []
        sets += _exports_at(path)
        if not sets:
            raise InputError(
                "no fold files here (folds.json, train/val fold pairs, fold YAMLs or a fold CSV)",
                path,
            )
        return sets
    if _governed(path):  # a file of a manifest's set names the whole set, as a commit can change it
        return _sets_at(path.parent, manifests)
    if path.suffix.lower() == ".csv":
        if path.name == HOLDOUT_CSV and path.with_name(FOLD_CSV).is_file():
            return [read_csv_set(path.with_name(FOLD_CSV))]
        return [read_csv_set(path)]
    if not path.exists():
        raise InputError("no such file or folder", path)
    if path.suffix.lower() in (".yaml", ".yml"):
        yolo = yolo_set_at(path)
        if yolo is None:
            raise InputError(
                "not a fold YAML: expected fold0.yaml (foldcheck split) or "
                "split_1/split_1_dataset.yaml (Ultralytics' K-fold guide)",
                path,
            )
        return [yolo]
    pair = _pair_key(path)
    if pair is not None:
        return [read_pair_set(pair[0])]
    manifest_set = _manifest_set_at(path, manifests)
    return [manifest_set, *_exports_at(path.parent)]  # a manifest of another name governs them too


def _manifest_set_at(path: Path, manifests: dict[Path, FoldSet]) -> FoldSet:
    read = manifests.get(path.resolve())
    return read_manifest_set(path) if read is None else read


def _governed(path: Path) -> bool:
    """Whether ``path`` is the manifest or an export foldcheck wrote beside it."""
    if not (path.parent / MANIFEST_NAME).is_file():
        return False
    return is_set_file(path.name)


def _exports_at(folder: Path) -> list[FoldSet]:
    """The fold sets other than a manifest that a folder holds: train/val pairs, fold YAMLs,
    fold CSVs (each with its holdout.csv)."""
    sets = [read_pair_set(folder)] if _pair_files(folder) else []
    yolo = yolo_set_at(folder)
    if yolo is not None:
        sets.append(yolo)
    return sets + [
        read_csv_set(csv_path)
        for csv_path in sorted(folder.glob("*.csv"))
        if csv_path.name != HOLDOUT_CSV  # a fold CSV's partner, read with it
    ]


def _pair_key(path: Path) -> tuple[Path, int, str] | None:
    """(folder of the set, fold, side) when the file is named like one side of a fold."""
    flat = _FLAT_PAIR.match(path.name)
    if flat:
        return path.parent, int(flat[2]), flat[1]
    nested, folder = _NESTED_PAIR.match(path.name), _FOLD_FOLDER.match(path.parent.name)
    if nested and folder:
        return path.parent.parent, int(folder[1]), nested[1]
    return None


def _pair_files(root: Path) -> dict[tuple[int, str], Path]:
    files: dict[tuple[int, str], Path] = {}
    for path in sorted([*root.glob("*.json"), *root.glob("fold*/*.json")]):
        key = _pair_key(path)
        if key is not None and key[0] == root:
            files.setdefault((key[1], key[2]), path)
    return files


def read_pair_set(root: Path) -> FoldSet:
    files = _pair_files(root)
    if not files:
        raise InputError("no train/val fold files here", root)
    folds = sorted({fold for fold, _ in files})
    first = 1 if len(folds) > 1 and folds == list(range(1, len(folds) + 1)) else 0
    if folds != list(range(first, first + len(folds))):
        missing = sorted(set(range(max(folds) + 1)) - set(folds))
        raise InputError(f"fold files are numbered {folds}: fold {missing[0]} is missing", root)
    for fold in folds:
        for side in ("train", "val"):
            if (fold, side) not in files:
                other = files[(fold, "val" if side == "train" else "train")]
                raise InputError(f"has no {side} partner for fold {fold}", other)
    return coco_pair_set(
        root,
        [coco_side(files[(f, "val")]) for f in folds],
        [coco_side(files[(f, "train")]) for f in folds],
        first_fold=first,
    )


def coco_pair_set(origin: Path, val: list[Side], train: list[Side], first_fold: int = 0) -> FoldSet:
    """COCO train/val files as a fold set, their images matched by id or, where the files
    number their images independently, by file name (saying so)."""
    why = ids_per_file([*val, *train])
    if why is None:
        return FoldSet(origin, "coco", val, train, first_fold=first_fold)
    keyed = by_file_name([*val, *train])
    return FoldSet(
        origin,
        "coco",
        keyed[: len(val)],
        keyed[len(val) :],
        first_fold=first_fold,
        notes=(why,),
    )


def coco_side(path: Path) -> Side:
    """A COCO fold file read by the columnar reader; its image ids are placed, when a finding
    needs it, by parsing that image's record alone."""
    dataset = load_dataset(path)
    return Side(
        path,
        dataset.image_ids,
        dataset.file_names,
        lambda i: _image_id_place(dataset, i),
        dataset,
    )


def _image_id_place(dataset: Dataset, index: int) -> tuple[int | None, int | None]:
    source = text_of(dataset)
    start, end = source.spans.images[index].tolist()
    place = JsonText(bytes(source.text[start:end])).locate(("id",))
    if place is None:
        return None, None
    line, col = place
    first_line, first_col = source.line_col(start)
    return first_line + line - 1, first_col + col - 1 if line == 1 else col


def read_manifest_set(path: Path) -> FoldSet:
    document, raw = read_json(path)
    if not is_manifest(document):
        raise InputError(
            'not a fold file: expected a manifest (with "folds"), a COCO file '
            "named like train_fold0.json, val_0.json or fold0/val.json, or a CSV",
            path,
        )
    return manifest_fold_set(manifest_from_document(document, raw, path), raw)


def manifest_fold_set(manifest: Manifest, raw: bytes) -> FoldSet:
    """The fold set of a manifest read from the bytes ``raw``."""
    text = _lazy_text(raw)

    def side(keys: list[Any], where: tuple[str | int, ...]) -> Side:
        by_name = bool(keys) and isinstance(keys[0], str)  # a YOLO manifest keys by path
        return Side(
            manifest.path,
            None if by_name else np.asarray(keys, dtype=np.int64),
            [str(key) for key in keys] if by_name else None,
            lambda i: _or_none(text().locate((*where, i))),
        )

    held = manifest.holdout
    return FoldSet(
        manifest.path,
        "manifest",
        [side(manifest.folds[f], ("folds", f)) for f in range(manifest.k)],
        manifest=manifest,
        holdout=side(held["images"], ("holdout", "images")) if held is not None else None,
    )


def read_csv_set(path: Path) -> FoldSet:
    """A fold CSV, with the held-out test images of ``holdout.csv`` beside it, if any."""
    rows = _read_csv(path, need_fold=True)
    folds = rows.folds
    negative = np.flatnonzero(folds < 0)
    if len(negative):
        line, _ = rows.places[int(negative[0])]
        manifest = path.with_name(MANIFEST_NAME)
        way_out = (
            f"regenerate it with `foldcheck export {manifest} --export csv --force`"
            if manifest.is_file()
            else f"move those rows to {HOLDOUT_CSV} (without the fold column)"
        )
        raise InputError(
            f"{rows.fold_name} {int(folds[negative[0]])} marks an image in no fold, which "
            f"`df[df.{rows.fold_name} != f]` puts in every training set; held-out images "
            f"belong in {HOLDOUT_CSV}: {way_out}",
            path,
            line=line,
            col=rows.fold_col + 1,
        )
    # Folds numbered 1..K (no 0, as R and some notebooks number them) are read as 0..K-1.
    first = 1 if len(folds) and folds.min() == 1 and folds.max() > 1 else 0
    k = int(folds.max()) + 1 - first if len(folds) else 0
    if k < 2:
        raise InputError(
            f"the {quoted(rows.fold_name)} column needs at least two folds (0 and 1)", path
        )
    if k > len(folds):  # every fold needs a row: a larger number is a typo or a trap
        line, _ = rows.places[int(folds.argmax())]
        raise InputError(
            f"{rows.fold_name} {int(folds.max())} is beyond the file's {len(folds)} rows "
            "(K folds need at least K rows)",
            path,
            line=line,
            col=rows.fold_col + 1,
        )
    # The rows of each fold in file order, from one stable sort rather than a pass per fold.
    order = np.argsort(folds, kind="stable")
    bounds = np.searchsorted(folds[order], np.arange(first, first + k + 1))
    held_path = path.with_name(HOLDOUT_CSV)
    held = _read_csv(held_path, need_fold=False) if held_path.is_file() else None
    return FoldSet(
        path,
        "csv",
        [rows.side(order[bounds[fold] : bounds[fold + 1]]) for fold in range(k)],
        holdout=held.side(np.arange(len(held.keys))) if held is not None else None,
        first_fold=first,
    )


@dataclass(frozen=True)
class _CsvRows:
    """A CSV's rows: the key (image id or file name) of each, and where it is."""

    path: Path
    keys: list[Any]
    by_id: bool
    names: list[str] | None
    groups: list[str] | None
    places: list[tuple[int, int]]
    folds: np.ndarray  # int64 per row; empty without a fold column
    fold_name: str
    fold_col: int

    def side(self, picked: np.ndarray) -> Side:
        rows = picked.tolist()
        where = [self.places[i] for i in rows]
        return Side(
            self.path,
            np.asarray([self.keys[i] for i in rows], dtype=np.int64) if self.by_id else None,
            [self.names[i] for i in rows] if self.names is not None else None,
            lambda i: where[i],
            groups=[self.groups[i] for i in rows] if self.groups is not None else None,
        )


def _read_csv(path: Path, *, need_fold: bool) -> _CsvRows:
    raw = read_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        raise InputError(f"not valid UTF-8 (byte 0x{raw[bad.start]:02x})", path) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(_csv_rows(reader, path), [])]
    if not any(header):
        wanted = "a fold column" if need_fold else "an image_id or file_name column"
        raise InputError(f"empty CSV: expected a header with {wanted}", path, line=1)
    fold_col = _column(header, FOLD_COLUMNS, path, "fold column") if need_fold else -1
    id_col = _find(header, ID_COLUMNS)
    key_col = (
        id_col
        if id_col is not None
        else _column(header, NAME_COLUMNS, path, "image_id or file_name column")
    )
    name_col = _find(header, NAME_COLUMNS)
    group_col = _find(header, ("group",))

    folds, keys, names, groups, places = [], [], [], [], []
    for row in _csv_rows(reader, path):
        line = reader.line_num  # the record's last physical line: its own, bar quoted newlines
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(f"has {len(row)} cells, the header has {len(header)}", path, line=line)
        if need_fold:
            folds.append(_csv_int(row[fold_col], path, line, fold_col, header[fold_col]))
        keys.append(
            _csv_int(row[key_col], path, line, key_col, header[key_col])
            if id_col is not None
            else row[key_col]
        )
        names.append(row[name_col] if name_col is not None else "")
        groups.append(row[group_col] if group_col is not None else "")
        places.append((line, key_col + 1))
    return _CsvRows(
        path,
        keys,
        id_col is not None,
        names if name_col is not None else None,
        groups if group_col is not None else None,
        places,
        np.asarray(folds, dtype=np.int64),
        header[fold_col] if need_fold else "",
        fold_col,
    )


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    """Position of the first of ``names`` in the header, if any."""
    return next((header.index(name) for name in names if name in header), None)


def _column(header: list[str], names: tuple[str, ...], path: Path, what: str) -> int:
    found = _find(header, names)
    if found is not None:
        return found
    raise InputError(f"no {what} in the header (looked for {', '.join(names)})", path, line=1)


def _csv_rows(reader: Any, path: Path) -> Iterator[list[str]]:
    """The reader's rows; a record it cannot read (a field past the csv module's limit, a
    NUL byte) is one line at the record."""
    try:
        yield from reader
    except csv.Error as bad:
        raise InputError(f"unreadable CSV record: {bad}", path, line=reader.line_num) from None


def _csv_int(cell: str, path: Path, line: int, column: int, name: str) -> int:
    try:
        value = int(cell.strip())
    except ValueError:
        raise InputError(
            f"{name} must be an integer, found {cell!r:.40}", path, line=line, col=column + 1
        ) from None
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise InputError(
            f"{name} {cell.strip()!r:.40} is beyond 64-bit integers",
            path,
            line=line,
            col=column + 1,
        )
    return value


def _lazy_text(raw: bytes) -> Callable[[], JsonText]:
    cache: list[JsonText] = []

    def text() -> JsonText:
        if not cache:
            cache.append(JsonText(raw))
        return cache[0]

    return text


def _or_none(place: tuple[int, int] | None) -> tuple[int | None, int | None]:
    return place if place is not None else (None, None)
