"""`foldcheck init --editor`: the VS Code set-up for a user's repository, added as text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from foldcheck.cli import main
from foldcheck.errors import InputError
from foldcheck.io.jsonc import load_jsonc
from foldcheck.repo.init.editor import (
    RECOMMENDATIONS,
    WATCHER_EXCLUDE,
    EditorSettings,
    add_editor_settings,
    add_recommendations,
    checked_edit,
    interpreter_setting,
)

COMMENTED = """// team settings
{
  "editor.tabSize": 2, // two, as in the style guide
  "files.watcherExclude": {
    "**/data/**": true
  },
}
"""


@pytest.fixture
def training(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = tmp_path / "training"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    monkeypatch.chdir(repo)
    return repo


def test_interpreter_inside_the_repo_is_written_portably(tmp_path: Path) -> None:
    inside = tmp_path / "repo" / ".venv" / "bin" / "python"
    assert interpreter_setting(tmp_path / "repo", inside) == ("${workspaceFolder}/.venv/bin/python")
    # Outside the repository no value holds on every machine: none is written.
    assert interpreter_setting(tmp_path / "repo", Path("/opt/conda/envs/det/bin/python")) is None


VENV = "${workspaceFolder}/.venv/bin/python"


def test_comments_and_user_values_survive(tmp_path: Path) -> None:
    wanted = EditorSettings(VENV, ("data",))
    new, added, kept = add_editor_settings(COMMENTED, wanted, "s")
    assert new is not None and kept == []
    assert "// two, as in the style guide" in new and new.startswith("// team settings")
    data = load_jsonc(_write(tmp_path / "s.json", new))
    assert data["python.defaultInterpreterPath"] == VENV
    assert data["files.watcherExclude"] == {
        "**/data/**": True,
        **dict.fromkeys(WATCHER_EXCLUDE, True),
        "data/**": True,
    }
    assert data["search.exclude"] == {"data/**": True}
    assert data["python.analysis.exclude"] == ["**/node_modules", "**/__pycache__", "**/.*", "data"]
    assert data["editor.tabSize"] == 2
    assert added[0] == f"python.defaultInterpreterPath = {VENV}"
    # Twice changes nothing.
    assert add_editor_settings(new, wanted, "s") == (None, [], [])


def test_existing_excludes_get_only_the_missing_folders(tmp_path: Path) -> None:
    text = '{"python.analysis.exclude": ["build"], "search.exclude": {"**/*.log": true}}'
    new, _, _ = add_editor_settings(text, EditorSettings(None, ("data", "folds")), "s")
    assert new is not None
    data = load_jsonc(_write(tmp_path / "s.json", new))
    assert data["python.analysis.exclude"] == ["data", "folds", "build"]
    assert data["search.exclude"] == {"data/**": True, "folds/**": True, "**/*.log": True}


def test_an_interpreter_the_user_chose_is_kept() -> None:
    text = '{"python.defaultInterpreterPath": "python3", "files.watcherExclude": {}}'
    new, _, kept = add_editor_settings(text, EditorSettings(VENV), "s")
    assert new is not None and '"python3"' in new
    assert kept == ['python.defaultInterpreterPath is already "python3"']


def test_a_machine_path_already_there_is_named_not_kept_quietly() -> None:
    text = '{"python.defaultInterpreterPath": "/home/ana/miniconda3/envs/det/bin/python"}'
    _, added, kept = add_editor_settings(text, EditorSettings(None), "s")
    assert "python.defaultInterpreterPath" not in " ".join(added)
    (note,) = kept
    assert note.startswith('python.defaultInterpreterPath is "/home/ana/miniconda3/envs/')
    assert "a path on one machine in a file every teammate shares: remove it" in note


def test_recommendations_added_once() -> None:
    text = '{\n    // ours\n    "recommendations": ["ms-python.python"]\n}\n'
    new = add_recommendations(text)
    assert new is not None and "// ours" in new
    assert sorted(json.loads(new.replace("// ours", ""))["recommendations"]) == sorted(
        RECOMMENDATIONS
    )
    assert add_recommendations(new) is None


def test_invalid_settings_are_refused() -> None:
    wanted = EditorSettings(None, ("data",))
    with pytest.raises(InputError, match="not valid JSON with comments"):
        add_editor_settings('{"a": 1,, }', wanted, ".vscode/settings.json")
    with pytest.raises(InputError, match=r"files\.watcherExclude"):
        add_editor_settings('{"files.watcherExclude": []}', wanted, ".vscode/settings.json")
    with pytest.raises(InputError, match=r"python\.analysis\.exclude\" is not a list"):
        add_editor_settings('{"python.analysis.exclude": "data"}', wanted, ".s.json")


@pytest.mark.parametrize(
    ("adding", "message"),
    [
        ({}, "cannot add the editor set-up without changing the file's meaning; nothing written"),
        (
            {"adding": 'to "json.schemas"'},
            'cannot add to "json.schemas" without changing the file\'s meaning; nothing written',
        ),
    ],
)
def test_an_edit_that_changes_the_meaning_is_refused(adding: dict[str, str], message: str) -> None:
    """The last guard of every JSONC edit (editor set-up and json.schemas alike)."""
    same = '{"a": 1, /* kept */ "b": 2,}'
    assert checked_edit(same, {"a": 1, "b": 2}, "s.json") == same
    for new in ('{"a": 1}', '{"a": 1,, }'):  # another meaning; no longer JSON with comments
        with pytest.raises(InputError) as raised:
            checked_edit(new, {"a": 1, "b": 2}, ".vscode/settings.json", **adding)
        assert str(raised.value) == f".vscode/settings.json: error: {message}"


def test_init_editor_writes_then_changes_nothing(
    training: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (training / ".vscode").mkdir()
    (training / ".vscode" / "settings.json").write_text(COMMENTED, encoding="utf-8")
    assert main(["init", "--editor"]) == 0
    out = capsys.readouterr().out
    assert "updated .vscode/settings.json: mapped folds.json to foldcheck's schema; set " in out
    assert "created .vscode/extensions.json: recommended the Python extensions" in out
    settings = load_jsonc(training / ".vscode" / "settings.json")
    # This interpreter is outside the repository: left to each machine, and init says how.
    assert "python.defaultInterpreterPath" not in settings
    assert f"note: {os.path.abspath(sys.executable)} is outside the repository" in out
    assert "'Python: Select Interpreter'" in out
    assert settings["json.schemas"][0]["url"] == "./.vscode/foldcheck.schema.json"
    before = {
        p: p.read_bytes() for p in training.rglob("*") if p.is_file() and ".git" not in p.parts
    }
    assert main(["init", "--editor"]) == 0
    assert "updated" not in capsys.readouterr().out
    after = {
        p: p.read_bytes() for p in training.rglob("*") if p.is_file() and ".git" not in p.parts
    }
    assert after == before


def test_editor_and_no_vscode_exclude_each_other(
    training: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:  # argparse's usage error
        main(["init", "--editor", "--no-vscode"])
    assert stop.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
