"""`foldcheck doctor` against throw-away homes and repos, with real interpreters and git."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import site
import subprocess
import sys
from pathlib import Path

import pytest

from foldcheck.cli import main
from foldcheck.io.git import find_repo
from foldcheck.io.jsonc import load_jsonc, strip_jsonc
from foldcheck.repo.doctor.result import Result
from foldcheck.repo.doctor.runner import run_checks
from tests.vscode_layouts import CLEAN, make_server, make_state_db, make_venv, open_window

GOOD_SCHEMAS = [
    {"fileMatch": ["**/folds.json"], "url": "./foldcheck/formats/schemas/folds.schema.json"}
]
DEPENDENCIES = ("numpy", "rich", "jsonschema", "orjson")


def write_settings(repo: Path, settings: dict[str, object] | str) -> None:
    text = settings if isinstance(settings, str) else json.dumps(settings, indent=2)
    (repo / ".vscode").mkdir(exist_ok=True)
    (repo / ".vscode" / "settings.json").write_text(text, encoding="utf-8")


def by_id(results: list[Result]) -> dict[str, Result]:
    return {r.id: r for r in results}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git checkout with the schema and settings a fresh clone has."""
    repo = tmp_path / "repo"
    (repo / "foldcheck" / "formats" / "schemas").mkdir(parents=True)
    (repo / "foldcheck" / "__init__.py").write_text("", encoding="utf-8")
    (repo / "foldcheck" / "formats" / "schemas" / "folds.schema.json").write_text(
        "{}", encoding="utf-8"
    )
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "foldcheck"\ndependencies = '
        + json.dumps([f"{d}>=1" for d in DEPENDENCIES])
        + "\n",
        encoding="utf-8",
    )
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    write_settings(
        repo,
        {
            "python.defaultInterpreterPath": "${workspaceFolder}/.venv/bin/python",
            "json.schemas": GOOD_SCHEMAS,
        },
    )
    return repo.resolve()


@pytest.fixture
def editor_venv(repo: Path) -> Path:
    """repo/.venv: imports this repo's foldcheck, and numpy & co from the running Python."""
    return make_venv(repo / ".venv", str(repo), *site.getsitepackages())


# --- (a) the editor's interpreter ---------------------------------------------------------


def test_interpreter_ok_when_venv_imports_everything(
    repo: Path, home: Path, editor_venv: Path
) -> None:
    results = by_id(run_checks(repo, home, CLEAN))
    assert results["interpreter"].status == "ok", results["interpreter"]
    assert str(editor_venv) in results["interpreter"].found
    assert "has foldcheck, numpy, rich, jsonschema, orjson" in results["interpreter"].found
    picker = results["interpreters"]
    assert f"{repo}/.venv/bin/python  [venv in the folder (.venv); configured; has the" in (
        picker.found
    )


def test_interpreter_missing_fails(repo: Path, home: Path) -> None:
    result = by_id(run_checks(repo, home, CLEAN))["interpreter"]
    assert result.status == "fail"
    assert f"{repo}/.venv/bin/python ({repo}/.vscode/settings.json" in result.found
    assert "does not exist on this host" in result.found
    # Not this project's setup.sh (the repo has none): a venv and an editable install.
    assert result.fix == (
        f"{sys.executable} -m venv {repo}/.venv && {repo}/.venv/bin/python -m pip install "
        f"-e {repo} --config-settings editable_mode=compat"
    )


def test_interpreter_without_packages_fails(repo: Path, home: Path) -> None:
    make_venv(repo / ".venv")
    result = by_id(run_checks(repo, home, CLEAN))["interpreter"]
    assert result.status == "fail"
    assert "cannot import foldcheck" in result.found
    assert "lacks " + ", ".join(DEPENDENCIES) + " (from pyproject.toml" in result.found


def test_setup_script_is_the_fix_where_there_is_one(repo: Path, home: Path) -> None:
    (repo / ".devcontainer").mkdir()
    (repo / ".devcontainer" / "setup.sh").write_text("true\n", encoding="utf-8")
    assert by_id(run_checks(repo, home, CLEAN))["interpreter"].fix == "bash .devcontainer/setup.sh"


def test_checkout_folder_does_not_count_as_installed(repo: Path, home: Path) -> None:
    # repo/foldcheck exists, but a bare venv has not installed it: still missing.
    make_venv(repo / ".venv", *site.getsitepackages())
    result = by_id(run_checks(repo, home, CLEAN))["interpreter"]
    assert result.status == "fail"
    assert result.found.endswith("cannot import foldcheck")


