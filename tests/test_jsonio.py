"""Strict JSON reading: duplicate keys are found exactly, even past the fast path."""

from __future__ import annotations

from pathlib import Path

import pytest

from foldcheck.errors import InputError
from foldcheck.io.jsonio import parse_json


@pytest.mark.parametrize(
    "text",
    [
        '{"a": ":not a key", "b": 1}',  # a colon after a quote inside a string
        '{"t": "2021-02-23T17:28:48+00:00"}',  # colons inside strings
        '{"a": [{"size": [1, 2], "counts": "x\\":y"}]}',  # nested object, escaped quote
        '{"a" : 1, "b"\n:\t2}',  # spaced colons
    ],
)
def test_texts_that_only_look_like_they_have_more_keys_are_accepted(text: str) -> None:
    assert parse_json(text.encode(), Path("x.json"))


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ('{"a": 1,\n "a": 2}', "a", 1),
        ('{"images": [\n {"id": 1, "id": 2}]}', "id", 2),
        ('{"x": "y:", "images": [{"id": 1}, {"s": {"k": 1, "k": 1}}]}', "k", 1),
    ],
)
def test_duplicate_keys_are_reported_with_the_object_place(text: str, key: str, line: int) -> None:
    with pytest.raises(InputError) as caught:
        parse_json(text.encode(), Path("x.json"))
    assert caught.value.message == f"duplicate key {key!r} in one object"
    assert caught.value.line == line


def test_large_files_parse_in_pieces_to_the_same_document(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from foldcheck.io import jsonio

    monkeypatch.setattr(jsonio, "_PIECEWISE_ABOVE", 0)
    monkeypatch.setattr(jsonio, "_PIECE_SIZE", 40)
    annotations = [
        {"id": i, "image_id": 1, "note": "}, {" if i % 3 else "x", "attrs": [{"a": i}, {"b": 2}]}
        for i in range(60)
    ]
    document = {
        "images": [{"id": 1}],
        "annotations": annotations,
        "categories": [{"id": c, "name": f"c{c}"} for c in range(40)],
    }
    for text in (json.dumps(document), json.dumps(document, indent=1)):
        assert jsonio._parse_in_pieces(text.encode()) == document
        assert parse_json(text.encode(), Path("x.json")) == document
