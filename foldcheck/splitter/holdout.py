"""A held-out test set, chosen before the K folds are made.

``--holdout FRACTION``: the splitter (profiles -> greedy -> refine, unchanged) divides the
dataset into ``parts`` equal, group-respecting, class-balanced parts and the first ``taken``
are held out, where taken / parts is the fraction nearest the one asked (0.1 -> 1 of 10,
0.15 -> 3 of 20), so the test set is balanced like any fold. ``--holdout-from FILE``: the
images a file lists (ids, file names or YOLO image paths, one per line, or a COCO file's
images, matched by file name), together with every other image of their groups, so no group
straddles the test set and the folds. ``foldcheck.api`` then splits the rest.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from foldcheck.core.assignment import Holdout
from foldcheck.core.dataset import Dataset
from foldcheck.core.groups import Groups
from foldcheck.errors import InputError, option
from foldcheck.io.excerpt import quoted
from foldcheck.io.gcpause import gc_paused
from foldcheck.splitter.greedy import assign_folds
from foldcheck.splitter.profiles import build_profiles

_MAX_PARTS = 20


MAX_HOLDOUT = 0.5  # beyond it the "held-out" part is the data, the folds the remnant


def parts_for(fraction: float) -> tuple[int, int]:
    """(parts, taken): the fewest parts whose taken/parts is nearest ``fraction``."""
    if not 0 < fraction < 1:
        raise InputError(
            f"{option('holdout')} must be a fraction between 0 and 1, got {fraction:g}"
        )
    if fraction > MAX_HOLDOUT:
        raise InputError(
            f"{option('holdout', fraction)} would hold out more images than the folds train "
            f"and validate on: the test set is the part set aside (usually 0.1 to 0.2); at "
            f"most {MAX_HOLDOUT:g}"
        )
    _, parts, taken = min(
        (abs(taken / parts - fraction), parts, taken)
        for parts in range(2, _MAX_PARTS + 1)
        for taken in range(1, parts)
    )
    return parts, taken


def holdout_by_fraction(
    dataset: Dataset, groups: Groups, fraction: float, stratify: str, seed: int
) -> Holdout:
    parts, taken = parts_for(fraction)
    if groups.count < parts:
        raise InputError(
            f"{option('holdout', fraction)} needs the data in {parts} balanced parts, but "
            f"there are only {groups.count} groups (by {groups.key.text})",
            dataset.path,
        )
    with gc_paused():
        profiles = build_profiles(dataset, groups, parts, stratify)
        fold_of_group = assign_folds(profiles, parts, seed)
    return Holdout(fold_of_group[groups.of_image] < taken, fraction=fraction)


def holdout_from_file(dataset: Dataset, groups: Groups, path: Path) -> Holdout:
    listed = listed_rows(dataset, path)
    mask = np.isin(groups.of_image, np.unique(groups.of_image[listed]))
    pulled_in = int(mask.sum()) - len(np.unique(listed))
    return Holdout(mask, source=str(path), pulled_in=pulled_in)


def listed_rows(dataset: Dataset, path: Path) -> np.ndarray:
    from foldcheck.io.jsonio import read_bytes

    if path.suffix.lower() == ".json" and not dataset.keys_are_names:
        from foldcheck.formats.coco.reader import load_dataset

        # By file name, as ``foldcheck merge`` identifies images: a merged file keeps the
        # names of its inputs' images but renumbers the ids that collided.
        row_of = {name: row for row, name in reversed(list(enumerate(dataset.file_names)))}
        names = load_dataset(path).file_names
        unknown = [name for name in names if name not in row_of]
        if unknown:
            raise InputError(f"image {quoted(unknown[0])} is not in {dataset.path.name}", path)
        return np.asarray([row_of[name] for name in names], dtype=np.intp)
    rows = []
    text = read_bytes(path).decode("utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        row = _row_of(entry, dataset, path)
        if row is None:
            raise InputError(
                f"{entry!r:.60} is not an image of {dataset.path.name}", path, line=number, col=1
            )
        rows.append(row)
    if not rows:
        raise InputError("lists no images", path)
    return np.asarray(rows, dtype=np.intp)


def _row_of(entry: str, dataset: Dataset, path: Path) -> int | None:
    index = dataset.key_index
    if not dataset.keys_are_names:
        if entry.lstrip("-").isdigit():
            return index.get(int(entry))
        return next((r for r, name in enumerate(dataset.file_names) if name == entry), None)
    # A YOLO key (relative to the root), a list line (./ relative to the list) or a path.
    root = Path(getattr(dataset, "root", dataset.path.parent))
    candidates = [entry]
    if entry.startswith("./"):
        candidates.append(os.path.relpath(path.parent / entry[2:], root))
    if os.path.isabs(entry):
        candidates.append(os.path.relpath(entry, root))
    for candidate in candidates:
        row = index.get(Path(candidate).as_posix())
        if row is not None:
            return row
    return None