def test_interpreter_importing_another_checkout_warns(repo: Path, home: Path) -> None:
    # The interpreter running these tests, in their environment, imports the real foldcheck.
    write_settings(repo, {"python.defaultInterpreterPath": sys.executable})
    results = by_id(run_checks(repo, home, os.environ))
    assert results["interpreter"].status == "warn"
    assert "not this checkout" in results["interpreter"].found
    assert "configured; runs foldcheck" in results["interpreters"].found


def test_not_a_python_fails(repo: Path, home: Path) -> None:
    fake = repo / "fake-python"
    fake.write_text("#!/bin/sh\necho hello\n", encoding="utf-8")
    fake.chmod(0o755)
    write_settings(repo, {"python.defaultInterpreterPath": "fake-python"})  # relative to repo
    result = by_id(run_checks(repo, home, CLEAN))["interpreter"]
    assert result.status == "fail"
    assert "is not a working Python" in result.found


def test_no_interpreter_setting_warns(repo: Path, home: Path) -> None:
    write_settings(repo, {"json.schemas": GOOD_SCHEMAS})
    result = by_id(run_checks(repo, home, CLEAN))["interpreter"]
    assert result.status == "warn"
    # The interpreter running doctor is outside this repository: init would not name it.
    assert "foldcheck init" not in result.fix and "'Python: Select Interpreter'" in result.fix


def test_no_settings_file(repo: Path, home: Path) -> None:
    (repo / ".vscode" / "settings.json").unlink()
    results = by_id(run_checks(repo, home, CLEAN))
    assert results["interpreter"].status == "warn"
    assert results["json-schema"].status == "warn"
    assert results["json-schema"].fix == "foldcheck init"
    assert "settings" not in results


def test_unreadable_settings_fail_with_the_place(repo: Path, home: Path) -> None:
    write_settings(repo, '{\n  "python.languageServer": "Pylance"\n  "x": 1\n}')
    result = by_id(run_checks(repo, home, CLEAN))["settings"]
    assert result.status == "fail"
    assert f"{repo}/.vscode/settings.json:3:3: Expecting ','" in result.found


def test_settings_read_as_jsonc(repo: Path, home: Path, editor_venv: Path) -> None:
    write_settings(
        repo,
        """// workspace settings
{
    /* the venv */ "python.defaultInterpreterPath": "${workspaceFolder}/.venv/bin/python",
    "json.schemas": [
        {"fileMatch": ["**/folds.json",], "url": "./foldcheck/formats/schemas/folds.schema.json",},
    ],
}
""",
    )
    results = by_id(run_checks(repo, home, CLEAN))
    assert results["interpreter"].status == "ok"
    assert results["json-schema"].status == "ok"


def test_strip_jsonc_leaves_strings_alone() -> None:
    text = '{"a": "http://x/*y*/", "b": "q\\" // ,}", /* c */ "d": [1, 2,], // e\n}'
    assert json.loads(strip_jsonc(text)) == {"a": "http://x/*y*/", "b": 'q" // ,}', "d": [1, 2]}


def test_load_jsonc_error_names_the_place(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  /* fine */\n  "a": 1\n  "b": 2\n}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.json:4:3: Expecting ','"):
        load_jsonc(path)


# --- (b) the interpreters the picker offers -----------------------------------------------


