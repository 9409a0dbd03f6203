"""Bad input through `foldcheck check`, `split` and `validate`: exit 2, exactly one line on
stderr naming the file and the place (line:col or JSON path), no traceback, nothing written.

The files are in tests/corpus/ (read only here); each row of CASES says which commands it
applies to and where the error must point.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from foldcheck.cli import main

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "corpus"
ERROR_LINE = re.compile(
    r"^(?P<path>.+?)(?::(?P<line>\d+)(?::(?P<col>\d+))?)?: error: "
    r"(?:(?P<json_path>\$[^ ]*): )?(?P<message>.+)$"
)

COCO = ("check", "check-pair", "split", "validate")  # every command that reads a COCO file


@dataclass(frozen=True)
class Case:
    name: str  # a file (or folder) in tests/corpus, or one that does not exist
    commands: tuple[str, ...]
    message: str  # a fragment of the message
    line: int | None = None
    col: int | None = None
    json_path: str | None = None
    at: str | None = None  # the text that starts at line:col


CASES = [
    Case("truncated.json", COCO, "unexpected end of file", 8, 6, at=""),
    Case("trailing_comma.json", COCO, "trailing comma", 5, 63, at=",\n"),
    Case("top_level_array.json", COCO, "found an array", json_path="$"),
    Case("missing_images.json", COCO, 'missing "images"', json_path="$"),
    Case("images_not_list.json", COCO, "expected an array, found an object", json_path="$.images"),
    Case("image_without_id.json", COCO, 'missing "id"', json_path="$.images[1]"),
    Case(
        "string_id.json",
        COCO,
        "expected an integer, found a string '2'",
        json_path="$.images[1].id",
    ),
    Case(
        "float_id.json", COCO, "expected an integer, found a number 2.0", json_path="$.images[1].id"
    ),
    Case(
        "huge_id_2_63.json",
        COCO,
        "9223372036854775808 is out of the 64-bit range",
        json_path="$.images[1].id",
    ),
    Case("huge_id_2_64.json", COCO, "id is out of the 64-bit range", json_path="$.images[1].id"),
    Case("non_utf8.json", COCO, "not valid UTF-8 (byte 0xe9)", 4, 32),
    Case("bom.json", COCO, "byte-order mark", 1, 1),
    # A duplicate key is placed at the object that holds it.
    Case("duplicate_key_top.json", COCO, "duplicate key 'images'", 1, 1, at="{"),
    Case("duplicate_key_annotation.json", COCO, "duplicate key 'category_id'", 9, 5, at='{"id": 2'),
    # ... also inside an RLE segmentation, and in an object nested deeper, of records whose
    # keys are all alike (the reader's fast duplicate gate must count the nested keys).
    Case(
        "duplicate_key_rle.json",
        COCO,
        "duplicate key 'counts'",
        8,
        64,
        at='{"counts": [2, 14], "counts"',
    ),
    Case("duplicate_key_nested.json", COCO, "duplicate key 'by'", 8, 108, at='{"by": "a", "by"'),
    Case("nan.json", COCO, "NaN and Infinity are not valid JSON numbers", 8, 78, at="NaN}"),
    Case(
        "infinity.json", COCO, "NaN and Infinity are not valid JSON numbers", 8, 78, at="Infinity}"
    ),
    Case("empty.json", COCO, "empty file"),
    Case("whitespace.json", COCO, "empty file"),
    Case(
        "unknown_image.json",
        COCO,
        "image id 99 is not in the file's image list",
        json_path="$.annotations[1].image_id",
    ),
    Case(
        "unknown_category.json",
        COCO,
        "category id 7 is not in",
        json_path="$.annotations[1].category_id",
    ),
    Case(
        "duplicate_image_ids.json",
        COCO,
        "duplicate id 2 (first at $.images[1])",
        json_path="$.images[2].id",
    ),
    Case(
        "manifest_k_string.json", ("check",), "'2' is not of type 'integer'", 9, 8, "$.k", at='"2"'
    ),
    Case(
        "manifest_folds_not_lists.json",
        ("check",),
        "1 is not of type 'array'",
        15,
        5,
        "$.folds[0]",
        at="1,",
    ),
    Case(
        "manifest_bad_sha256.json",
        ("check",),
        "does not match",
        5,
        15,
        "$.dataset.sha256",
        at='"not-a-hash"',
    ),
    Case(
        "manifest_k_mismatch.json", ("check",), "k is 3 but there are 2 folds", json_path="$.folds"
    ),
    Case("no_fold_column.csv", ("check",), "fold column", 1),
    Case("non_integer_fold.csv", ("check",), "fold must be an integer, found 'one'", 3, 3),
    Case("ragged_row.csv", ("check",), "has 2 cells, the header has 3", 3),
    Case("does_not_exist.json", ("check", "split", "validate"), "no such file"),
    Case("does_not_exist.csv", ("check",), "no such file"),
    Case("no_fold_files", ("check",), "no fold files here"),
    Case("no_fold_files", ("split", "validate"), "is a directory"),
]

PARAMS = [
    pytest.param(case, command, id=f"{case.name}-{command}")
    for case in CASES
    for command in case.commands
]


def _good_dataset() -> dict[str, object]:
    images = [{"id": i, "file_name": f"g{i}.jpg", "width": 64, "height": 48} for i in (1, 2, 3, 4)]
    annotations = [
        {"id": i, "image_id": i, "category_id": 1, "bbox": [0, 0, 4, 4], "area": 16}
        for i in (1, 2, 3, 4)
    ]
    return {"images": images, "annotations": annotations, "categories": [{"id": 1, "name": "cat"}]}


def _good_manifest(folder: Path) -> Path:
    folder.mkdir(parents=True)
    manifest = {
        "version": 1,
        "dataset": {"path": "dataset.json", "sha256": "0" * 64, "images": 4, "annotations": 4},
        "k": 2,
        "seed": 0,
        "group_by": "image",
        "stratify": "both",
        "tolerance": 0.1,
        "folds": [[1, 2], [3, 4]],
    }
    (folder / "folds.json").write_text(json.dumps(manifest, indent=2), "utf-8")
    return folder / "folds.json"


def _pair_set(folder: Path, bad: Path) -> Path:
    """A train/val pair set whose val_fold0.json is the bad file."""
    folder.mkdir(parents=True)
    good = _good_dataset()
    for name, ids in (("train_fold0", (3, 4)), ("val_fold1", (3, 4)), ("train_fold1", (1, 2))):
        part = dict(good)
        part["images"] = [r for r in good["images"] if r["id"] in ids]  # type: ignore[attr-defined]
        part["annotations"] = [a for a in good["annotations"] if a["image_id"] in ids]  # type: ignore[attr-defined]
        (folder / f"{name}.json").write_text(json.dumps(part), "utf-8")
    shutil.copyfile(bad, folder / "val_fold0.json")
    return folder / "val_fold0.json"


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _argv(case: Case, command: str, work: Path) -> tuple[list[str], str]:
    """Command-line arguments, and the path the error must name."""
    target = CORPUS / case.name
    if command == "check":
        if case.commands == COCO:  # a bad dataset, given with --dataset to a good manifest
            return ["check", str(_good_manifest(work / "folds")), "--dataset", str(target)], str(
                target
            )
        return ["check", str(target)], str(target)
    if command == "check-pair":
        bad = _pair_set(work / "pairs", target)
        return ["check", str(bad)], str(bad)
    if command == "split":
        return [
            "split",
            str(target),
            "-k",
            "2",
            "--out",
            str(work / "out"),
            "--export",
            "coco,csv",
        ], str(target)
    return ["validate", str(target)], str(target)


def _assert_one_error_line(err: str, case: Case, named: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    match = ERROR_LINE.match(lines[0])
    assert match is not None, lines[0]
    assert match["path"] == named
    assert case.message in match["message"], lines[0]
    assert match["json_path"] == case.json_path, lines[0]
    assert (int(match["line"]) if match["line"] else None) == case.line, lines[0]
    assert (int(match["col"]) if match["col"] else None) == case.col, lines[0]
    if case.at is not None:  # the place is what the case says is there
        raw = Path(named).read_bytes()
        text = raw.decode("utf-8", errors="replace")
        line_text = text.splitlines(keepends=True)[case.line - 1]  # type: ignore[operator]
        assert line_text[case.col - 1 :].startswith(case.at), (line_text, case.col)  # type: ignore[operator]


@pytest.mark.parametrize(("case", "command"), PARAMS)
def test_bad_input(case: Case, command: str, tmp_path: Path, monkeypatch, capsys) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    argv, named = _argv(case, command, work)
    before = _snapshot(tmp_path)
    corpus_before = _snapshot(CORPUS)

    code = main(argv)

    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == ""
    _assert_one_error_line(err, case, named)
    assert _snapshot(tmp_path) == before  # nothing written, nothing touched
    assert _snapshot(CORPUS) == corpus_before
    assert not (work / "out").exists()


def test_split_leaves_an_existing_out_folder_unchanged(tmp_path: Path, capsys) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_good_dataset()), "utf-8")
    out = tmp_path / "out"
    assert (
        main(["split", str(good), "-k", "2", "--out", str(out), "--export", "coco,csv", "-q"]) == 0
    )
    before = _snapshot(out)
    assert "folds.json" in before and "folds.csv" in before
    capsys.readouterr()
    for bad in ("truncated.json", "duplicate_image_ids.json", "nan.json"):
        argv = ["split", str(CORPUS / bad), "-k", "2", "--out", str(out), "--export", "coco,csv"]
        assert main([*argv, "--force"]) == 2
        _, err = capsys.readouterr()
        assert len(err.splitlines()) == 1 and err.startswith(str(CORPUS / bad))
        assert _snapshot(out) == before
        assert sorted(p.name for p in out.iterdir()) == sorted(before)  # no temporary files


def test_validate_reports_each_bad_file_and_continues(capsys) -> None:
    names = ["truncated.json", "string_id.json", "bom.json"]
    assert main(["validate", *(str(CORPUS / n) for n in names)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert [line.split(":")[0] for line in err.splitlines()] == [str(CORPUS / n) for n in names]


# Process-level: the real entry point, its exit status and stderr, no traceback.
SUBPROCESS = [
    ("split", "truncated.json", "truncated.json:8:6: error: invalid JSON: unexpected end of file"),
    ("validate", "nan.json", "nan.json:8:78: error: invalid JSON: NaN and Infinity"),
    (
        "validate",
        "duplicate_key_annotation.json",
        "duplicate_key_annotation.json:9:5: error: duplicate key",
    ),
    (
        "check",
        "manifest_k_string.json",
        "manifest_k_string.json:9:8: error: $.k: not a valid fold manifest",
    ),
    ("check", "ragged_row.csv", "ragged_row.csv:3: error: has 2 cells"),
    ("check", "no_fold_files", "no_fold_files: error: no fold files here"),
    ("split", "does_not_exist.json", "does_not_exist.json: error: no such file"),
]


@pytest.mark.parametrize(("command", "name", "expected"), SUBPROCESS)
def test_bad_input_process(command: str, name: str, expected: str, tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    shutil.copytree(CORPUS, tmp_path / "corpus")
    extra = ["--out", str(tmp_path / "out")] if command == "split" else []
    proc = subprocess.run(
        [sys.executable, "-m", "foldcheck", command, name, *extra],
        cwd=tmp_path / "corpus",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [proc.stderr.strip()]
    assert proc.stderr.startswith(expected), proc.stderr
    assert not (tmp_path / "out").exists()


# --- regressions: bugs these tests found, fixed -----------------------------------------------


@pytest.mark.parametrize("command", ["validate", "split", "check"])
def test_duplicate_key_with_aligned_colon(command: str, tmp_path: Path, capsys) -> None:
    target = CORPUS / "duplicate_key_spaced.json"
    case = Case(target.name, COCO, "duplicate key 'category_id'", 8, 5, at="{")
    argv, named = _argv(case, command, tmp_path)
    assert main(argv) == 2
    _, err = capsys.readouterr()
    _assert_one_error_line(err, case, named)


@pytest.mark.parametrize("command", ["validate", "split", "check"])
def test_boolean_id_is_rejected(command: str, tmp_path: Path, capsys) -> None:
    case = Case(
        "bool_id.json", COCO, "expected an integer, found a boolean", json_path="$.images[1].id"
    )
    argv, named = _argv(case, command, tmp_path)
    assert main(argv) == 2
    _, err = capsys.readouterr()
    _assert_one_error_line(err, case, named)


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("box", '"bbox": [1, 2, NUMBER, 4]'),
        ("polygon", '"bbox": [1, 2, 3, 4], "segmentation": [[0, 0, NUMBER, 0, 5, 5]]'),
        ("rle", '"bbox": [1, 2, 3, 4], "segmentation": {"counts": [0, NUMBER], "size": [9, 9]}'),
    ],
)
def test_a_number_beyond_any_double_is_one_line_at_its_place(
    where: str, value: str, tmp_path: Path, capsys
) -> None:
    """json.loads reads 1e400 as infinity, and pycocotools then computes with it; validate
    names it (a non-ASCII note before it: columns count characters)."""
    record = (
        '{"note": "\u00e9\u00e9", "id": 2, "image_id": 1, "category_id": 1, "area": 12,'
        f' "iscrowd": 0, {value.replace("NUMBER", "1e400")}}}'
    )
    text = (
        '{"images": [{"id": 1, "file_name": "a.jpg", "width": 9, "height": 9}],\n'
        '"annotations": [{"id": 1, "image_id": 1, "category_id": 1, "area": 12, "iscrowd": 0,'
        f' "bbox": [1, 2, 3, 4]}},\n{record}],\n"categories": [{{"id": 1, "name": "c"}}]}}'
    )
    path = tmp_path / "d.json"
    path.write_text(text, "utf-8")
    before = sorted(tmp_path.iterdir())
    assert main(["validate", str(path)]) == 2
    _, err = capsys.readouterr()
    place = f"{path}:3:{record.index('1e400') + 1}"
    assert (
        err == f"{place}: error: cannot read this value: number is infinity when parsed as double\n"
    )
    assert sorted(tmp_path.iterdir()) == before


def test_id_beyond_2_64_is_reported_as_out_of_range(capsys) -> None:
    assert main(["validate", str(CORPUS / "huge_id_2_64.json")]) == 2
    _, err = capsys.readouterr()
    assert "id is out of the 64-bit range" in err


@pytest.mark.parametrize("name", ["missing/train_fold0.json", "val_fold0.json", "fold3/val.json"])
def test_missing_pair_file_is_an_input_error(
    name: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    code = main(["check", name])
    _, err = capsys.readouterr()
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith(name), err


def test_no_fold_column_message_reads_well(capsys) -> None:
    assert main(["check", str(CORPUS / "no_fold_column.csv")]) == 2
    _, err = capsys.readouterr()
    assert "no a " not in err


def _fold_file(image_ids: tuple[int, ...]) -> dict[str, Any]:
    """A COCO fold file: two boxes per image, annotation ids 10 * image + 0 and + 1."""
    images = [{"id": i, "file_name": f"{i}.jpg", "width": 64, "height": 48} for i in image_ids]
    annotations = [
        {"id": 10 * i + j, "image_id": i, "category_id": 1, "bbox": [j, i, 4, 4], "area": 16.0}
        | {"iscrowd": 0, "segmentation": []}
        for i in image_ids
        for j in (0, 1)
    ]
    return {"images": images, "annotations": annotations, "categories": [{"id": 1, "name": "cat"}]}


def test_check_refuses_a_fold_file_that_repeats_an_annotation_id(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    import pycocotools.coco

    folds = tmp_path / "folds"
    folds.mkdir()
    for fold, (val, train) in enumerate((((1, 2), (3, 4)), ((3, 4), (1, 2)))):
        for name, ids in (("val", val), ("train", train)):
            (folds / f"{name}_fold{fold}.json").write_text(json.dumps(_fold_file(ids), indent=2))
    monkeypatch.chdir(tmp_path)
    assert main(["check", "folds"]) == 0, capsys.readouterr()  # the pair set as made is clean
    capsys.readouterr()

    bad = folds / "train_fold1.json"
    document = _fold_file((1, 2))
    annotations = document["annotations"]
    annotations[3]["id"] = annotations[1]["id"]  # image 2's second box takes image 1's id 11
    bad.write_text(json.dumps(document, indent=2))
    before = _snapshot(tmp_path)

    assert main(["check", "folds"]) == 2
    out, err = capsys.readouterr()
    case = Case(
        bad.name,
        ("check",),
        "duplicate annotation id 11 (first at $.annotations[1]); pycocotools' COCO() keeps"
        " only one of them",
        json_path="$.annotations[3].id",
    )
    _assert_one_error_line(err, case, "folds/train_fold1.json")
    assert out == ""
    assert _snapshot(tmp_path) == before  # nothing written

    # Why it is an error: pycocotools indexes annotations by id, so coco.anns holds one of the
    # two, and what COCOeval loads (getAnnIds, then loadAnns) has image 2's second box twice
    # and image 1's second box never.
    coco = pycocotools.coco.COCO(str(bad))
    assert len(coco.anns) == len(annotations) - 1
    loaded = coco.loadAnns(coco.getAnnIds(imgIds=[1, 2]))
    assert [(a["image_id"], a["bbox"]) for a in loaded] == [
        (1, [0, 1, 4, 4]),
        (2, [1, 2, 4, 4]),
        (2, [0, 2, 4, 4]),
        (2, [1, 2, 4, 4]),
    ]
