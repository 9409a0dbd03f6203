"""What every rule sees: a fold set with its images resolved to rows of a reference dataset.

The reference is the dataset (``--dataset``, the manifest's, or ``[tool.foldcheck]``); with
none, it is the union of the fold files themselves, which still shows leakage and balance
but not coverage or staleness.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from foldcheck.core.assignment import FoldAssignment, Holdout
from foldcheck.core.dataset import ConcatSource, Dataset, ImageSource, RecordsSource, RowsSource
from foldcheck.core.findings import Finding, Rule
from foldcheck.core.groups import GroupKey, Groups, group_images
from foldcheck.formats.coco.reader import dataset_from_columns
from foldcheck.formats.fold_set import FoldSet, Side
from foldcheck.io.excerpt import quoted
from foldcheck.io.jsonio import read_bytes
from foldcheck.io.locate import JsonText


@dataclass(frozen=True, eq=False)
class SideRows:
    side: Side
    rows: np.ndarray  # intp per listed image: reference row, -1 when unknown
    n_reference: int  # the reference dataset's images

    def index_of(self, row: int) -> int:
        """Where this side first lists a reference row (for the finding's place)."""
        return self._first_listing[int(row)]

    @cached_property
    def _first_listing(self) -> dict[int, int]:
        listed: dict[int, int] = {}
        for index, row in enumerate(self.rows.tolist()):
            listed.setdefault(row, index)
        return listed

    def finding(self, index: int, rule: Rule, message: str) -> Finding:
        """A finding at this side's listing ``index``."""
        line, col = self.side.locate(index)
        return Finding(str(self.side.path), line, col, rule, message)

    @cached_property
    def known(self) -> np.ndarray:
        """The reference rows this side lists, each once, sorted: marked in a mask of the
        reference's rows and read back in order (np.unique hashes, then sorts)."""
        listed = np.zeros(self.n_reference, bool)
        listed[self.rows[self.rows >= 0]] = True
        return np.flatnonzero(listed)


@dataclass(eq=False)
class CheckContext:
    fold_set: FoldSet
    reference: Dataset
    reference_given: bool  # a real dataset, not the union of the fold files
    groups: Groups
    tolerance: float
    val: list[SideRows]
    train: list[SideRows] | None
    images_dir: Path | None = None
    held: np.ndarray | None = None  # bool per reference row: the held-out test set
    holdout: SideRows | None = None  # the fold files' own test side (a fold YAML's test:)
    _dataset_text: JsonText | None = field(default=None, repr=False)

    @property
    def k(self) -> int:
        return len(self.val)

    @property
    def group_is_image(self) -> bool:
        return self.groups.key.is_image

    @cached_property
    def assignment(self) -> FoldAssignment:
        """The folds as an assignment of reference images: the first validation fold listing
        each image (-1 for none), and the held-out test set of those in none (a test image in
        a fold is FC107's, and counted in its fold)."""
        fold = np.full(self.reference.n_images, -1, dtype=np.intp)
        for index in reversed(range(self.k)):
            fold[self.val[index].known] = index
        held = self.held & (fold < 0) if self.held is not None else None
        holdout = Holdout(held) if held is not None and held.any() else None
        return FoldAssignment(self.reference, self.groups, self.k, fold, holdout=holdout)

    def unknown_held(self, side: SideRows) -> np.ndarray:
        """Indices of ``side``'s listings that the dataset lacks but the fold files' own test
        side lists too (a YOLO dataset's test images are not among the images it splits):
        FC107's, not FC203's."""
        if not self._unknown_held_keys:
            return np.zeros(0, np.intp)
        unknown = np.flatnonzero(side.rows < 0)
        keys = _listed_keys(side.side)
        return unknown[[keys[i] in self._unknown_held_keys for i in unknown.tolist()]]

    @cached_property
    def _unknown_held_keys(self) -> set[Any]:
        if self.holdout is None:
            return set()
        keys = _listed_keys(self.holdout.side)
        return {keys[i] for i in np.flatnonzero(self.holdout.rows < 0).tolist()}

    @staticmethod
    def listed_label(side: SideRows, index: int) -> str:
        """A listing the dataset may lack, named as the side lists it."""
        listed = side.side.image_ids
        if listed is not None:
            return f"image {int(listed[index])}"
        return f"image {quoted((side.side.file_names or [])[index])}"

    def image_label(self, row: int) -> str:
        if self.fold_set.val[0].image_ids is None:  # listed by file name only
            return f"image {quoted(self.reference.file_names[row])}"
        return f"image {int(self.reference.image_ids[row])}"

    def group_label(self, row: int) -> str:
        label = self.groups.labels[self.groups.of_image[row]]
        return f"group {quoted(label)} ({self.groups.key.text})"

    def dataset_finding(self, row: int, rule: Rule, message: str) -> Finding:
        """A finding placed at an image's record in the dataset file."""
        if self.reference.keys_are_names:  # a YOLO image has no record: name the data.yaml
            return Finding(str(self.reference.path), None, None, rule, message)
        if self._dataset_text is None:
            self._dataset_text = JsonText(read_bytes(self.reference.path))
        place = self._dataset_text.locate(("images", row))
        line, col = place if place else (None, None)
        return Finding(str(self.reference.path), line, col, rule, message)


def build_context(
    fold_set: FoldSet,
    dataset: Dataset | None,
    group_by: str,
    missing: str,
    tolerance: float,
    images_dir: Path | None,
    holdout_keys: list[Any] | None = None,
    joined: list[list[Any]] | None = None,
) -> CheckContext:
    """``joined``: pairs of image keys whose groups split joined (near-duplicates), so the
    checks judge the groups split made."""
    reference = dataset if dataset is not None else _union_reference(fold_set)
    key = GroupKey.parse(
        "group" if dataset is None and _csv_groups(fold_set) and group_by != "image" else group_by
    )
    groups = group_images(reference, key, missing)
    if joined:
        from foldcheck.core.near_groups import merge_near_duplicates  # the graph code: only here

        index = reference.key_index
        pairs = [(index.get(a), index.get(b)) for a, b in joined]
        both = np.asarray([p for p in pairs if None not in p], dtype=np.intp).reshape(-1, 2)
        groups = merge_near_duplicates(groups, both[:, 0], both[:, 1])
    resolve = _resolver(reference, dataset is not None)
    n = reference.n_images
    val = [SideRows(side, resolve(side), n) for side in fold_set.val]
    train = None if fold_set.train is None else [SideRows(s, resolve(s), n) for s in fold_set.train]
    holdout = SideRows(fold_set.holdout, resolve(fold_set.holdout), n) if fold_set.holdout else None
    held = None
    if holdout is not None or holdout_keys is not None:
        held = np.zeros(reference.n_images, bool)
        if holdout is not None:
            held[holdout.known] = True
        rows = [reference.key_index.get(k) for k in holdout_keys or []]
        held[[r for r in rows if r is not None]] = True
    return CheckContext(
        fold_set,
        reference,
        dataset is not None,
        groups,
        tolerance,
        val,
        train,
        images_dir,
        held,
        holdout,
    )


def and_list(items: list[int]) -> str:
    """``[0, 1, 3]`` as "0, 1 and 3", for messages."""
    words = [str(i) for i in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _listed_keys(side: Side) -> list[Any]:
    """What a side lists each image by: its id, else its name as listed."""
    return side.image_ids.tolist() if side.image_ids is not None else list(side.file_names or ())


def _csv_groups(fold_set: FoldSet) -> bool:
    return all(side.groups is not None for side in fold_set.val)


def _resolver(reference: Dataset, given: bool) -> Callable[[Side], np.ndarray]:
    """Reference rows of a side's images, by id or, for a CSV keyed so, by file name; YOLO
    lists by path relative to the dataset's root, copies (the guide's layout) by file name.
    The name tables are built on first use: a manifest's sides list ids only."""
    by_name: dict[str, int] = {}
    by_base: dict[str, int] = {}
    id_order: list[np.ndarray | None] = []  # the ids' sort order, once
    root = getattr(reference, "root", None) if given else None

    def names(side: Side) -> list[str]:
        listed = side.file_names or []
        if side.match == "path" and root is not None:
            return [Path(os.path.relpath(n, root)).as_posix() for n in listed]
        return listed

    def name_index(side: Side) -> dict[str, int]:
        if side.match == "basename" and given:
            if not by_base:
                for row, name in enumerate(reference.file_names):
                    by_base.setdefault(name.replace("\\", "/").rpartition("/")[2], row)
            return by_base
        if not by_name:
            for row, name in enumerate(reference.file_names):
                by_name.setdefault(name, row)
        return by_name

    def resolve(side: Side) -> np.ndarray:
        if side.image_ids is not None:
            if not id_order:
                id_order.append(_id_order(reference.image_ids))
            return rows_of_ids(reference.image_ids, id_order[0], side.image_ids)
        index = name_index(side)
        return np.asarray([index.get(n, -1) for n in names(side)], dtype=np.intp)

    return resolve


def _id_order(image_ids: np.ndarray) -> np.ndarray | None:
    """A stable argsort of the ids; None when they are in increasing order already (as
    exporters write them): no sort, and no copy of the ids in that order."""
    if len(image_ids) < 2 or bool((image_ids[1:] > image_ids[:-1]).all()):
        return None
    order: np.ndarray = np.argsort(image_ids, kind="stable")
    return order


def rows_of_ids(image_ids: np.ndarray, order: np.ndarray | None, wanted: np.ndarray) -> np.ndarray:
    """The row of each wanted id (-1 when absent; the last of repeated ids, as
    ``Dataset.image_index`` has it), by binary search in the ids sorted by ``order`` (a stable
    argsort; None: they are in increasing order) rather than a lookup per id."""
    wanted = np.asarray(wanted, dtype=np.int64)
    n = len(image_ids)
    if order is None and n and int(image_ids[-1]) - int(image_ids[0]) == n - 1:
        # Increasing and without a gap: an id's row is its distance from the first id.
        offsets: np.ndarray = wanted - image_ids[0]
        offsets[(offsets < 0) | (offsets >= n)] = -1
        return offsets.astype(np.intp, copy=False)
    ordered = image_ids if order is None else image_ids[order]
    at = np.searchsorted(ordered, wanted, side="right") - 1
    found = at >= 0
    found[found] = ordered[at[found]] == wanted[found]
    if order is None:
        at[~found] = -1
        found_rows: np.ndarray = at.astype(np.intp, copy=False)
        return found_rows
    rows: np.ndarray = np.where(found, order[np.maximum(at, 0)], -1).astype(np.intp)
    return rows


def _union_reference(fold_set: FoldSet) -> Dataset:
    """A dataset made of the fold files' own images (first listing wins) and, for COCO sides,
    the annotations of each image from the first side that lists it: the sides' columns
    concatenated (their records stay in their files)."""
    sides = [
        *fold_set.val,
        *(fold_set.train or []),
        *([fold_set.holdout] if fold_set.holdout else []),
    ]
    if all(side.image_paths is not None for side in sides):
        return _yolo_union(fold_set, sides)
    union = _Union()
    for side in sides:
        if side.dataset is not None:
            union.add_coco(side.dataset)
        else:
            union.add_listing(side)
    return union.dataset(fold_set.origin)


class _Union:
    """The columns of the union reference, gathered a side at a time."""

    def __init__(self) -> None:
        self.seen: set[Any] = set()  # image keys taken (ids, or file names)
        self.taken: list[np.ndarray] = []  # the integer ones, for the COCO sides' lookups
        self.ids: list[np.ndarray] = []
        self.parts: list[ImageSource] = []
        self.annotations: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.categories: Dataset | None = None  # the first COCO side that has some
        self.count = 0

    def add_coco(self, side: Dataset) -> None:
        if self.categories is None and side.n_classes:
            self.categories = side
        taken = np.concatenate(self.taken) if self.taken else np.zeros(0, np.int64)
        fresh = ~np.isin(side.image_ids, taken)
        rows = np.flatnonzero(fresh)
        ids = side.image_ids[rows]
        self.seen.update(ids.tolist())
        self.taken.append(ids)
        self.ids.append(ids)
        self.parts.append(RowsSource(side.source, rows))
        kept = fresh[side.ann_image]
        self.annotations.append(
            (
                side.image_ids[side.ann_image[kept]],
                side.category_ids[side.ann_class[kept]],
                side.ann_area[kept],
            )
        )
        self.count += len(rows)

    def add_listing(self, side: Side) -> None:
        """A manifest's or CSV's listing: records of what it says (id, file name, group)."""
        records: list[dict[str, Any]] = []
        keys: list[int] = []
        for index in range(len(side)):
            key = (
                int(side.image_ids[index])
                if side.image_ids is not None
                else (side.file_names or [])[index]
            )
            if key in self.seen:
                continue
            self.seen.add(key)
            if isinstance(key, int):
                keys.append(key)
            record: dict[str, Any] = {"id": key if isinstance(key, int) else self.count}
            if side.file_names is not None:
                record["file_name"] = side.file_names[index]
            if side.groups is not None:
                record["group"] = side.groups[index]
            records.append(record)
            self.count += 1
        self.taken.append(np.asarray(keys, np.int64))
        self.ids.append(np.asarray([r["id"] for r in records], np.int64))
        self.parts.append(RecordsSource(records))

    def dataset(self, origin: Path) -> Dataset:
        def joined(columns: list[np.ndarray], dtype: Any) -> np.ndarray:
            return np.concatenate(columns) if columns else np.zeros(0, dtype)

        first = self.categories
        categories = (
            (first.category_ids, first.category_names) if first else (np.zeros(0, np.int64), ())
        )
        image_id, category_id, area = (
            zip(*self.annotations, strict=True) if self.annotations else ([], [], [])
        )
        return dataset_from_columns(
            origin,
            joined(self.ids, np.int64),
            categories,
            (
                joined(list(image_id), np.int64),
                joined(list(category_id), np.int64),
                joined(list(area), np.float64),
            ),
            ConcatSource(tuple(self.parts)),
        )


def _yolo_union(fold_set: FoldSet, sides: list[Side]) -> Dataset:
    from foldcheck.formats.yolo.reader import union_dataset

    keys = [key for side in sides for key in side.file_names or []]
    paths = [path for side in sides for path in side.image_paths or []]
    return union_dataset(keys, paths, fold_set.class_names, fold_set.origin)
