"""The laptop's state.vscdb (a real SQLite file), host checks, settings, Pylance hooks."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from foldcheck.repo.doctor.client_state import choices, key_for, read_python_state, state_files
from foldcheck.repo.doctor.devcontainer import devcontainer_row
from foldcheck.repo.doctor.discovery import discover
from foldcheck.repo.doctor.host import (
    excluded_patterns,
    glibc_row,
    glibcxx_row,
    glob_regex,
    inotify_row,
)
from foldcheck.repo.doctor.layers import read_layers
from foldcheck.repo.doctor.pylance import finder_mappings, hook_rows, pyright_config, pyright_rows
from foldcheck.repo.doctor.settings import analysis_row, envs_row, language_server_row
from tests.vscode_layouts import make_state_db, make_venv, site_of

STATE = {
    key_for("ssh-remote", "/home/alice/proj"): "/usr/bin/python3",
    key_for("ssh-remote", "/home/alice/det"): "/home/alice/miniconda3/envs/det/bin/python",
    key_for("local", "/Users/alice/notes"): "/opt/homebrew/bin/python3",
    "PYTHON_GLOBAL_STORAGE_KEYS": [{"key": "x", "defaultValue": None}],
    "remoteWorkspaceFolderKeysForWhichTheCopyIsDone_Key": ["/home/alice/proj"],
}


def test_state_db_lists_each_remote_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    db = home / ".config" / "Code" / "User" / "globalStorage" / "state.vscdb"
    make_state_db(db, STATE)
    assert state_files(home, {}, "linux") == [db]
    state, note = read_python_state(db)
    assert note == ""
    found = choices(state)
    assert [(c.remote, c.folder, c.interpreter) for c in found] == [
        ("local", "/Users/alice/notes", "/opt/homebrew/bin/python3"),
        ("ssh-remote", "/home/alice/det", "/home/alice/miniconda3/envs/det/bin/python"),
        ("ssh-remote", "/home/alice/proj", "/usr/bin/python3"),
    ]
    # Read-only: the file is byte-identical afterwards, and no journal was left behind.
    before = db.read_bytes()
    read_python_state(db)
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["state.vscdb"]


def test_locked_state_db_is_read_from_a_copy(tmp_path: Path) -> None:
    db = tmp_path / "state.vscdb"
    make_state_db(db, STATE)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")  # what a VS Code mid-write holds
    try:
        state, note = read_python_state(db, timeout=0.2)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert "locked" in note
    assert len(choices(state)) == 3


def test_missing_python_row(tmp_path: Path) -> None:
    db = tmp_path / "state.vscdb"
    make_state_db(db, {})
    with sqlite3.connect(db) as con:
        con.execute("DELETE FROM ItemTable WHERE key = 'ms-python.python'")
    con.close()
    assert read_python_state(db) == ({}, "")


# --- host -----------------------------------------------------------------------------------


def test_glibc_rows_on_this_host() -> None:
    # This host is Linux with a recent glibc: the real probes answer.
    assert glibc_row().status == "ok"
    row = glibcxx_row()
    assert row.status == "ok" and "GLIBCXX 3.4." in row.found


def test_glob_regex() -> None:
    assert glob_regex("**/.venv/**").fullmatch("a/.venv/x")
    assert glob_regex("**/.venv/**").fullmatch(".venv/x")
    assert not glob_regex("**/.venv/**").fullmatch("a/venv/x")
    assert glob_regex("**/{build,dist}/**").fullmatch("dist/x")


def test_inotify_counts_folders_outside_watcher_exclude(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for i in range(30):
        (repo / "data" / f"d{i}").mkdir(parents=True)
    (repo / ".venv" / "lib").mkdir(parents=True)
    (repo / "src").mkdir()
    limit = tmp_path / "max_user_watches"
    limit.write_text("40\n", encoding="ascii")
    # repo, data, 30 under data, .venv, .venv/lib, src = 35: over half of 40.
    row = inotify_row(repo, {}, limit)
    assert row.status == "warn" and row.found.startswith("35 watched folders")
    settings = {"files.watcherExclude": {"**/data/**": True, "**/.venv/**": True}}
    row = inotify_row(repo, settings, limit)
    assert row.status == "ok" and row.found.startswith("2 watched folders")  # repo, src
    limit.write_text("20\n", encoding="ascii")
    assert inotify_row(repo, {}, limit).status == "fail"
    assert len(excluded_patterns({})) == 3


# --- settings precedence --------------------------------------------------------------------


def write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def test_machine_settings_turn_intellisense_off(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    machine = write(
        tmp_path / "srv" / "data" / "Machine" / "settings.json", {"python.languageServer": "None"}
    )
    write(repo / ".vscode" / "settings.json", {})
    row = language_server_row(read_layers(repo, machine), cursor=False)
    assert row.status == "fail" and str(machine) in row.found
    # The workspace outranks the machine settings.
    write(repo / ".vscode" / "settings.json", {"python.languageServer": "Pylance"})
    assert language_server_row(read_layers(repo, machine), cursor=False).status == "ok"


def test_analysis_settings_that_hide_errors(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / ".vscode" / "settings.json", {"python.analysis.typeCheckingMode": "off"})
    row = analysis_row(read_layers(repo, None), repo)
    assert row.status == "warn" and "python.analysis.typeCheckingMode" in row.found
    # [tool.pyright] wins over the setting.
    (repo / "pyproject.toml").write_text(
        '[tool.pyright]\ntypeCheckingMode = "basic"\n', encoding="utf-8"
    )
    assert analysis_row(read_layers(repo, None), repo).status == "ok"


def test_envs_settings_outrank_the_interpreter(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(
        repo / ".vscode" / "settings.json",
        {"python.defaultInterpreterPath": "${workspaceFolder}/.venv/bin/python"},
    )
    machine = write(
        tmp_path / "Machine" / "settings.json",
        {"python-envs.defaultEnvManager": "ms-python.python:conda"},
    )
    layers = read_layers(repo, machine)
    row = envs_row(layers, repo, envs_installed=True)
    assert row is not None and row.status == "warn"
    assert f"{machine} python-envs.defaultEnvManager" in row.found
    assert envs_row(layers, repo, envs_installed=False) is None


# --- Pylance and import hooks ---------------------------------------------------------------


def venv(where: Path) -> Path:
    return make_venv(where)


def test_interpreters_found_where_the_picker_looks(tmp_path: Path) -> None:
    home, repo = tmp_path / "home", tmp_path / "repo"
    repo.mkdir()
    venv(repo / ".venv")
    conda_env = home / "miniconda3" / "envs" / "det"
    venv(conda_env)
    listed = tmp_path / "elsewhere" / "envs" / "seg"
    venv(listed)
    (home / ".conda").mkdir()
    (home / ".conda" / "environments.txt").write_text(f"{listed}\n", encoding="utf-8")
    uv_python = venv(
        home / ".local" / "share" / "uv" / "python" / "cpython-3.12.7-linux-x86_64-gnu"
    )
    found = discover(repo, home, {"PATH": str(Path(sys.executable).parent)})
    by_source = {(f.source, f.path) for f in found}
    assert ("venv in the folder (.venv)", str(repo / ".venv" / "bin" / "python")) in by_source
    assert ("conda", str(conda_env / "bin" / "python")) in by_source
    assert ("conda", str(listed / "bin" / "python")) in by_source
    assert ("uv", str(uv_python)) in by_source
    assert any(s == "PATH" for s, _ in by_source)


def tiny_project(where: Path) -> Path:
    # A flat layout, like foldcheck's: setuptools then installs an import hook by default
    # (a src/ layout gets a plain folder path).
    (where / "tinylib").mkdir(parents=True)
    (where / "tinylib" / "__init__.py").write_text("VALUE = 1\n", encoding="utf-8")
    (where / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "tinylib"\nversion = "0.1"\n[tool.setuptools]\npackages = ["tinylib"]\n',
        encoding="utf-8",
    )
    return where


def test_import_hook_editable_install_is_invisible_and_compat_fixes_it(tmp_path: Path) -> None:
    """Real pip, real setuptools: the default editable install writes a finder hook; the fix
    doctor gives (editable_mode=compat) writes a folder path instead."""
    lib = tiny_project(tmp_path / "tinylib")
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run([sys.executable, "-m", "venv", str(repo / ".venv")], check=True)
    python = repo / ".venv" / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "-e", str(lib)], check=True)
    sites = (site_of(python),)
    ((finder, package, folder),) = finder_mappings(sites)
    assert finder.name.startswith("__editable___tinylib") and package == "tinylib"
    assert folder == lib / "tinylib"
    (row,) = hook_rows(repo, python, sites)
    assert row.status == "fail" and "Pylance cannot resolve tinylib" in row.found
    fix = row.fix.split(" (or ")[0].split()
    subprocess.run([*pip, *fix[3:]], check=True)  # run the fix as given (after "python -m pip")
    assert finder_mappings(sites) == []
    pth = [p.read_text(encoding="utf-8").strip() for p in Path(sites[0]).glob("__editable__*.pth")]
    assert pth == [str(lib)]
    assert hook_rows(repo, python, sites) == []


def test_jedi_and_hidden_diagnostics(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    settings = {
        "python.languageServer": "Jedi",
        "python.analysis.ignore": ["**"],
        "python.analysis.diagnosticSeverityOverrides": {"reportMissingImports": "none"},
    }
    write(repo / ".vscode" / "settings.json", settings)
    layers = read_layers(repo, None)
    row = language_server_row(layers, cursor=False)
    assert row.status == "warn" and '"Jedi"' in row.found
    row = analysis_row(layers, repo)
    assert row.status == "warn"
    assert "python.analysis.ignore ignores every file" in row.found
    assert "silences reportMissingImports" in row.found
    # pyrightconfig.json wins over [tool.pyright] and over the settings.
    write(repo / "pyrightconfig.json", {"typeCheckingMode": "off"})
    assert 'typeCheckingMode = "off" in ' + str(repo / "pyrightconfig.json") in (
        analysis_row(read_layers(repo, None), repo).found
    )


def test_python_projects_entry_and_switched_off_extension(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    project = {"path": ".", "envManager": "ms-python.python:conda"}
    write(
        repo / ".vscode" / "settings.json",
        {"python-envs.pythonProjects": [project], "python.defaultInterpreterPath": "/x/python"},
    )
    row = envs_row(read_layers(repo, None), repo, envs_installed=True)
    assert row is not None and row.status == "warn" and "python-envs.pythonProjects" in row.found
    write(
        repo / ".vscode" / "settings.json",
        {"python-envs.pythonProjects": [project], "python.useEnvironmentsExtension": False},
    )
    row = envs_row(read_layers(repo, None), repo, envs_installed=True)
    assert row is not None and row.status == "info" and "is off" in row.found


def test_missing_pyright_venv_and_extra_paths(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text(
        '[tool.pyright]\nvenvPath = "."\nvenv = ".venv"\nextraPaths = ["lib"]\n', encoding="utf-8"
    )
    write(
        repo / ".vscode" / "settings.json",
        {"python.analysis.extraPaths": ["${workspaceFolder}/vendor"]},
    )
    layers = read_layers(repo, None)
    rows = {r.id: r for r in pyright_rows(repo, layers, *pyright_config(repo))}
    assert rows["pyright-venv"].status == "warn"
    assert f"{repo}/.venv does not exist" in rows["pyright-venv"].found
    found = [
        r.found for r in pyright_rows(repo, layers, *pyright_config(repo)) if r.id == "extra-paths"
    ]
    assert len(found) == 2 and "names lib" in found[0] and "vendor" in found[1]
    venv(repo / ".venv")
    (repo / "lib").mkdir()
    (repo / "vendor").mkdir()
    assert pyright_rows(repo, read_layers(repo, None), *pyright_config(repo)) == []


def test_dev_container_rows(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    assert devcontainer_row(repo) is None
    config = repo / ".devcontainer" / "devcontainer.json"
    write(config, {"image": "python:3.12", "postCreateCommand": "pip install -e ."})
    row = devcontainer_row(repo)
    assert row is not None and row.status == "warn"
    assert row.fix == f'add "waitFor": "postCreateCommand" to {config}'
    write(config, {"image": "python:3.12", "onCreateCommand": "pip install -e ."})
    row = devcontainer_row(repo)
    assert row is not None and row.status == "ok"
