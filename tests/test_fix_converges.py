"""Issue 20, item 7: the "no id" sentinel (-2**63) means the same to split and validate, and
``validate --fix`` converges in one run: new ids stay within int64, and boxes clipped to the
same box are copies dropped in that same run. A second --fix changes nothing, on crafted
files and on generated broken ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile import coco_document, run_main

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _fix_twice(data: Path, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], bytes]:
    """The document after one --fix, asserting a second --fix over it changes no byte."""
    once, twice = data.with_name("once.json"), data.with_name("twice.json")
    code, _, err = run_main(capsys, "validate", data, "--fix", once, "--force", "-q")
    assert code in (0, 1), err
    code, _, err = run_main(capsys, "validate", once, "--fix", twice, "--force", "-q")
    assert code in (0, 1), err
    assert twice.read_bytes() == once.read_bytes(), "a second --fix changed the file"
    return json.loads(once.read_bytes()), once.read_bytes()


def _two_annotations_with_id(tmp_path: Path, ann_id: int) -> Path:
    document = coco_document()
    document["annotations"][0]["id"] = document["annotations"][1]["id"] = ann_id
    data = tmp_path / "data.json"
    data.write_text(json.dumps(document))
    return data


def test_id_minus_2_63_is_no_id_to_split_and_to_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _two_annotations_with_id(tmp_path, INT64_MIN)
    code, _, err = run_main(capsys, "split", data, "-k", "2", "--out", tmp_path / "folds")
    assert code == 0, err  # split reads -2**63 as "no id", as it reads a missing one
    code, out, _ = run_main(capsys, "validate", data, "--format", "json")
    codes = sorted(f["code"] for f in json.loads(out)["findings"])
    assert "FC502" in codes and "FC501" not in codes  # so does validate
    fixed, _ = _fix_twice(data, capsys)
    ids = [a["id"] for a in fixed["annotations"]]
    assert len(set(ids)) == len(ids) and INT64_MIN not in ids


def test_renumbering_past_the_largest_id_stays_within_int64(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixed, _ = _fix_twice(_two_annotations_with_id(tmp_path, INT64_MAX), capsys)
    ids = [a["id"] for a in fixed["annotations"]]
    assert len(set(ids)) == len(ids)
    assert all(INT64_MIN < i <= INT64_MAX for i in ids)
    assert (
        run_main(capsys, "split", tmp_path / "once.json", "-k", "2", "--out", tmp_path / "folds")[0]
        == 0
    )


def test_boxes_clipped_to_one_box_are_deduplicated_in_the_same_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = coco_document()  # images are 64 x 48
    first, second = document["annotations"][0], document["annotations"][1]
    second.update(image_id=first["image_id"], category_id=first["category_id"])
    first["bbox"], second["bbox"] = [50, 10, 30, 10], [50, 10, 40, 10]  # both reach past x=64
    data = tmp_path / "data.json"
    data.write_text(json.dumps(document))
    fixed, _ = _fix_twice(data, capsys)
    boxes = [(a["image_id"], a["category_id"], tuple(a["bbox"])) for a in fixed["annotations"]]
    assert boxes.count((first["image_id"], first["category_id"], (50, 10, 14, 10))) == 1


# --- generated broken files -----------------------------------------------------------------

_ID = st.one_of(
    st.integers(1, 6), st.sampled_from([INT64_MIN, INT64_MAX, INT64_MAX - 1, 0, -1]), st.none()
)
_COORD = st.one_of(st.integers(-20, 80), st.sampled_from([0.4, 63.5, 1e-3]))


@st.composite
def broken_documents(draw: st.DrawFn) -> dict[str, Any]:
    document = coco_document(n_images=2)
    annotations = []
    for _ in range(draw(st.integers(1, 8))):
        record: dict[str, Any] = {
            "image_id": draw(st.integers(1, 2)),
            "category_id": draw(st.integers(1, 2)),
            "bbox": [draw(_COORD) for _ in range(4)],
        }
        ann_id = draw(_ID)
        if ann_id is not None:
            record["id"] = ann_id
        if draw(st.booleans()):
            record["area"] = draw(st.sampled_from([0, -1, 12.5, 1e6]))
        if draw(st.booleans()):
            record["iscrowd"] = 0
        annotations.append(record)
    if draw(st.booleans()):  # an exact copy of a record
        annotations.append(dict(annotations[0]))
    document["annotations"] = annotations
    if draw(st.booleans()):
        document["info"] = {}
    return document


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=broken_documents())
def test_fix_converges_in_one_run_on_generated_broken_files(
    document: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data.json"
    data.write_text(json.dumps(document))
    fixed, _ = _fix_twice(data, capsys)
    # the reference: what --fix promises, checked on the parsed document
    ids = [a["id"] for a in fixed["annotations"]]
    assert len(set(ids)) == len(ids)
    assert all(type(i) is int and INT64_MIN < i <= INT64_MAX for i in ids)
    seen = set()
    for a in fixed["annotations"]:
        x, y, w, h = a["bbox"]
        assert w >= 1 and h >= 1  # smaller boxes are dropped
        tolerance = 1  # --box-tolerance's default: boxes past the edge by more are clipped
        assert x >= -tolerance and y >= -tolerance
        assert x + w <= 64 + tolerance and y + h <= 48 + tolerance
        key = (a["image_id"], a["category_id"], x, y, w, h)
        assert key not in seen
        seen.add(key)