def test_visible_interpreters_are_listed(repo: Path, home: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    make_venv(repo / "venv")
    make_venv(home / "miniconda3" / "envs" / "det", *site.getsitepackages())
    make_venv(tmp_path / "active")
    listed = make_venv(tmp_path / "shared" / "envs" / "seg")
    (home / ".conda").mkdir()
    (home / ".conda" / "environments.txt").write_text(f"{listed.parent.parent}\n", encoding="utf-8")
    make_venv(home / ".pyenv" / "versions" / "3.12.7")
    environ = {"PATH": str(bin_dir), "CONDA_PREFIX": str(tmp_path / "active")}
    result = by_id(run_checks(repo, home, environ))["interpreters"]
    assert result.status == "info", result
    lines = result.found.splitlines()
    for expected in (
        f"{repo}/venv/bin/python  [venv in the folder (venv); lacks numpy",
        # A link to this venv's python runs as the base interpreter: what it has varies.
        f"{bin_dir}/python3  [PATH; ",
        f"{listed}  [conda; lacks numpy",
        f"{tmp_path}/active/bin/python  [conda; lacks",
        f"{home}/miniconda3/envs/det/bin/python  [conda; has the dependencies]",
        f"{home}/.pyenv/versions/3.12.7/bin/python  [pyenv; lacks",
    ):
        assert any(line.startswith(expected) for line in lines), (expected, lines)
    # The configured .venv does not exist: it is not offered.
    assert not any(".venv" in line for line in lines)


def test_no_interpreter_with_the_dependencies_warns(repo: Path, home: Path) -> None:
    make_venv(repo / ".venv")
    result = by_id(run_checks(repo, home, {"PATH": ""}))["interpreters"]
    assert result.status == "warn"
    assert "none has what pyproject.toml [project] dependencies declares" in result.found


# --- (c) the VS Code server in use and its extensions --------------------------------------


def test_no_vscode_server_is_info(repo: Path, home: Path) -> None:
    results = by_id(run_checks(repo, home, CLEAN))
    assert results["server"].status == "info"
    assert "no VS Code server on this host" in results["server"].found
    assert not {"selected", "ext-python", "ext-pylance"} & set(results)


def test_extensions_installed(repo: Path, home: Path) -> None:
    make_server(
        home / ".vscode-server",
        {
            "ms-python.python": "2025.2.0",
            "ms-python.vscode-pylance": "2025.2.1",
        },
    )
    results = by_id(run_checks(repo, home, CLEAN))
    assert results["ext-python"].status == results["ext-pylance"].status == "ok"
    assert results["ext-pylance"].found.startswith("Pylance 2025.2.1 (ms-python.vscode-pylance)")


def test_versions_compare_as_numbers(repo: Path, home: Path) -> None:
    make_server(home / ".vscode-server", {"ms-python.vscode-pylance": "2025.2.0"})
    ext = home / ".vscode-server" / "extensions"
    listed = json.loads((ext / "extensions.json").read_text(encoding="utf-8"))
    newer = dict(listed[0], version="2025.10.0")
    newer["relativeLocation"] = "ms-python.vscode-pylance-2025.10.0"
    (ext / "extensions.json").write_text(json.dumps([*listed, newer]), encoding="utf-8")
    found = by_id(run_checks(repo, home, CLEAN))["ext-pylance"].found
    assert found.startswith("Pylance 2025.10.0 ")


def test_agent_folder_is_the_server_in_use(repo: Path, home: Path, tmp_path: Path) -> None:
    """remote.SSH.serverInstallPath moved the server; an old ~/.vscode-server has Pylance."""
    make_server(
        home / ".vscode-server",
        {"ms-python.python": "2025.2.0", "ms-python.vscode-pylance": "2025.2.1"},
    )
    used = make_server(tmp_path / "scratch" / "vscode-server", {"ms-python.python": "2025.6.0"})
    results = by_id(run_checks(repo, home, {**CLEAN, "VSCODE_AGENT_FOLDER": str(used)}))
    assert results["server"].found == f"VS Code server: {used} (from $VSCODE_AGENT_FOLDER)"
    assert results["ext-python"].status == "ok"
    pylance = results["ext-pylance"]
    assert pylance.status == "fail"
    assert f"{used}/extensions/extensions.json" in pylance.found
    assert pylance.fix.startswith(
        "in the server's integrated terminal: code --install-extension ms-python.vscode-pylance"
    )
    assert "remote.SSH.defaultExtensions" in pylance.fix


def test_laptop_extensions_do_not_count(repo: Path, home: Path) -> None:
    (home / ".vscode" / "extensions" / "ms-python.vscode-pylance-2025.2.1").mkdir(parents=True)
    results = by_id(run_checks(repo, home, CLEAN))
    assert results["server"].status == "info"
    assert "belongs to a desktop VS Code and serves no remote window" in results["server"].found
    assert "ext-pylance" not in results


def test_cursor_gets_its_own_python_language_server(repo: Path, home: Path) -> None:
    make_server(home / ".cursor-server", {"ms-python.python": "2025.6.1"})
    pylance = by_id(run_checks(repo, home, CLEAN))["ext-pylance"]
    assert pylance.status == "fail"
    assert "anysphere.cursorpyright" in pylance.found
    assert pylance.fix == (
        "in the server's integrated terminal: cursor --install-extension anysphere.cursorpyright"
    )


def test_debugger_and_formatter_checked_when_the_repo_uses_them(repo: Path, home: Path) -> None:
    make_server(home / ".vscode-server", {"ms-python.debugpy": "2025.10.0"})
    (repo / ".vscode" / "launch.json").write_text(
        '{"configurations": [{"type": "debugpy", "request": "launch", "module": "x"}]}',
        encoding="utf-8",
    )
    write_settings(repo, {"[python]": {"editor.defaultFormatter": "charliermarsh.ruff"}})
    results = by_id(run_checks(repo, home, CLEAN))
    assert results["ext-debugpy"].status == "ok"
    assert results["ext-ruff"].status == "fail"


def test_uninstalled_extension_is_not_counted(repo: Path, home: Path) -> None:
    make_server(
        home / ".vscode-server",
        {"ms-python.python": "2024.1.0", "ms-python.vscode-pylance": "2024.1.0"},
    )
    ext = home / ".vscode-server" / "extensions"
    (ext / ".obsolete").write_text('{"ms-python.python-2024.1.0": true}', encoding="utf-8")
    results = by_id(run_checks(repo, home, CLEAN))
    assert results["ext-python"].status == "fail"
    assert results["ext-pylance"].status == "ok"


# --- (d) the pre-commit hook ---------------------------------------------------------------


def test_pre_commit_without_config_is_info(repo: Path, home: Path) -> None:
    assert by_id(run_checks(repo, home, CLEAN))["pre-commit"].status == "info"


def test_pre_commit_hook_missing_then_installed(repo: Path, home: Path) -> None:
    # The real pre-commit, which is a dependency of foldcheck.
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    missing = by_id(run_checks(repo, home, CLEAN))["pre-commit"]
    assert missing.status == "warn"
    # No .venv here: the fix names a pre-commit that exists, and it works as given.
    assert not missing.fix.startswith(".venv/") and missing.fix.endswith(" install")
    subprocess.run(shlex.split(missing.fix), cwd=repo, check=True, capture_output=True)
    assert by_id(run_checks(repo, home, CLEAN))["pre-commit"].status == "ok"


def test_foreign_pre_commit_hook_warns(repo: Path, home: Path) -> None:
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    (repo / ".git" / "hooks" / "pre-commit").write_text("#!/bin/sh\nmake lint\n", encoding="utf-8")
    result = by_id(run_checks(repo, home, CLEAN))["pre-commit"]
    assert result.status == "warn"
    assert "is not pre-commit's hook" in result.found


def test_pre_commit_outside_git_is_info(tmp_path: Path, home: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    result = by_id(run_checks(plain, home, CLEAN))["pre-commit"]
    assert (result.status, result.found) == ("info", f"{plain} is not a git checkout")


# --- (e) the folds.json schema mapping -----------------------------------------------------


@pytest.mark.parametrize(
    ("schemas", "status"),
    [
        (GOOD_SCHEMAS, "ok"),
        (
            [
                {
                    "fileMatch": ["folds.json"],
                    "url": "${workspaceFolder}/foldcheck/formats/schemas/folds.schema.json",
                }
            ],
            "ok",
        ),
        (
            [
                {
                    "fileMatch": ["/folds/folds.json"],
                    "url": "https://foldcheck.dev/schemas/folds-1.json",
                }
            ],
            "ok",
        ),
        ([], "warn"),
        (
            [
                {
                    "fileMatch": ["**/other.json"],
                    "url": "./foldcheck/formats/schemas/folds.schema.json",
                }
            ],
            "warn",
        ),
        ([{"fileMatch": ["**/folds.json"], "url": "./schemas/elsewhere.json"}], "warn"),
        ([{"fileMatch": ["**/folds.json"], "url": "./.vscode/foldcheck.schema.json"}], "warn"),
    ],
)
def test_schema_mapping(repo: Path, home: Path, schemas: list[object], status: str) -> None:
    write_settings(repo, {"json.schemas": schemas})
    result = by_id(run_checks(repo, home, CLEAN))["json-schema"]
    assert result.status == status, result
    if status == "warn":
        # init fixes a missing mapping or a missing copy; a mapping to another schema is
        # left alone by init, so doctor names the entry to edit instead.
        elsewhere = "elsewhere" in json.dumps(schemas)
        assert ("url" in result.fix) if elsewhere else (result.fix == "foldcheck init")


def test_doctor_accepts_what_init_writes_in_a_user_repo(tmp_path: Path, home: Path) -> None:
    """A training repo (not this checkout): split, init, then doctor has no schema warning."""
    repo = tmp_path / "training"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    sample = Path(__file__).parents[1] / "foldcheck" / "data" / "sample.json"
    (repo / "data.json").write_bytes(sample.read_bytes())
    cwd = os.getcwd()
    os.chdir(repo)
    try:
        assert main(["split", "data.json", "--group-by", "video_id", "-q"]) == 0
        assert main(["init"]) == 0
    finally:
        os.chdir(cwd)
    result = by_id(run_checks(repo, home, CLEAN))["json-schema"]
    assert (result.status, result.found) == (
        "ok",
        "folds.json is checked against .vscode/foldcheck.schema.json",
    )


def test_schema_mapping_to_a_missing_file_warns(repo: Path, home: Path) -> None:
    (repo / "foldcheck" / "formats" / "schemas" / "folds.schema.json").unlink()
    result = by_id(run_checks(repo, home, CLEAN))["json-schema"]
    assert result.status == "warn"
    assert "does not exist" in result.found


# --- (f) what VS Code did, and the settings that outrank the configured interpreter ---------


def test_persisted_interpreter_choice_fails_naming_both(
    repo: Path,
    home: Path,
    editor_venv: Path,
    capsys: pytest.CaptureFixture[str],
    outside_vscode: None,
) -> None:
    """The seed's trap: settings name .venv, but a choice made once (/usr/bin/python3) wins."""
    server = make_server(
        home / ".vscode-server",
        {"ms-python.python": "2025.18.0", "ms-python.vscode-pylance": "2025.10.1"},
    )
    open_window(server, repo, ["./.venv/bin/python"], session="20261129T080000")
    open_window(server, repo, ["./.venv/bin/python", "/usr/bin/python3"])
    code = main(["doctor", "--repo", str(repo), "--home", str(home), "--format", "json"])
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)["results"]}
    assert code == 1
    selected = rows["selected"]
    assert selected["status"] == "fail"
    assert selected["found"].startswith("VS Code selected /usr/bin/python3 (")
    assert f"not the configured {editor_venv}" in selected["found"]
    assert "Python: Clear Workspace Interpreter Setting" in selected["fix"]
    assert f"Python: Select Interpreter → {editor_venv}" in selected["fix"]
    assert rows["interpreter"]["status"] == "ok"
    assert "/usr/bin/python3  [" in rows["interpreters"]["found"]
    assert "selected" in rows["interpreters"]["found"]


