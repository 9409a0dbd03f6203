"""The columnar COCO reader: the same columns as a plain parse whatever the formatting and
however the file is cut into runs; duplicate keys found wherever they are; exports that copy
each record byte for byte (unknown fields, float spelling) and that pycocotools loads."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foldcheck.cli import main
from foldcheck.errors import InputError
from foldcheck.formats.coco import records as coco_records
from foldcheck.formats.coco import text as coco_text
from foldcheck.formats.coco.reader import load_dataset, load_lint_table
from foldcheck.formats.coco.text import text_of
from foldcheck.io.structure import scan_records
from tests.coco_reference import parsed_dataset

pycocotools_coco = pytest.importorskip("pycocotools.coco")


@pytest.fixture(params=[64, 1 << 22], ids=["tiny-runs", "default-runs"])
def run_bytes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Tiny runs put run boundaries everywhere, including inside strings and nested lists."""
    monkeypatch.setattr(coco_records, "RUN_BYTES", request.param)
    monkeypatch.setattr(coco_text, "_RUN_BYTES", request.param)
    return int(request.param)


def _document(n_images: int = 12) -> dict[str, Any]:
    images = [
        {"id": 100 + i, "file_name": f"img_{i}.jpg", "width": 64, "height": 48, "video_id": i // 3}
        for i in range(n_images)
    ]
    images[2]["note"] = 'a "quoted" },{ string: with colons'
    del images[5]["video_id"]
    annotations = []
    for i in range(3 * n_images):
        record: dict[str, Any] = {
            "id": i + 1,
            "image_id": 100 + (i * 7) % n_images,
            "category_id": 1 + i % 3,
            "bbox": [1.5, 2.0, 3.25, 4.0],
            "area": 13.0 + i,
            "iscrowd": 0,
        }
        if i % 4 == 0:
            record["segmentation"] = [[1.0, 2.0, 3.0, 4.0, 5.0, 6.5]]
        if i % 9 == 0:
            record["segmentation"] = {"counts": [1, 2, 3], "size": [48, 64]}
        if i % 5 == 0:
            record["attributes"] = [{"occluded": True}, {"k": "}, {"}]
        if i % 11 == 0:
            del record["area"]  # the box decides
        annotations.append(record)
    return {
        "info": {"year": 2024, "description": "x:y"},
        "images": images,
        "annotations": annotations,
        "categories": [{"id": c, "name": f"c{c}", "supercategory": "s"} for c in (1, 2, 3)],
    }


def _columns(dataset: Any) -> tuple[Any, ...]:
    return (
        dataset.image_ids.tolist(),
        dataset.category_ids.tolist(),
        dataset.category_names,
        dataset.ann_image.tolist(),
        dataset.ann_class.tolist(),
        np.nan_to_num(dataset.ann_area, nan=-1).tolist(),
    )


@pytest.mark.parametrize("indent", [None, 1, 4])
def test_columns_match_a_plain_parse(tmp_path: Path, run_bytes: int, indent: int | None) -> None:
    document = _document()
    path = tmp_path / "d.json"
    separators = (",", ":") if indent is None else None
    path.write_text(json.dumps(document, indent=indent, separators=separators))
    dataset = load_dataset(path)
    assert _columns(dataset) == _columns(parsed_dataset(document, path))
    assert dataset.image_field("video_id") == [r.get("video_id") for r in document["images"]]
    assert dataset.file_names == [r["file_name"] for r in document["images"]]


def test_record_spans_hold_each_record_exactly(tmp_path: Path, run_bytes: int) -> None:
    document = _document()
    path = tmp_path / "d.json"
    path.write_text(json.dumps(document, indent=2))
    dataset = load_dataset(path)
    spans, raw = text_of(dataset).spans, path.read_bytes()
    for key in ("images", "annotations", "categories"):
        records = [json.loads(raw[a:b]) for a, b in getattr(spans, key).tolist()]
        assert records == document[key]


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("tricky", [False, True])
def test_spans_from_boundaries_equal_the_structural_scan(
    tmp_path: Path, indent: int | None, tricky: bool
) -> None:
    """The cheap spans (``},{`` places counted against the records) are the scan's spans, and
    a ``},{`` inside a string or a nested list of objects sends the array to the scan."""
    document = _document()
    if not tricky:
        del document["images"][2]["note"]
        for record in document["annotations"]:
            record.pop("attributes", None)
    path = tmp_path / "d.json"
    path.write_text(json.dumps(document, indent=indent))
    source = text_of(load_dataset(path))
    assert source.counts is not None
    for key, count in zip(("images", "annotations", "categories"), source.counts, strict=True):
        start, end = source.member(key)
        scanned = coco_text._array_spans(source.text, start, end)
        cheap = coco_text._boundary_spans(source.text, start, end, count)
        if tricky and key != "categories":
            assert cheap is None
        else:
            assert cheap is not None and cheap.tolist() == scanned.tolist()
        assert getattr(source.spans, key).tolist() == scanned.tolist()


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        # in a later run, nested, spaced, escaped, in categories, in info
        ("ANN,\n" + '{"id": 99, "image_id": 1, "category_id": 1, "id": 3}', "id", 2),
        (
            'ANN,\n{"image_id": 1, "category_id": 1, "segmentation": {"size": 1, "size": 2}}',
            "size",
            2,
        ),
        ('ANN,\n{"image_id": 1, "category_id" : 1, "category_id" : 1}', "category_id", 2),
        ('ANN,\n{"image_id": 1, "category_id": 1, "\\u0061": 1, "a": 2}', "a", 2),
    ],
)
def test_duplicate_keys_anywhere_are_one_line_errors(
    tmp_path: Path, run_bytes: int, text: str, key: str, line: int
) -> None:
    record = '{"id": 1, "image_id": 1, "category_id": 1, "area": 4}'
    body = text.replace("ANN", ",".join([record] * 40))
    path = tmp_path / "d.json"
    path.write_text(
        '{"images": [{"id": 1}],\n"annotations": [' + body + '],\n"categories": [{"id": 1}]}'
    )
    with pytest.raises(InputError) as caught:
        load_dataset(path)
    assert caught.value.message == f"duplicate key {key!r} in one object"
    assert caught.value.line == line + 1


