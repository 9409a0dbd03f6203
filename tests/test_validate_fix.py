"""`foldcheck validate --fix OUT.json` / `--in-place`: one line per change and a count, every
other byte of every other record kept, atomic, refused where it would overwrite by surprise;
and the record editing underneath (``formats.coco.edit``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from foldcheck.cli import main
from foldcheck.formats.coco.edit import Edits, RecordSpans, apply_edits, record_spans, set_members
from foldcheck.formats.coco.text import TextSource
from foldcheck.io import jsontext

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "validate"
REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"  # as conftest


def several_defects(tmp_path: Path) -> Path:
    doc = json.loads((FIXTURES / "clean.json").read_text("utf-8"))
    anns = doc["annotations"]
    del anns[0]["area"], anns[1]["iscrowd"]
    anns[2]["bbox"] = [85, 10, 20, 30]  # past the right edge: clipped to 15 wide
    anns[3]["bbox"] = [50, 10, 0, 30]  # no width: dropped
    anns[5]["id"] = anns[4]["id"]  # a repeated id: renumbered
    anns.append(dict(anns[6], id=99))  # an exact copy: dropped
    path = tmp_path / "data.json"
    path.write_text(json.dumps(doc, indent=2), "utf-8")
    return path


def test_fix_prints_each_change_and_keeps_other_records(tmp_path: Path, capsys) -> None:
    data = several_defects(tmp_path)
    before = data.read_bytes()
    out = tmp_path / "fixed.json"
    code = main(["validate", str(data), "--fix", str(out)])
    printed = capsys.readouterr().out.splitlines()
    assert code == 0, printed
    assert data.read_bytes() == before  # the input is never touched without --in-place
    assert printed[:-2] == [
        f'{data}:32:5: FC505 annotation 1: set "area" to 600 (its polygons)',
        f'{data}:56:5: FC506 annotation 2: set "iscrowd" to 0',
        f"{data}:80:5: FC511 annotation 3: clipped box [85, 10, 20, 30] to [85, 10, 15, 30]",
        f'{data}:80:5: FC511 annotation 3: "area" 600 -> 450 (the clipped box\'s)',
        f"{data}:105:5: FC508 dropped annotation 4 (box [50, 10, 0, 30])",
        f"{data}:155:5: FC501 annotation 5: new id 9",
        f"{data}:230:5: FC518 dropped annotation 99, a copy of annotation 7",
    ]
    assert printed[-2] == f"7 fixes applied; wrote {out}"
    assert printed[-1] == "All checks passed (1 file)."
    fixed = json.loads(out.read_bytes())
    assert [a["id"] for a in fixed["annotations"]] == [1, 2, 3, 5, 9, 7, 8]
    # every record the fix did not touch is there byte for byte
    spans = spans_of(before)
    text = out.read_bytes()
    for row in (6, 7):
        start, end = spans.annotations[row]
        assert before[start:end] in text


def test_fix_refuses_to_overwrite_and_the_input_itself(tmp_path: Path, capsys) -> None:
    data = several_defects(tmp_path)
    out = tmp_path / "fixed.json"
    out.write_text("keep me")
    assert main(["validate", str(data), "--fix", str(out)]) == 2
    assert out.read_text() == "keep me"
    assert "already exists" in capsys.readouterr().err
    assert main(["validate", str(data), "--fix", str(out), "--force", "-q"]) == 0
    assert main(["validate", str(data), "--fix", str(data)]) == 2
    assert "--in-place" in capsys.readouterr().err
    assert main(["validate", str(data), str(out), "--fix", str(tmp_path / "x.json")]) == 2


def test_in_place_rewrites_only_files_with_something_to_fix(tmp_path: Path, capsys) -> None:
    data = several_defects(tmp_path)
    clean = tmp_path / "clean.json"
    shutil.copy(FIXTURES / "clean.json", clean)
    clean_stat = clean.stat()
    assert main(["validate", str(data), str(clean), "--in-place"]) == 0
    out = capsys.readouterr().out
    assert f"7 fixes applied; wrote {data}" in out and f"{clean}: nothing to fix" in out
    assert clean.stat().st_mtime_ns == clean_stat.st_mtime_ns
    assert main(["validate", str(data), "-q"]) == 0
    assert not list(tmp_path.glob(".*.tmp"))  # nothing staged is left behind


def test_unfixable_errors_remain_and_fail(tmp_path: Path, capsys) -> None:
    out = tmp_path / "fixed.json"
    assert main(["validate", str(FIXTURES / "fc503_fail.json"), "--fix", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "0 fixes applied" in printed and f"{out}:13:5: FC503" in printed


def test_fix_with_json_output_keeps_stdout_parseable(tmp_path: Path, capsys) -> None:
    out = tmp_path / "fixed.json"
    main(["validate", str(FIXTURES / "fc505_fail.json"), "--fix", str(out), "--format", "json"])
    captured = capsys.readouterr()
    assert json.loads(captured.out)["findings"] == []
    assert "FC505 annotation 4: set" in captured.err


def test_real_export_with_a_duplicate_box_is_fixed_in_place_of_one_record(
    tmp_path: Path, capsys
) -> None:
    train = REAL / "chess" / "train.json"
    if not train.is_file():
        pytest.skip(f"real export {train} is absent")
    out = tmp_path / "train.json"
    assert main(["validate", str(train), "--fix", str(out), "--select", "FC518"]) == 0
    before, after = train.read_bytes(), out.read_bytes()
    spans = spans_of(before)
    dropped = [i for i, (s, e) in enumerate(spans.annotations) if before[s:e] not in after]
    assert len(dropped) == 1
    assert len(json.loads(after)["annotations"]) == len(json.loads(before)["annotations"]) - 1
    end = spans.annotations[dropped[0]][1]
    # the file minus that record and the separator before it, every other byte the same
    assert after == before[: spans.annotations[dropped[0] - 1][1]] + before[end:]


def spans_of(raw: bytes) -> RecordSpans:
    """The reader's spans of a file's text (its top-level walk, then the records)."""
    found = jsontext.top_level_members(raw, Path("x.json"), lambda key, start: None)
    return record_spans(TextSource(raw, tuple((m.key, m.start, m.end) for m in found)))


PRETTY = (
    '{\n    "images": [],\n    "annotations": [\n        {\n            "id": 1,\n'
    '            "bbox": [\n                1,\n                2\n            ]\n'
    '        },\n        {\n            "id": 2,\n            "n\u00e9v": "\u00fc"\n'
    '        },\n        {\n            "id": 3\n        }\n    ],\n    "categories": []\n}\n'
)


@pytest.mark.parametrize("drop", [[0], [2], [0, 2], [0, 1, 2], [1], []])
def test_dropping_records_keeps_every_other_byte(drop: list[int]) -> None:
    raw = PRETTY.encode()
    spans = spans_of(raw)
    out = apply_edits(spans, Edits(np.isin(np.arange(3), drop)))
    parsed = json.loads(out)
    assert [a["id"] for a in parsed["annotations"]] == [i + 1 for i in range(3) if i not in drop]
    for row in range(3):
        start, end = spans.annotations[row]
        assert (raw[start:end] in out) == (row not in drop)
    if not drop:
        assert out == raw


def test_set_members_replaces_or_adds_in_the_record_style() -> None:
    record = '{\n            "id": 2,\n            "n\u00e9v": "\u00fc"\n        }'
    assert set_members(record, {"area": "5", "id": "7"}) == (
        '{\n            "id": 7,\n            "n\u00e9v": "\u00fc",'
        '\n            "area": 5\n        }'
    )
    assert set_members('{"id": 1}', {"area": "5"}) == '{"id": 1, "area": 5}'
    assert set_members("{}", {"area": "5"}) == '{"area": 5}'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (PRETTY, PRETTY.replace('{\n    "images"', '{\n    "info": {},\n    "images"', 1)),
        (
            '{"images":[],"annotations":[],"categories":[]}',
            '{"info": {},"images":[],"annotations":[],"categories":[]}',
        ),
    ],
)
def test_info_is_added_first(text: str, expected: str) -> None:
    spans = spans_of(text.encode())
    out = apply_edits(spans, Edits(np.zeros(len(spans.annotations), bool), add_info=True))
    assert out.decode() == expected
