"""Issue 20, done when: the crafted inputs of items 3-8, each through every command that
reads its kind of file, and none exits 3 (a bug); a refusal is exit 2 with one line. And the
excerpt rule: a finding quotes a short, escaped piece of an input, never a whole one."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from foldcheck.cli import main
from tests.hostile import alias_bomb, coco_document, foldcheck
from tests.test_bad_input import _good_manifest
from tests.yolo_tree import make_tree

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _coco(edit: Callable[[dict[str, Any]], object], raw: Callable[[str], str] = str) -> str:
    """A small COCO document's text after ``edit`` (its return value is ignored: a list
    comprehension edits each record), and ``raw`` over the text."""
    document = coco_document()
    edit(document)
    return raw(json.dumps(document))


COCO = {
    "odd-keys": _coco(
        lambda d: [i.update({"date-captured": 1, "": 2, "__dict__": 3}) for i in d["images"]]
    ),
    "control-key": _coco(lambda d: d["images"][0].update({'\u001f"': 1})),
    "huge-category-number": _coco(
        lambda d: d["categories"][0].update(w="HUGE"), lambda t: t.replace('"HUGE"', "1e999")
    ),
    "deep": _coco(
        lambda d: d["images"][0].update(x="DEEP"),
        lambda t: t.replace('"DEEP"', "[" * 5000 + "]" * 5000),
    ),
    "id-sentinel": _coco(lambda d: [a.update(id=INT64_MIN) for a in d["annotations"][:2]]),
    "id-max": _coco(lambda d: [a.update(id=INT64_MAX) for a in d["annotations"][:2]]),
    "id-beyond": _coco(lambda d: d["annotations"][0].update(id=2**64)),
    "clipped-copies": _coco(
        lambda d: [
            a.update(image_id=1, category_id=1, bbox=[50, 1, 30 + a["id"], 5])
            for a in d["annotations"][:2]
        ]
    ),
    "long-escaped-name": _coco(
        lambda d: [
            i.update(file_name="\x1b[31m\nFC999 forged " + "x" * 100_000) for i in d["images"][:2]
        ]
    ),
}

CSV = {
    "fold-1e9": "image_id,fold\n1,0\n2,1\n3,1000000000\n",
    "fold-beyond-int64": "image_id,fold\n1,0\n2,99999999999999999999999\n",
    "field-200k": 'image_id,fold\n1,0\n2,"' + "1" * 200_000 + '"\n',
}

YAML = {
    "alias-bomb": alias_bomb(),
    "recursive-alias": "names: &n [a, *n]\n",
    "nc-1e9": "nc: 1000000000\n",
    "deep": "names: [a]\nx: " + "[" * 3000 + "]" * 3000 + "\n",
}


def _exit(*argv: str | Path) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, err.getvalue()


def _assert_not_a_bug(code: int, err: str, what: str) -> None:
    assert code != 3, f"{what}: exit 3\n{err}"
    if code == 2:
        assert len(err.splitlines()) == 1, f"{what}: {err}"


@pytest.mark.parametrize("name", sorted(COCO))
def test_crafted_coco_files_through_every_command(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "dataset.json"
    data.write_text(COCO[name])
    manifest = _good_manifest(tmp_path / "given")  # a manifest of images 1-4
    runs = {
        "split": ["split", data, "-k", "2", "--out", "out", "--export", "coco,csv"],
        "validate": ["validate", data],
        "validate --fix": ["validate", data, "--fix", "fixed.json"],
        "check --dataset": ["check", manifest, "--dataset", data],
        "merge": ["merge", data, data, "-o", "merged.json"],
    }
    for what, argv in runs.items():
        _assert_not_a_bug(*_exit(*argv), f"{name}: {what}")
    if (tmp_path / "out" / "folds.json").exists():
        for what in ("check", "report", "export"):
            extra = ["--out", "again"] if what == "export" else []
            argv = [what, tmp_path / "out" / ("folds.json" if what != "check" else ""), *extra]
            _assert_not_a_bug(*_exit(*argv), f"{name}: {what}")


@pytest.mark.parametrize("name", sorted(CSV))
def test_crafted_fold_csvs_through_check(name: str, tmp_path: Path) -> None:
    (tmp_path / "folds.csv").write_text(CSV[name])
    code, err = _exit("check", tmp_path / "folds.csv")
    assert code == 2
    _assert_not_a_bug(code, err, name)


@pytest.mark.parametrize("name", sorted(YAML))
def test_crafted_data_yamls_through_every_command(name: str, tmp_path: Path) -> None:
    data = make_tree(tmp_path / "ds", videos=2, frames=2)
    text = data.read_text().split("names:")[0]
    data.write_text(text + YAML[name])
    for argv in (
        ["validate", data],
        ["split", data, "-k", "2", "--out", tmp_path / "out"],
        ["check", data.parent],
    ):
        code, err = _exit(*argv)
        _assert_not_a_bug(code, err, f"{name}: {argv[0]}")
    assert not (tmp_path / "out").exists()


def test_a_crafted_pre_commit_config_through_init_and_doctor(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\n" + alias_bomb())
    for argv in (["init"], ["doctor", "--repo", "."]):
        proc = foldcheck(*argv, cwd=tmp_path, timeout=60)
        assert proc.returncode != 3 and "Traceback" not in proc.stderr, proc.stderr


def test_a_yolo_tree_of_links_through_every_command(tmp_path: Path) -> None:
    data = make_tree(tmp_path / "ds", videos=2, frames=2)
    train = data.parent / "images" / "train"
    os.symlink(".", train / "loop")
    os.symlink(tmp_path, train / "out")
    for argv in (
        ["validate", data],
        ["split", data, "-k", "2", "--out", tmp_path / "o"],
        ["duplicates", train],
    ):
        code, err = _exit(*argv)
        _assert_not_a_bug(code, err, argv[0])


def test_a_finding_quotes_a_short_escaped_excerpt(tmp_path: Path) -> None:
    (tmp_path / "dataset.json").write_text(COCO["long-escaped-name"])
    proc = foldcheck("validate", "dataset.json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    for line in proc.stdout.splitlines():
        assert len(line) < 400 and "\x1b" not in line, line[:200]
        assert not line.startswith("FC999")
    assert "'\\x1b[31m\\nFC999 forged xxx" in proc.stdout
    assert "xxx' (100,019 characters) of image 1" in proc.stdout  # the excerpt says what it cut


def test_class_names_are_text_in_the_balance_table_never_markup(tmp_path: Path) -> None:
    document = coco_document()
    document["categories"][0]["name"] = "[/]"  # rich markup: a closing tag with nothing open
    document["categories"][1]["name"] = "\x1b]8;;https://example.com\x1b\\dog"  # a hyperlink
    (tmp_path / "dataset.json").write_text(json.dumps(document))
    proc = foldcheck(
        "split", "dataset.json", "-k", "2", "--out", "folds", "--color", "always", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert "│ [/] " in proc.stdout
    assert "│ \\x1b]8;;https://exam" in proc.stdout  # shown escaped (and cut to the column)
    assert "\x1b]8" not in proc.stdout


def test_a_pyproject_nested_past_the_toml_reader_through_check_init_and_doctor(
    tmp_path: Path,
) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.foldcheck]\nx = " + "[" * 3000 + "]" * 3000 + "\n")
    for argv in (["check"], ["init"]):
        proc = foldcheck(*argv, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr == (
            f"{pyproject}: error: invalid TOML: nested deeper than the TOML reader goes\n"
        )
    proc = foldcheck("doctor", "--repo", ".", cwd=tmp_path)
    assert proc.returncode != 3 and "Traceback" not in proc.stderr, proc.stderr
