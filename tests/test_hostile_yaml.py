"""Issue 20, item 3: YAML a repository brings is bounded before anything is built from it:
aliases expand only as far as the file could need, nesting is bounded, and ``nc`` without
names is bounded before a name is made up per class."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.hostile import alias_bomb, assert_refused, foldcheck, run_main
from tests.yolo_tree import make_tree


def _tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "ds", videos=4, frames=2)


def _with(data: Path, text: str) -> Path:
    body = yaml.safe_load(data.read_text())
    kept = {k: v for k, v in body.items() if k not in ("names", "nc")}
    data.write_text(yaml.safe_dump(kept, sort_keys=False) + text)
    return data


@pytest.mark.parametrize("command", ["validate", "split"])
def test_an_alias_bomb_in_names_is_one_line_in_no_time(tmp_path: Path, command: str) -> None:
    data = _with(_tree(tmp_path), alias_bomb())
    extra = ["-k", "2", "--out", "folds"] if command == "split" else []
    proc = foldcheck(command, data, *extra, cwd=tmp_path, timeout=20)
    assert_refused(proc, f"{data}:")
    assert "aliases expand this document past" in proc.stderr
    assert not (tmp_path / "folds").exists()


def test_a_recursive_alias_is_one_line(tmp_path: Path) -> None:
    data = _with(_tree(tmp_path), "names: &n [car, person, bike, *n]\n")
    proc = foldcheck("validate", data, cwd=tmp_path)
    assert_refused(proc, f"{data}:")
    assert "recursive" in proc.stderr


def test_aliases_a_file_plausibly_uses_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _with(_tree(tmp_path), "classes: &c [car, person, bike]\nnames: *c\n")
    code, _, err = run_main(capsys, "validate", data)
    assert code in (0, 1), err


def test_nc_without_names_is_bounded_before_names_are_made(tmp_path: Path) -> None:
    data = _with(_tree(tmp_path), "nc: 1000000000\n")
    proc = foldcheck("validate", data, cwd=tmp_path, timeout=20)
    line = data.read_text().splitlines().index("nc: 1000000000") + 1
    assert_refused(proc, f"{data}:{line}:5: error: nc: 1000000000 classes without 'names:'")


def test_nesting_past_the_bound_is_one_line(tmp_path: Path) -> None:
    data = _with(_tree(tmp_path), "names: [car, person, bike]\nextra: " + "[" * 5000 + "]" * 5000)
    proc = foldcheck("validate", data, cwd=tmp_path)
    assert_refused(proc, f"{data}:")
    assert "nested more than 100 levels deep" in proc.stderr


def test_init_refuses_an_alias_bomb_in_the_pre_commit_config(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text("repos: []\n" + alias_bomb().replace("names:", "x:"))
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = foldcheck("init", cwd=tmp_path, timeout=20)
    assert_refused(proc, ".pre-commit-config.yaml: error: not valid YAML (aliases expand")
    assert sorted(p.name for p in tmp_path.iterdir()) == before
