"""Group keys: which images must stay together in one fold.

``image`` (each image alone), a preset (``roboflow``, ``sahi``, ``folder``: see
``group_presets``), an image-record field such as ``video_id``, or ``re:PATTERN`` whose first
capture group, searched in ``file_name``, is the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np

from foldcheck.core.dataset import Dataset
from foldcheck.core.distinct import distinct
from foldcheck.core.group_presets import PRESETS
from foldcheck.errors import InputError, option
from foldcheck.io.excerpt import quoted


@dataclass(frozen=True)
class GroupKey:
    text: str  # as the user wrote it; stored in the manifest

    @property
    def is_image(self) -> bool:
        return self.text == "image"

    @property
    def preset(self) -> str | None:
        return self.text if self.text in PRESETS else None

    @property
    def pattern(self) -> re.Pattern[str] | None:
        return re.compile(self.text[3:]) if self.text.startswith("re:") else None

    @classmethod
    def parse(cls, text: str) -> GroupKey:
        if not text:
            raise InputError(
                f"{option('group_by')} needs 'image', an image field name or 're:PATTERN'"
            )
        if text.startswith("re:"):
            try:
                compiled = re.compile(text[3:])
            except re.error as exc:
                raise InputError(
                    f"{option('group_by')}: invalid regular expression {quoted(text[3:])}: {exc}"
                ) from None
            if compiled.groups < 1:
                raise InputError(
                    f"{option('group_by')}: {quoted(text[3:])} has no capture group; the first "
                    "group's text is the key, e.g. 're:(?i)^(.+)_jpg\\.rf\\.'"
                )
        return cls(text)


class IdLabels(Sequence[str]):
    """The labels of one-image groups: each image's id as text, made when read. A string per
    image made up front (237,500 at Open Images 1/8) costs more than the few that a finding
    or an export reads."""

    def __init__(self, image_ids: np.ndarray) -> None:
        self._ids = image_ids

    @property
    def ids(self) -> np.ndarray:
        """The integers whose text the labels are."""
        return self._ids

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [str(i) for i in self._ids[index].tolist()]
        return str(int(self._ids[index]))

    def __iter__(self) -> Iterator[str]:
        return map(str, self._ids.tolist())

    def take(self, rows: np.ndarray) -> list[str]:
        """The labels of many groups in one pass (an export's column of 1.9 million rows at
        Open Images size: a lookup each took most of writing folds.csv)."""
        return list(map(str, self._ids[rows].tolist()))


@dataclass(frozen=True, eq=False)
class Groups:
    key: GroupKey
    of_image: np.ndarray  # intp [images]: group index of each image
    labels: Sequence[str]  # [groups]: the key's value, as text
    missing: str = "error"  # what images without the key became: "error" or "own" groups

    @property
    def count(self) -> int:
        return len(self.labels)

    def labels_of(self, groups: np.ndarray) -> list[str]:
        """The labels of ``groups`` (group indices), in order."""
        if isinstance(self.labels, IdLabels):
            return self.labels.take(groups)
        return list(map(self.labels.__getitem__, groups.tolist()))

    def classes_held(self, dataset: Dataset, held_out: np.ndarray | None = None) -> np.ndarray:
        """[classes]: how many groups of the folds hold each class (fewer than K: some folds
        must lack it); ``held_out`` (bool per image): a test set's images, in no fold."""
        if self.count == dataset.n_images:  # one image per group: the image-class pairs
            pair_image, pair_class = dataset.image_class_pairs
            if held_out is not None:
                pair_class = pair_class[~held_out[pair_image]]
            single: np.ndarray = np.bincount(pair_class, minlength=dataset.n_classes)
            return single
        ann_image, ann_class = dataset.ann_image, dataset.ann_class
        if held_out is not None:
            in_folds = ~held_out[ann_image]
            ann_image, ann_class = ann_image[in_folds], ann_class[in_folds]
        pairs = distinct(self.of_image[ann_image].astype(np.int64) * dataset.n_classes + ann_class)
        held: np.ndarray = np.bincount(pairs % dataset.n_classes, minlength=dataset.n_classes)
        return held


def group_images(dataset: Dataset, key: GroupKey, missing: str = "error") -> Groups:
    """Group index per image. Images without a key are an error, or (``missing="own"``) a
    group of their own."""
    if key.is_image:
        return Groups(
            key,
            np.arange(dataset.n_images, dtype=np.intp),
            IdLabels(dataset.image_ids),
            missing,
        )
    values = _key_values(dataset, key)
    absent = np.fromiter((value is None for value in values), bool, len(values))
    if absent.any() and missing != "own":
        row = int(absent.argmax())
        raise InputError(
            _missing_message(dataset, key, row), dataset.path, json_path=f"$.images[{row}]"
        )
    # Groups are numbered in order of first appearance; an image without a key is its own.
    first_row = _first_rows(values, absent)
    group_rows, of_image = np.unique(first_row, return_inverse=True)
    labels = [
        f"image {dataset.image_ids[row]}" if absent[row] else str(values[row])
        for row in group_rows.tolist()
    ]
    return Groups(key, of_image.astype(np.intp), labels, missing)


def _first_rows(values: list[Any], absent: np.ndarray) -> np.ndarray:
    """[images]: the first row holding each image's key value (its own row if it has none)."""
    present = np.flatnonzero(~absent)
    kept = [values[row] for row in present.tolist()]
    first_row = np.arange(len(values))
    column = _as_column(kept)
    if column is None:
        seen: dict[Any, int] = {}
        first_row[present] = [
            seen.setdefault(v, row) for row, v in zip(present.tolist(), kept, strict=True)
        ]
    else:
        _, first, inverse = np.unique(column, return_index=True, return_inverse=True)
        first_row[present] = present[first][inverse]
    return first_row


def _as_column(values: list[Any]) -> np.ndarray | None:
    """The values as one numpy column if they are all strings or all 64-bit integers; None
    for anything else (a mix, booleans, larger integers), where only Python's equality is right
    (1 and "1" differ, True equals 1)."""
    kinds = set(map(type, values))
    if kinds == {str}:
        return np.array(values, dtype=str)
    if kinds == {int}:
        try:
            return np.array(values, dtype=np.int64)
        except OverflowError:
            return None
    return None


def _key_values(dataset: Dataset, key: GroupKey) -> list[Any]:
    if key.preset is not None:
        return [PRESETS[key.preset].key(name) for name in dataset.file_names]
    pattern = key.pattern
    if pattern is not None:
        matches = [pattern.search(name) for name in dataset.file_names]
        return [m.group(1) if m is not None and m.group(1) is not None else None for m in matches]
    values = dataset.image_field(key.text)
    for row, value in enumerate(values):
        if isinstance(value, (list, dict, float)):
            raise InputError(
                f'group field "{key.text}" must be a string or an integer, found {value!r:.40}',
                dataset.path,
                json_path=f"$.images[{row}].{key.text}",
            )
    return values


def _missing_message(dataset: Dataset, key: GroupKey, row: int) -> str:
    what = (
        f"file_name {quoted(dataset.file_names[row])} does not match {quoted(key.text[3:])}"
        if key.pattern is not None
        else f"file_name {quoted(dataset.file_names[row])} is not named like the {key.text}"
        " preset's "
        f"{PRESETS[key.text].help}"
        if key.preset is not None
        else f'no "{key.text}" field'
    )
    return f"{what}; pass {option('missing_group', 'own')} to make such images groups of their own"
