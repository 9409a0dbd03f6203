"""io/locate.py finds a value's place when arrays of numbers are skipped by their bracket
(a manifest's folds: tens of thousands of ids) and when they hold text or arrays."""

from __future__ import annotations

import json

import pytest

from foldcheck.io.locate import JsonText

DOCUMENT = {
    "a": [1, 2, [3, 4]],
    "folds": [[10, 20, 30], [40, -5e3], []],
    "s": ["x]", 1, "[y"],
    "b": {"c": [5.5], "d": "]"},
    "z": 7,
}
PATHS = [
    ("folds", 1, 1),
    ("folds", 0, 2),
    ("folds", 2),
    ("b", "c", 0),
    ("b", "d"),
    ("s", 1),
    ("s", 2),
    ("a", 2, 1),
    ("z",),
]


@pytest.mark.parametrize("indent", [None, 1, 2])
def test_each_value_found_where_it_starts(indent: int | None) -> None:
    text = json.dumps(DOCUMENT, indent=indent)
    located = JsonText(text.encode())
    for path in PATHS:
        offset = located.offset(path)
        assert offset is not None
        value = json.JSONDecoder().raw_decode(text, offset)[0]
        expected = DOCUMENT
        for step in path:
            expected = expected[step]  # type: ignore[index]
        assert value == expected, path
    assert located.offset(("folds", 2, 0)) is None and located.offset(("folds", 3)) is None