def test_selected_interpreter_is_the_configured_one(
    repo: Path, home: Path, editor_venv: Path
) -> None:
    server = make_server(home / ".vscode-server", {"ms-python.python": "2025.18.0"})
    open_window(server, repo, ["./.venv/bin/python"])
    row = by_id(run_checks(repo, home, CLEAN))["selected"]
    assert row.status == "ok" and row.found.endswith(", the configured one")


def test_folder_never_opened_on_this_server(repo: Path, home: Path) -> None:
    make_server(home / ".vscode-server", {"ms-python.python": "2025.18.0"})
    row = by_id(run_checks(repo, home, CLEAN))["selected"]
    assert row.status == "info"
    assert row.found.startswith("VS Code has not opened this folder on this server yet")


def test_remote_machine_settings_turn_intellisense_off(repo: Path, home: Path) -> None:
    server = make_server(home / ".vscode-server", {"ms-python.python": "2025.18.0"})
    machine = server / "data" / "Machine" / "settings.json"
    machine.write_text('{\n  // set once by someone\n  "python.languageServer": "None"\n}\n')
    row = by_id(run_checks(repo, home, CLEAN))["language-server"]
    assert row.status == "fail"
    assert f'python.languageServer is "None" in {machine}' in row.found
    assert row.fix == f'remove "python.languageServer" from {machine} (or set it to "Pylance")'


