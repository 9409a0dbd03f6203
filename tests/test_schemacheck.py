"""io.schemacheck gives jsonschema's verdict on manifests, so the hook may skip jsonschema."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from foldcheck.cli import main
from foldcheck.formats.manifest import schema
from foldcheck.io.schemacheck import conforms
from tests.conftest import SAMPLE

YOLO_MANIFEST: dict[str, Any] = {
    "version": 1,
    "dataset": {"path": "data.yaml", "sha256": "0" * 64, "images": 3, "annotations": 4},
    "k": 2,
    "seed": 0,
    "group_by": "image",
    "stratify": "both",
    "tolerance": 0.05,
    "folds": [["images/a.jpg"], ["images/b.jpg", "images/c.jpg"]],
    "holdout": {"images": ["images/d.jpg"], "fraction": None, "from": None},
}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 70)
    | st.floats(-2, 3, allow_nan=False)
    | st.sampled_from(["", "x", "both", "own", "a.yaml", "0" * 64, "0" * 63 + "\n"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)


def jsonschema_says(document: Any) -> bool:
    return Draft202012Validator(schema()).is_valid(document)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("folds")
    split = ["split", str(SAMPLE), "-k", "3", "--group-by", "video_id", "--out", str(out)]
    assert main([*split, "--holdout", "0.2"]) == 0
    loaded: dict[str, Any] = json.loads((out / "folds.json").read_text())
    return loaded


def test_manifests_foldcheck_writes_conform(written: dict[str, Any]) -> None:
    for document in (written, YOLO_MANIFEST):
        assert conforms(document, schema()) is True
        assert jsonschema_says(document)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _mutated(document: dict[str, Any], path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    result = copy.deepcopy(document)
    if not path:
        return value
    parent = result
    for step in path[:-1]:
        parent = parent[step]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return result


BOUNDARY_VALUES = [None, True, False, 0, 1, 2, -1, 0.0, 0.5, 2.0, "", "x", "both", [], {}, [[1]]]


@pytest.mark.parametrize("yolo", [False, True])
def test_verdict_equals_jsonschemas_at_every_place_and_boundary_value(
    written: dict[str, Any], yolo: bool
) -> None:
    base = copy.deepcopy(YOLO_MANIFEST if yolo else written)
    base["folds"] = [keys[:2] for keys in base["folds"]]  # ids alike: two stand for all
    base["holdout"]["images"] = base["holdout"]["images"][:2]
    for path in _paths(base):
        for value in BOUNDARY_VALUES:
            document = _mutated(base, path, value, delete=False)
            assert conforms(document, schema()) is jsonschema_says(document), (path, value)
        document = _mutated(base, path, None, delete=True)
        assert conforms(document, schema()) is jsonschema_says(document), (path, "deleted")


@settings(max_examples=600, deadline=None)
@given(data=st.data(), value=json_values, delete=st.booleans(), yolo=st.booleans())
def test_verdict_equals_jsonschemas_on_mutated_manifests(
    written: dict[str, Any], data: st.DataObject, value: Any, delete: bool, yolo: bool
) -> None:
    base = YOLO_MANIFEST if yolo else written
    path = data.draw(st.sampled_from(_paths(base)))
    document = _mutated(base, path, value, delete)
    assert conforms(document, schema()) is jsonschema_says(document)


@pytest.mark.parametrize(
    ("instance", "schema_", "verdict"),
    [
        (2.0, {"type": "integer"}, True),
        (True, {"type": "integer"}, False),
        (True, {"const": 1}, False),
        (1.0, {"enum": [1]}, True),
        ("x", {"type": "string", "format": "email"}, None),  # an unknown keyword
        ("x", {"type": "text"}, None),  # an unknown type name
        ([1, "a"], {"items": {"type": "integer"}, "format": "x"}, False),  # False wins over None
    ],
)
def test_keywords_follow_draft_2020_12(
    instance: Any, schema_: dict[str, Any], verdict: Any
) -> None:
    assert conforms(instance, schema_) is verdict
    if verdict is not None:
        assert Draft202012Validator(schema_).is_valid(instance) is verdict


def test_an_invalid_manifest_still_gets_jsonschemas_message(tmp_path: Path) -> None:
    document = copy.deepcopy(YOLO_MANIFEST)
    document["stratify"] = "boxes"
    path = tmp_path / "folds.json"
    path.write_text(json.dumps(document, indent=2))
    from foldcheck.errors import InputError
    from foldcheck.formats.manifest import read_manifest

    with pytest.raises(InputError, match=r"not a valid fold manifest: 'boxes' is not one of"):
        read_manifest(path)
