"""The lint columns the reader decodes in its own pass (``formats.coco.reader.load_lint_table``):
the typed fast way and the field-by-field way agree, across run boundaries, and every
record's place is where the standard library's scanner finds it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from foldcheck.formats.coco import lint as coco_lint
from foldcheck.formats.coco import records as coco_records
from foldcheck.formats.coco.reader import load_dataset, load_lint_table
from foldcheck.io import numbers
from foldcheck.io.locate import JsonText


@pytest.fixture(params=[64, 1 << 22], ids=["tiny-runs", "default-runs"])
def run_bytes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(coco_records, "RUN_BYTES", request.param)
    return int(request.param)


def _document(boundary_in_a_string: bool = True) -> dict[str, Any]:
    """Every annotation with an id, box, area and iscrowd (the typed way takes them all); the
    first has no segmentation. A "},{" in a string keeps the reader from its strict type."""
    images = [
        {"id": 1 + i, "file_name": f"n\u00e9_{i}.jpg", "width": 64 + i, "height": 48}
        for i in range(6)
    ]
    segmentations: list[Any] = [
        [[1.0, 2.0, 11.0, 2.0, 11.0, 12.0, 1.0, 12.0]],  # a 10x10 square: area 100
        [[0, 0, 4, 0, 4, 4], [10, 10, 12, 10, 12, 13, 10, 13]],  # 8 + 6
        [[0, 0, 4, 0, 4]],  # odd
        [[0, 0, 4, 0]],  # two points
        {"counts": [5, 3, 2, 4], "size": [48, 64]},
        {"counts": "52203", "size": [48, 65]},
        {"counts": [1], "size": [48]},
        None,
        [],
    ]
    annotations = []
    for i in range(40):
        record: dict[str, Any] = {
            "id": 10 + i,
            "image_id": 1 + i % 6,
            "category_id": 1 + i % 2,
            "bbox": [1 + i, 2.5, 10, 10 + i % 3],
            "area": 50.0 + i,
            "iscrowd": i % 2,
        }
        if boundary_in_a_string:
            record["note"] = "},{ not a boundary \u00fc"
        if i % 10:
            record["segmentation"] = segmentations[i % len(segmentations)]
        annotations.append(record)
    return {
        "info": {},
        "images": images,
        "annotations": annotations,
        "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
    }


def _columns(table: coco_lint.LintTable) -> dict[str, Any]:
    return {f.name: getattr(table.lint, f.name) for f in dataclasses.fields(table.lint)}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    return bool(a == b)


@pytest.mark.parametrize("boundary_in_a_string", [True, False])
@pytest.mark.parametrize("indent", [None, 2])
def test_typed_and_field_by_field_columns_agree(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run_bytes: int,
    indent: int | None,
    boundary_in_a_string: bool,
) -> None:
    path = tmp_path / "d.json"
    document = _document(boundary_in_a_string)
    path.write_text(json.dumps(document, indent=indent, ensure_ascii=False), "utf-8")
    taken: list[bool] = []
    typed_way = coco_lint.LintBuilder.typed_annotations

    def spy(*args: Any) -> bool:
        taken.append(typed_way(*args))
        return taken[-1]

    monkeypatch.setattr(coco_lint.LintBuilder, "typed_annotations", spy)
    typed = load_lint_table(path)
    assert taken and all(taken)  # every record fits the typed way
    monkeypatch.setattr(coco_lint.LintBuilder, "typed_annotations", lambda *a: False)
    monkeypatch.setattr(coco_lint.LintBuilder, "typed_images", lambda *a: False)
    parsed = load_lint_table(path)
    for name, column in _columns(typed).items():
        assert _same(column, _columns(parsed)[name]), name
    c = typed.lint
    assert c.seg_kind[:11].tolist() == [0, 1, 1, 1, 2, 3, 2, 0, 0, 1, 0]
    assert c.poly_area[[1, 9]].tolist() == [14.0, 100.0]
    assert c.poly_odd.tolist().index(True) == 2 and c.poly_min_coords[3] == 4
    assert c.poly_count[[1, 2, 4]].tolist() == [2, 1, 0]
    assert c.rle_size[4:7].tolist() == [[48, 64], [48, 65], [-1, -1]]
    assert c.rle_area[4:8].tolist()[:3] == [7.0, 4.0, 0.0]  # [5, 3, 2, 4]: 3 + 4
    assert np.isnan(c.rle_area[[0, 1, 7]]).all()
    np.testing.assert_array_equal(typed.dataset.ann_area, load_dataset(path).ann_area)


def test_places_are_where_the_records_start(tmp_path: Path, run_bytes: int) -> None:
    path = tmp_path / "d.json"
    document = _document()
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False), "utf-8")
    table = load_lint_table(path)
    text = JsonText(path.read_bytes())
    for kind in ("images", "annotations", "categories"):
        rows = np.arange(len(document[kind]))[::-1]  # in any order
        expected = [text.locate((kind, row)) for row in rows.tolist()]
        assert table.places.places(kind, rows) == expected


def test_places_count_characters_on_one_long_line(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps(_document(), ensure_ascii=False), "utf-8")
    table = load_lint_table(path)
    text = JsonText(path.read_bytes())
    rows = np.array([39, 0, 17, 17])
    assert table.places.places("annotations", rows) == [
        text.locate(("annotations", row)) for row in rows.tolist()
    ]
    assert table.places.places("annotations", np.zeros(0, np.int64)) == []


@pytest.mark.skipif(numbers.fill_arrays_compiled is None, reason="built without a C compiler")
def test_the_compiled_and_the_msgspec_number_readers_give_the_same_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_bytes: int
) -> None:
    """An install without a C compiler reads boxes and polygons with msgspec: the same table."""
    path = tmp_path / "d.json"
    path.write_text(json.dumps(_document(), ensure_ascii=False), "utf-8")
    compiled = load_lint_table(path)
    monkeypatch.setattr(numbers, "_fill_arrays", numbers.fill_arrays_python)
    python = load_lint_table(path)
    for name, column in _columns(compiled).items():
        assert _same(column, _columns(python)[name]), name