def test_environments_extension_settings_outrank_the_interpreter(repo: Path, home: Path) -> None:
    server = make_server(
        home / ".vscode-server",
        {"ms-python.python": "2025.18.0", "ms-python.vscode-python-envs": "1.10.0"},
    )
    machine = server / "data" / "Machine" / "settings.json"
    machine.write_text('{"python-envs.defaultEnvManager": "ms-python.python:conda"}')
    row = by_id(run_checks(repo, home, CLEAN))["python-envs"]
    assert row.status == "warn"
    assert f"{machine} python-envs.defaultEnvManager" in row.found
    assert f"{repo}/.vscode/settings.json python.defaultInterpreterPath" in row.found


def test_client_lists_the_interpreter_of_each_remote_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], outside_vscode: None
) -> None:
    laptop = tmp_path / "laptop"
    make_state_db(
        laptop / ".config" / "Code" / "User" / "globalStorage" / "state.vscdb",
        {
            "ssh-remote_WORKSPACE_FOLDER_INTERPRETER_PATH_/home/alice/proj": "/usr/bin/python3",
            "isRemoteGlobalSettingCopiedKey": True,
        },
    )
    assert main(["doctor", "--client", "--home", str(laptop), "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["results"]
    assert row["id"] == "client-interpreter"
    assert row["found"].startswith("ssh-remote /home/alice/proj: /usr/bin/python3 (")
    assert "Python: Clear Workspace Interpreter Setting" in row["fix"]


def test_doctor_and_init_editor_agree_in_a_user_repo(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A training repo: after `init --editor`, doctor has no fix that init would make."""
    repo = tmp_path / "training"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    sample = Path(__file__).parents[1] / "foldcheck" / "data" / "sample.json"
    (repo / "data.json").write_bytes(sample.read_bytes())
    monkeypatch.chdir(repo)
    assert main(["split", "data.json", "--group-by", "video_id", "-q"]) == 0
    assert main(["init", "--editor"]) == 0
    settings = load_jsonc(repo / ".vscode" / "settings.json")
    # This test's interpreter is outside the repository: a path on this machine only, which
    # the shared settings never hold. doctor says how to pick it here instead.
    assert "python.defaultInterpreterPath" not in settings
    rows = run_checks(repo, home, CLEAN)
    assert [r for r in rows if "foldcheck init" in r.fix] == []
    results = by_id(rows)
    assert results["interpreter"].status == "warn"
    assert "'Python: Select Interpreter'" in results["interpreter"].fix
    assert os.path.abspath(sys.executable) in results["interpreter"].fix
    assert results["json-schema"].status == "ok"
    assert ".venv/bin/pre-commit" not in results["pre-commit"].fix  # there is no .venv here


# --- the command line ----------------------------------------------------------------------


@pytest.fixture
def outside_vscode(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads the real environment: drop what a VS Code terminal running the tests
    would add, and PYTHONPATH."""
    for name in os.environ.keys() - CLEAN.keys():
        monkeypatch.delenv(name)
    monkeypatch.setenv("PATH", CLEAN["PATH"])


def test_cli_json_from_a_subfolder(
    repo: Path,
    home: Path,
    editor_venv: Path,
    capsys: pytest.CaptureFixture[str],
    outside_vscode: None,
) -> None:
    (repo / "docs").mkdir()
    assert find_repo(repo / "docs") == repo
    code = main(["doctor", "--repo", str(repo / "docs"), "--home", str(home), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    statuses = {r["id"]: r["status"] for r in report["results"]}
    assert {k: statuses[k] for k in ("server", "interpreter", "json-schema", "pre-commit")} == {
        "server": "info",
        "interpreter": "ok",
        "json-schema": "ok",
        "pre-commit": "info",
    }
    assert (code, report["failed"]) == (0, 0)
    assert all(set(r) == {"id", "status", "found", "fix"} for r in report["results"])
    assert {r["status"] for r in report["results"]} <= {"ok", "warn", "fail", "info"}


def test_cli_text_exits_1_on_failure(
    repo: Path, home: Path, capsys: pytest.CaptureFixture[str], outside_vscode: None
) -> None:
    make_server(home / ".vscode-server")
    assert main(["doctor", "--repo", str(repo), "--home", str(home)]) == 1
    out = capsys.readouterr().out
    assert f"foldcheck doctor: {repo}" in out
    for check in ("interpreter", "ext-python", "ext-pylance", "selected", "json-schema"):
        assert check in out
    assert "3 fail" in out.splitlines()[-1]  # interpreter, ext-python, ext-pylance


def test_cli_bad_repo_is_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--repo", str(tmp_path / "nowhere")]) == 2
    assert "--repo is not a folder" in capsys.readouterr().err


def test_results_are_immutable() -> None:
    result = Result("x", "ok", "found")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.status = "fail"  # type: ignore[misc]
    assert result.fix == ""


def test_client_without_vscode_says_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], outside_vscode: None
) -> None:
    laptop = tmp_path / "laptop"
    laptop.mkdir()
    assert main(["doctor", "--client", "--home", str(laptop), "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["results"]
    assert row["status"] == "info"
    assert "/{Code,Code - Insiders,VSCodium,Cursor}/User/globalStorage/state.vscdb" in row["found"]