def _alike_annotations(n: int, odd_one: str = "") -> str:
    """Annotations with one key list, every 7th a crowd RLE object, the 30th ``odd_one``'s
    segmentation if given (one per line)."""
    rows = []
    for i in range(n):
        seg = '{"counts": [2, 14], "size": [4, 4]}' if i % 7 == 0 else "[[0, 0, 4, 0, 4, 4]]"
        if i == 30 and odd_one:
            seg = odd_one
        rows.append(f'{{"id": {i + 1}, "image_id": 1, "category_id": 1, "segmentation": {seg}}}')
    return ",\n".join(rows)


@pytest.mark.parametrize(
    ("segmentation", "key"),
    [
        ('{"counts": [2, 14], "size": [4, 4], "size": [4, 4]}', "size"),
        ('{"counts": [2, 14], "size": [4, 4], "by": {"k": 1, "k": 2}}', "k"),
        ('[{"k": 1, "k": 2}]', "k"),
        ('{"counts": "a:b", "size": [4, 4], "size": [4, 4]}', "size"),  # a colon in a string
    ],
)
@pytest.mark.parametrize("read", [load_dataset, load_lint_table], ids=["split", "validate"])
def test_duplicate_keys_in_segmentations_of_alike_records(
    tmp_path: Path, run_bytes: int, segmentation: str, key: str, read: Callable[[Path], Any]
) -> None:
    path = tmp_path / "d.json"
    annotations = _alike_annotations(60, segmentation)
    path.write_text(
        '{"images": [{"id": 1}],\n"annotations": [\n'
        + annotations
        + '],\n"categories": [{"id": 1}]}'
    )
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.message == f"duplicate key {key!r} in one object"
    assert caught.value.line == 2 + 31


