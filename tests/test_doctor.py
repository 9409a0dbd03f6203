"""`foldcheck doctor` against throw-away homes and repos, with real interpreters and git."""

from __future__ import annotations

import dataclasses
import json
import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

from foldcheck.cli import main
from foldcheck.io.jsonc import load_jsonc, strip_jsonc
from foldcheck.repo.doctor.checks import (
    REQUIRED_MODULES,
    Result,
    run_checks,
)
from foldcheck.repo.git import find_repo

# The environment of an editor whose login shell sets no PYTHONPATH (pytest's may, to find
# foldcheck; a configured interpreter must manage without it).
CLEAN = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
GOOD_SCHEMAS = [
    {"fileMatch": ["**/folds.json"], "url": "./foldcheck/formats/schemas/folds.schema.json"}
]


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
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    write_settings(
        repo,
        {
            "python.defaultInterpreterPath": "${workspaceFolder}/.venv/bin/python",
            "json.schemas": GOOD_SCHEMAS,
        },
    )
    return repo.resolve()


def make_venv(where: Path, *paths: str) -> Path:
    """A real venv without pip; ``paths`` go on its sys.path through a .pth file."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    if paths:
        site_dir = subprocess.run(
            [str(python), "-c", "import site; print(site.getsitepackages()[0])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        Path(site_dir, "linked.pth").write_text("\n".join(paths) + "\n", encoding="utf-8")
    return python


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
    # The doctor itself runs elsewhere, so it says the shell and editor disagree.
    assert results["interpreters"].status == "warn"
    assert str(repo / ".venv") in results["interpreters"].found


def test_interpreter_missing_fails(repo: Path, home: Path) -> None:
    result = by_id(run_checks(repo, home, CLEAN))["interpreter"]
    assert result.status == "fail"
    assert f"{repo}/.venv/bin/python does not exist" in result.found
    assert "bash .devcontainer/setup.sh" in result.fix


def test_interpreter_without_packages_fails(repo: Path, home: Path) -> None:
    make_venv(repo / ".venv")
    result = by_id(run_checks(repo, home, CLEAN))["interpreter"]
    assert result.status == "fail"
    assert "cannot import " + ", ".join(sorted(REQUIRED_MODULES)) in result.found


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
    # Same interpreter as the one running: nothing to reconcile.
    assert results["interpreters"].status == "info"


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
    assert by_id(run_checks(repo, home, CLEAN))["interpreter"].status == "warn"


def test_no_settings_file(repo: Path, home: Path) -> None:
    (repo / ".vscode" / "settings.json").unlink()
    results = by_id(run_checks(repo, home, CLEAN))
    assert results["interpreter"].status == "fail"
    assert results["json-schema"].status == "warn"
    assert "no .vscode/settings.json" in results["json-schema"].found


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


# --- (b) the other interpreters ------------------------------------------------------------


def test_visible_interpreters_are_listed(repo: Path, home: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    for env in (repo / "venv", home / "miniconda3" / "envs" / "det", tmp_path / "active"):
        (env / "bin").mkdir(parents=True)
        (env / "bin" / "python").symlink_to(sys.executable)
    environ = {"PATH": str(bin_dir), "CONDA_PREFIX": str(tmp_path / "active")}
    result = by_id(run_checks(repo, home, environ))["interpreters"]
    assert result.status == "info"  # the editor's interpreter is missing: nothing to compare
    assert f"running this check: {sys.executable}" in result.found
    for expected in (
        f"python3 on PATH: {bin_dir / 'python3'}",
        f"venv: {repo}/venv/bin/python",
        f"conda: {tmp_path}/active/bin/python",
        f"conda: {home}/miniconda3/envs/det/bin/python",
    ):
        assert expected in result.found
    assert "python on PATH" not in result.found  # only python3 is in that PATH


# --- (c) extensions on the VS Code server --------------------------------------------------


def test_no_vscode_server_is_info(repo: Path, home: Path) -> None:
    results = by_id(run_checks(repo, home, CLEAN))
    assert results["ext-python"].status == results["ext-pylance"].status == "info"


def test_extensions_installed(repo: Path, home: Path) -> None:
    ext = home / ".vscode-server" / "extensions"
    (ext / "ms-python.python-2025.2.0-linux-x64").mkdir(parents=True)
    (ext / "ms-python.vscode-pylance-2025.2.1").mkdir()
    results = by_id(run_checks(repo, home, CLEAN))
    assert results["ext-python"].status == results["ext-pylance"].status == "ok"
    assert "ms-python.vscode-pylance-2025.2.1" in results["ext-pylance"].found


def test_extensions_missing_on_server_fail(repo: Path, home: Path) -> None:
    (home / ".cursor-server").mkdir()
    (home / ".vscode-server" / "extensions" / "ms-python.debugpy-2025.0.0").mkdir(parents=True)
    results = by_id(run_checks(repo, home, CLEAN))
    for check in ("ext-python", "ext-pylance"):
        assert results[check].status == "fail"
        assert "remote.SSH.defaultExtensions" in results[check].fix
        assert str(home / ".cursor-server") in results[check].found


def test_uninstalled_extension_is_not_counted(repo: Path, home: Path) -> None:
    ext = home / ".vscode-server" / "extensions"
    (ext / "ms-python.python-2024.1.0").mkdir(parents=True)
    (ext / "ms-python.vscode-pylance-2024.1.0").mkdir()
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
    assert "pre-commit install" in missing.fix
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=repo, check=True, capture_output=True
    )
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


# --- the command line ----------------------------------------------------------------------


def test_cli_json_from_a_subfolder(
    repo: Path,
    home: Path,
    editor_venv: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PYTHONPATH", raising=False)  # the CLI reads the real environment
    (repo / "docs").mkdir()
    assert find_repo(repo / "docs") == repo
    code = main(["doctor", "--repo", str(repo / "docs"), "--home", str(home), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    statuses = {r["id"]: r["status"] for r in report["results"]}
    assert statuses == {
        "interpreter": "ok",
        "interpreters": "warn",
        "ext-python": "info",
        "ext-pylance": "info",
        "pre-commit": "info",
        "json-schema": "ok",
    }
    assert (code, report["failed"]) == (0, 0)
    assert set(report["results"][0]) == {"id", "status", "found", "fix"}


def test_cli_text_exits_1_on_failure(
    repo: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / ".vscode-server" / "extensions").mkdir(parents=True)
    assert main(["doctor", "--repo", str(repo), "--home", str(home)]) == 1
    out = capsys.readouterr().out
    assert f"foldcheck doctor: {repo}" in out
    for check in ("interpreter", "ext-python", "ext-pylance", "pre-commit", "json-schema"):
        assert check in out
    assert "3 fail" in out.splitlines()[-1]


def test_cli_bad_repo_is_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--repo", str(tmp_path / "nowhere")]) == 2
    assert "--repo is not a folder" in capsys.readouterr().err


def test_results_are_immutable() -> None:
    result = Result("x", "ok", "found")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.status = "fail"  # type: ignore[misc]
    assert result.fix == ""
