"""The command line contract: exit codes, no overwrite, all-or-nothing writes, outputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from foldcheck.cli import main
from tests.conftest import write_coco


def test_refuses_to_overwrite_without_force_and_writes_nothing(
    tmp_path: Path, sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "folds"
    out.mkdir()
    (out / "val_fold3.json").write_text("mine")
    assert main(["split", str(sample), "--out", str(out), "--export", "coco", "-q"]) == 2
    assert "val_fold3.json: error: already exists" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["val_fold3.json"]
    assert (out / "val_fold3.json").read_text() == "mine"
    assert main(["split", str(sample), "--out", str(out), "--export", "coco", "-q", "--force"]) == 0
    assert len(list(out.iterdir())) == 12  # with the .gitignore of foldcheck's lock and staging


def test_a_failure_while_writing_leaves_no_file_behind(
    tmp_path: Path, sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "folds"
    out.mkdir()
    (out / "folds.csv").mkdir()  # the last file cannot be put in place
    assert (
        main(["split", str(sample), "--out", str(out), "--export", "coco,csv", "-q", "--force"])
        == 2
    )
    assert capsys.readouterr().err.endswith(
        "folds.csv: error: is a directory; cannot write a file there\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["folds.csv"]


def test_bad_dataset_is_one_line_exit_2_and_nothing_written(tmp_path: Path) -> None:
    path = write_coco(
        tmp_path / "d.json", [{"id": 1}, {"id": 2}], [{"id": 1, "image_id": 3, "category_id": 1}]
    )
    run = subprocess.run(
        [sys.executable, "-m", "foldcheck", "split", str(path), "--out", str(tmp_path / "folds")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert run.stderr == (
        f"{path}: error: $.annotations[0].image_id: image id 3 is not in the file's image list\n"
    )
    assert not (tmp_path / "folds").exists()


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_balance_in_machine_formats(
    tmp_path: Path, sample: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["split", str(sample), "--out", str(tmp_path), "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        tables = json.loads(out)["tables"]
        assert tables[0]["title"] == "annotations per class"
        row = tables[0]["rows"][0]
        assert sum(row["counts"]) == row["total"] and len(row["deviation"]) == 5
    else:
        assert "| class_0001 |" in out and "fold 4" in out


def test_report_highlights_out_of_tolerance_cells_and_saves_svg(
    tmp_path: Path, sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["split", str(sample), "--out", str(tmp_path), "-q"]) == 0
    assert main(["report", str(tmp_path / "folds.json"), "--color", "always"]) == 0
    assert "all cells within tolerance" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "folds.json").read_text())
    moved = manifest["folds"][0][:20]  # unbalance fold 0 against fold 1
    manifest["folds"][0] = manifest["folds"][0][20:]
    manifest["folds"][1] = sorted(manifest["folds"][1] + moved)
    (tmp_path / "folds.json").write_text(json.dumps(manifest))
    assert (
        main(
            [
                "report",
                str(tmp_path / "folds.json"),
                "--color",
                "always",
                "--svg",
                str(tmp_path / "b.svg"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "\x1b[1;31m" in out  # bold red: cells beyond the tolerance
    assert "cells out of tolerance" in out
    assert (tmp_path / "b.svg").read_text().startswith("<svg")


def test_demo_runs_in_an_empty_folder_and_again(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "foldcheck", "demo", "--out", str(tmp_path / "demo")]
    runs = [subprocess.run(command, capture_output=True, text=True) for _ in range(2)]
    assert [run.returncode for run in runs] == [0, 0], runs[-1].stderr
    assert "annotations per class" in runs[-1].stdout
    assert (tmp_path / "demo" / "val_fold4.json").is_file()


def test_help_does_not_import_numpy_or_rich() -> None:
    code = (
        "import sys\nfrom foldcheck.cli import build_parser\nbuild_parser()\n"
        "print(sorted(m for m in ('numpy', 'rich', 'jsonschema', 'orjson') "
        "if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_validate_reports_each_file(
    tmp_path: Path, sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [], "annotations": []}')
    assert main(["validate", str(sample), str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "All checks passed (1 file).\n"  # the sample; bad.json is on stderr
    assert captured.err == f'{bad}: error: $: missing "categories": not a COCO detection file\n'


def test_config_supplies_defaults(
    tmp_path: Path, sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.foldcheck]\nk = 3\nseed = 9\ngroup_by = "video_id"\n'
    )
    monkeypatch.chdir(tmp_path)
    assert main(["split", str(sample), "-q"]) == 0
    manifest = json.loads((tmp_path / "folds" / "folds.json").read_text())
    assert (manifest["k"], manifest["seed"], manifest["group_by"]) == (3, 9, "video_id")


def test_python_dash_m_and_console_script_agree() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "foldcheck", "--version"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert run.stdout.startswith("foldcheck ")