@pytest.mark.parametrize("read", [load_dataset, load_lint_table], ids=["split", "validate"])
def test_crowd_rle_objects_do_not_send_runs_to_the_structural_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read: Callable[[Path], Any]
) -> None:
    """The key count of the fast gate takes the RLE objects' keys (issue 11, coco-seg), in
    validate's reading as in split's."""
    scanned: list[int] = []

    def counting_scan(text: Any) -> Any:
        scanned.append(len(text))
        return scan_records(text)

    monkeypatch.setattr(coco_records, "scan_records", counting_scan)
    path = tmp_path / "d.json"
    path.write_text(
        '{"images": [{"id": 1}, {"id": 2}],\n"annotations": [\n'
        + _alike_annotations(60)
        + '],\n"categories": [{"id": 1}]}'
    )
    read(path)
    assert scanned == []


@pytest.mark.parametrize(
    ("text", "line", "col"),
    [
        ('{"images": [], "annotations": [], "categories": [{"id": 1, "id": 2}]}', 1, 50),
        ('{"info": {"a": 1,\n "a": 2}, "images": [], "annotations": [], "categories": []}', 1, 10),
        ('{"images": [], "annotations": [], "categories": [], "images": []}', 1, 1),
    ],
)
def test_duplicate_keys_outside_the_record_arrays(
    tmp_path: Path, text: str, line: int, col: int
) -> None:
    path = tmp_path / "d.json"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_dataset(path)
    assert "duplicate key" in caught.value.message
    assert (caught.value.line, caught.value.col) == (line, col)


def test_structure_scan_finds_records_and_repeated_keys() -> None:
    found = scan_records(b'{"a":1,"b":"},{\\"a\\":"}, {"a":{"a":1,"b":[{"c":1},{"c":2}]}}')
    assert found.starts.tolist() == [0, 25] and found.duplicate_at == -1 and found.complete
    assert scan_records(b'{"a":1},{"x":{"k":1,"k":2}}').duplicate_at == 13
    long_keys = b'{"abcdefghijklmnop_1":1,"abcdefghijklmnop_2":2}'
    assert scan_records(long_keys).duplicate_at == -1  # same first bytes, different keys
    assert not scan_records(b'{"a":"x').complete


def test_exports_copy_every_record_byte_for_byte(tmp_path: Path) -> None:
    """Unknown fields, number spellings (1.50, 1e2, -0.0), unicode and odd spacing survive."""
    images = ",\n".join(
        f'{{"id": {i}, "file_name": "ü_{i}.jpg", "width": 6.40e2, "height": 480, "x_extra": '
        f'{{"nested": [1.50, 1e2]}}}}'
        for i in range(1, 21)
    )
    annotations = ",".join(
        f'{{ "id" : {i} , "image_id":{1 + i % 20},"category_id":{1 + i % 2},'
        f'"bbox":[1.50,2,3.0e0,-0.0],"area":1e2,"iscrowd":0,"unknown":"é\\n"}}'
        for i in range(1, 61)
    )
    path = tmp_path / "d.json"
    raw = (
        '{"info": {"v": 1.10}, "licenses": [],\n "images": [\n' + images + "\n],\n"
        '"annotations": [' + annotations + '], "categories": [{"id": 1, "name": "a"}, '
        '{"id": 2, "name": "b", "extra": null}], "trailing_key": [1.0]}\n'
    ).encode()
    path.write_bytes(raw)
    out = tmp_path / "folds"
    assert main(["split", str(path), "-k", "3", "--out", str(out), "--export", "coco", "-q"]) == 0
    dataset = load_dataset(path)
    originals = {
        key: {raw[a:b] for a, b in getattr(text_of(dataset).spans, key).tolist()}
        for key in ("images", "annotations")
    }
    seen: dict[str, int] = {"images": 0, "annotations": 0}
    for exported in sorted(out.glob("val_fold*.json")):
        text = exported.read_bytes()
        copy = load_dataset(exported)
        for key in ("images", "annotations"):
            records = [text[a:b] for a, b in getattr(text_of(copy).spans, key).tolist()]
            assert set(records) <= originals[key]
            seen[key] += len(records)
        assert [m[0] for m in text_of(copy).members] == [
            "info",
            "licenses",
            "images",
            "annotations",
            "categories",
            "trailing_key",
        ]
        assert (
            b'"categories":[{"id": 1, "name": "a"}, {"id": 2, "name": "b", "extra": null}]' in text
        )
        pycocotools_coco.COCO(str(exported))
    assert seen == {"images": 20, "annotations": 60}


