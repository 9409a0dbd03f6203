"""Issue 20, item 6: valid COCO files that crashed (keys that are not Python identifiers,
numbers beyond doubles, deep nesting) are read when valid and refused in one line when
foldcheck cannot hold them; never exit 3."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from foldcheck.io.nesting import READ_DEPTH
from tests.hostile import assert_refused, coco_document, foldcheck, run_main

ODD_KEYS = [
    "date-captured",
    "Image Name",
    "",
    "__dict__",
    "__weakref__",
    "__slots__",
    "class",
    "__init__",
    "_unwanted_0",
    "id\u00e9",
]


@pytest.mark.parametrize("key", ODD_KEYS)
def test_first_record_keys_that_are_not_identifiers_are_read(
    key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data.json"
    data.write_text(json.dumps(coco_document({key: "2017-01-01"})))
    assert run_main(capsys, "validate", data)[0] == 0
    out = tmp_path / "folds"
    code, _, err = run_main(capsys, "split", data, "-k", "2", "--out", out, "--export", "coco")
    assert code == 0, err
    # the fold files keep the key as the file spelled it
    assert json.loads((out / "val_fold0.json").read_text())["images"][0][key] == "2017-01-01"
    code, _, err = run_main(capsys, "check", out, "--dataset", data)
    assert code == 0, err


def test_a_real_export_with_a_hyphenated_key_splits_as_a_user_runs_it(tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text(json.dumps(coco_document({"date-captured": "2020-01-01T00:00:00+00:00"})))
    proc = foldcheck("split", "data.json", "-k", "2", "--out", "folds", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "folds" / "folds.json").is_file()


HUGE = "1e999"  # valid JSON; no double holds it


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["categories"][1].update(weight=HUGE),
        lambda d: d["categories"][1].update(extra=[1, HUGE]),
        lambda d: d["images"][2].update(extra=HUGE),
        lambda d: d["annotations"][3].update(area=HUGE),
        lambda d: d.update(info={"version": HUGE}),
    ],
    ids=["category", "category-list", "image", "annotation-area", "info"],
)
@pytest.mark.parametrize("command", ["validate", "split"])
def test_a_number_beyond_any_double_is_read_or_one_line_at_its_place(
    edit: Callable[[dict[str, Any]], None],
    command: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = coco_document()
    edit(document)
    raw = json.dumps(document, indent=1).replace(f'"{HUGE}"', HUGE)
    data = tmp_path / "data.json"
    data.write_text(raw)
    argv = [command, data] + (["-k", "2", "--out", tmp_path / "out"] if command == "split" else [])
    code, _, err = run_main(capsys, *argv)
    assert code in (0, 1, 2), err
    if code == 2:  # refused: at the number, in one line, nothing written
        line = raw[: raw.index(HUGE)].count("\n") + 1
        assert err.startswith(f"{data}:{line}:"), err
        assert len(err.splitlines()) == 1
        assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("depth", [150, 5000])
@pytest.mark.parametrize("where", ["info", "category", "image", "annotation"])
@pytest.mark.parametrize("command", ["validate", "split"])
def test_nesting_is_read_to_200_levels_and_refused_in_one_line_beyond_the_parsers(
    depth: int, where: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = coco_document()
    target = {
        "info": document,
        "category": document["categories"][0],
        "image": document["images"][0],
        "annotation": document["annotations"][0],
    }[where]
    target["extra"] = "DEEP"
    deep = '{"a": [' * (depth // 2) + "1" + "]}" * (depth // 2)
    data = tmp_path / "data.json"
    data.write_text(json.dumps(document).replace('"DEEP"', deep))
    argv = [command, data] + (["-k", "2", "--out", tmp_path / "out"] if command == "split" else [])
    code, _, err = run_main(capsys, *argv)
    if depth <= READ_DEPTH:
        assert code == 0, err
    else:
        assert code == 2, err
        assert err.startswith(f"{data}:1:"), err
        assert "levels deep: more than foldcheck's JSON readers go" in err
        assert len(err.splitlines()) == 1
        assert not (tmp_path / "out").exists()


def test_deep_nesting_through_the_cli_process(tmp_path: Path) -> None:
    document = coco_document()
    document["images"][0]["extra"] = "DEEP"
    text = json.dumps(document).replace('"DEEP"', "[" * 3000 + "]" * 3000)
    (tmp_path / "data.json").write_text(text)
    proc = foldcheck("validate", "data.json", cwd=tmp_path)
    assert_refused(proc, "data.json:1:")
    assert "nested 3003 levels deep" in proc.stderr
