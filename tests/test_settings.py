"""One settings resolver: CLI > manifest > [tool.foldcheck] > defaults, validated once, so
that no command writes what another rejects."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from foldcheck.cli import main
from foldcheck.config import DEFAULTS, load_config, resolve_settings
from foldcheck.errors import InputError
from tests.conftest import REPO, SAMPLE


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tolerance", "-1"], "--tolerance must be a positive number, got -1.0"),
        (["--tolerance", "nan"], "--tolerance must be a positive number, got nan"),
        (["-k", "1"], "-k must be at least 2, got 1"),
        (["--seed", "-3"], "--seed must be zero or positive, got -3"),
        (["--group-by", "re:(unclosed"], "--group-by: invalid regular expression"),
    ],
)
def test_split_refuses_bad_options_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "folds"
    assert main(["split", str(SAMPLE), "--out", str(out), "-q", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    assert not out.exists()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("tolerance = -0.5", "[tool.foldcheck] tolerance must be a positive number"),
        ("k = 1", "[tool.foldcheck] k must be at least 2"),
        ('stratify = "boxes"', "[tool.foldcheck] stratify must be one of both, annotations"),
        ('missing_group = "drop"', "[tool.foldcheck] missing_group must be one of error, own"),
    ],
)
def test_bad_project_settings_are_refused_by_every_command(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    table: str,
    message: str,
) -> None:
    assert main(["split", str(SAMPLE), "--out", str(tmp_path / "folds"), "-q"]) == 0
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(f"[tool.foldcheck]\n{table}\n")
    monkeypatch.chdir(tmp_path)
    for command in (["split", str(SAMPLE), "--out", "other", "-q"], ["check", "folds", "-q"]):
        capsys.readouterr()
        assert main(command) == 2, command
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"{pyproject}: error: {message}"), err
    assert not (tmp_path / "other").exists()


def test_precedence_option_then_manifest_then_project_then_default(tmp_path: Path) -> None:
    assert main(["split", str(SAMPLE), "--out", str(tmp_path), "-q", "--tolerance", "0.3"]) == 0
    from foldcheck.formats.manifest import read_manifest

    manifest = read_manifest(tmp_path / "folds.json")
    (tmp_path / "pyproject.toml").write_text("[tool.foldcheck]\ntolerance = 0.2\nseed = 4\n")
    project = load_config(tmp_path)
    assert resolve_settings({"tolerance": 0.5}, manifest, project).tolerance == 0.5
    assert resolve_settings({}, manifest, project).tolerance == 0.3
    assert resolve_settings({}, None, project).tolerance == 0.2
    assert resolve_settings({}, None, None).tolerance == DEFAULTS.tolerance
    assert resolve_settings({}, None, project).seed == 4
    assert resolve_settings({}, manifest, project).seed == 0  # the manifest records its seed


def test_library_validates_like_the_command_line() -> None:
    import foldcheck

    with pytest.raises(InputError, match="error: k must be at least 2"):
        foldcheck.split(SAMPLE, k=1)


def test_report_rejects_a_bad_tolerance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["split", str(SAMPLE), "--out", str(tmp_path), "-q"]) == 0
    assert main(["report", str(tmp_path / "folds.json"), "--tolerance", "0"]) == 2
    assert "--tolerance must be a positive number" in capsys.readouterr().err


def test_sample_facts_in_the_docs_are_the_sample_s() -> None:
    """The README and `demo --help` describe the bundled sample as it is."""
    sample = json.loads(SAMPLE.read_text())
    videos = len({image["video_id"] for image in sample["images"]})
    fact = (
        f"{len(sample['images'])} frames of {videos} videos, "
        f"{len(sample['categories'])} long-tailed classes"
    )
    assert fact in (REPO / "README.md").read_text()
    demo_help = subprocess.run(
        [sys.executable, "-m", "foldcheck", "demo", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert fact in " ".join(demo_help.split())