@pytest.mark.parametrize("batch", [1, 400, 1 << 22])
def test_batched_exports_equal_records_joined_one_stretch_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    """However the kept stretches are batched, an export is the original top level with each
    stretch of consecutive kept records copied as it was, stretches joined by a bare comma."""
    from foldcheck.formats.coco import writer as coco_writer
    from foldcheck.formats.exports import coco_subset

    monkeypatch.setattr(coco_writer, "_BATCH_BYTES", batch)
    document = _document(40)
    path = tmp_path / "d.json"
    path.write_text(json.dumps(document, indent=1))
    dataset = load_dataset(path)
    source, raw = text_of(dataset), path.read_bytes()

    rng = np.random.default_rng(0)
    for share in (0.0, 0.2, 0.8, 1.0):
        mask = rng.random(dataset.n_images) < share
        expected = [b"{"]
        for index, (key, start, end) in enumerate(source.members):
            expected.append((b"," if index else b"") + json.dumps(key).encode() + b":")
            if key in ("images", "annotations"):
                spans = getattr(source.spans, key)
                keep = mask if key == "images" else mask[dataset.ann_image]
                runs: list[list[int]] = []
                for row in np.flatnonzero(keep).tolist():
                    if runs and runs[-1][1] == row - 1:
                        runs[-1][1] = row
                    else:
                        runs.append([row, row])
                joined = b",".join(raw[spans[a, 0] : spans[b, 1]] for a, b in runs)
                expected.append(b"[" + joined + b"]")
            else:
                expected.append(raw[start:end])
        expected.append(b"}")
        assert coco_subset(dataset, mask) == b"".join(expected)


def test_same_inputs_and_seed_give_identical_exports(tmp_path: Path, sample: Path) -> None:
    for name in ("a", "b"):
        argv = ["split", str(sample), "--out", str(tmp_path / name), "--export", "coco,csv", "-q"]
        assert main([*argv, "--group-by", "video_id", "--seed", "3"]) == 0
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes()


_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-10, 10) | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    extras=st.lists(
        st.dictionaries(st.sampled_from(["x", "note", "seg", "é"]), _values),
        min_size=1,
        max_size=30,
    ),
    indent=st.sampled_from([None, 0, 2]),
    run=st.sampled_from([16, 200, 1 << 20]),
)
def test_any_extra_fields_and_formatting_read_like_a_plain_parse(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    extras: list[dict[str, Any]],
    indent: int | None,
    run: int,
) -> None:
    monkeypatch.setattr(coco_records, "RUN_BYTES", run)
    monkeypatch.setattr(coco_text, "_RUN_BYTES", run)
    annotations = [
        {"id": i, "image_id": i % 3, "category_id": 7, "area": float(i), **extra}
        for i, extra in enumerate(extras)
    ]
    document = {
        "images": [{"id": i, **extras[i % len(extras)]} for i in range(3)],
        "annotations": annotations,
        "categories": [{"id": 7, "name": "seven"}],
    }
    path = tmp_path / "d.json"
    path.write_text(json.dumps(document, indent=indent, ensure_ascii=False))
    dataset = load_dataset(path)
    assert _columns(dataset) == _columns(parsed_dataset(document, path))
    raw = path.read_bytes()
    spans = text_of(dataset).spans
    assert [json.loads(raw[a:b]) for a, b in spans.annotations.tolist()] == annotations
