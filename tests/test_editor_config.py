"""The editor files (.vscode/, .devcontainer/) parse, point at real things, and satisfy the
tools that read them: the dev-container CLI and its schema, and pyright."""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import validator_for

from foldcheck.cli import COMMANDS, build_parser
from foldcheck.io.jsonc import load_jsonc
from foldcheck.repo.doctor.runner import run_checks

# tomli is installed only where tomllib is missing (Python 3.10); pyright, told 3.10, then
# cannot resolve a plain `import tomli` in a 3.11 venv.
tomllib = pytest.importorskip("tomllib" if sys.version_info >= (3, 11) else "tomli")

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
DEVCONTAINER = REPO / ".devcontainer" / "devcontainer.json"
# Official base schema, kept beside the checkout (see shared/schemas/devcontainer/NOTICE.md).
BASE_SCHEMA = REPO.parent / "shared" / "schemas" / "devcontainer" / "devContainer.base.schema.json"
DEVCONTAINER_CLI = "@devcontainers/cli@0.89.0"
EDITOR_FILES = ["settings", "extensions", "launch", "tasks"]
PLACED = "folds/folds.json:12:5: FC101 image 17 is in folds 0 and 2"
UNPLACED = "folds/folds.json: FC201 fold 3 has no images"


def vscode(name: str) -> Any:
    return load_jsonc(REPO / ".vscode" / f"{name}.json")


def in_repo(arg: str) -> str:
    return arg.replace("${workspaceFolder}", str(REPO))


# --- (a) the files themselves --------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        *sorted(p.relative_to(REPO).as_posix() for p in (REPO / ".vscode").glob("*.json")),
        ".devcontainer/devcontainer.json",
    ],
)
def test_parses_as_jsonc(path: str) -> None:
    assert isinstance(load_jsonc(REPO / path), dict)


def test_editor_files_present() -> None:
    assert {p.stem for p in (REPO / ".vscode").glob("*.json")} >= set(EDITOR_FILES)


def test_settings_use_the_project_venv_and_pyright_config() -> None:
    settings = vscode("settings")
    assert settings["python.defaultInterpreterPath"] == "${workspaceFolder}/.venv/bin/python"
    assert settings["python.testing.pytestEnabled"] is True
    assert settings["python.testing.unittestEnabled"] is False
    assert (
        settings["python.testing.pytestArgs"]
        == PYPROJECT["tool"]["pytest"]["ini_options"]["testpaths"]
    )
    pyright = PYPROJECT["tool"]["pyright"]
    assert settings["python.analysis.typeCheckingMode"] == pyright["typeCheckingMode"]
    assert (pyright["venvPath"], pyright["venv"]) == (".", ".venv")
    assert settings["[python]"]["editor.defaultFormatter"] == "charliermarsh.ruff"
    assert "remote.SSH.defaultExtensions" not in settings  # a user setting: see docs


def test_schema_mapping_covers_manifests_only() -> None:
    (mapping,) = vscode("settings")["json.schemas"]
    # VS Code resolves a relative url against the workspace folder.
    schema = json.loads((REPO / mapping["url"]).read_text(encoding="utf-8"))
    assert schema["$id"] == "https://foldcheck.dev/schemas/folds-1.json"
    for pattern in mapping["fileMatch"]:
        assert fnmatch.fnmatchcase("folds/folds.json", pattern)
        # Exports sit beside the manifest and are not manifests.
        assert not fnmatch.fnmatchcase("folds/fold_0_train.json", pattern)
    # And the doctor agrees, reading the same file its own way.
    status = {r.id: r.status for r in run_checks(REPO, REPO / "no-home")}
    assert status["json-schema"] == "ok"


def test_recommended_extensions() -> None:
    wanted = {
        "ms-python.python",
        "ms-python.vscode-pylance",
        "charliermarsh.ruff",
        "ms-python.debugpy",
        "ms-vscode-remote.remote-ssh",
        "ms-vscode-remote.remote-containers",
    }
    assert set(vscode("extensions")["recommendations"]) == wanted


def test_launch_configurations_run_real_commands() -> None:
    configs = {c["name"]: c for c in vscode("launch")["configurations"]}
    split = configs["foldcheck split (bundled sample)"]
    assert split["module"] == "foldcheck"
    assert (REPO / "foldcheck" / "__main__.py").is_file()
    args = [in_repo(a) for a in split["args"]]
    assert (REPO / args[1]).is_file()
    # The real parser accepts every option the debugger would pass.
    parsed = build_parser().parse_args(args)
    assert parsed.command == "split"
    test = configs["pytest: current file"]
    assert (test["module"], test["args"][0]) == ("pytest", "${file}")
    for config in configs.values():
        assert config["type"] == "debugpy"


def test_tasks_run_real_commands() -> None:
    tasks = {t["label"]: t for t in vscode("tasks")["tasks"]}
    scripts = PYPROJECT["project"]["scripts"]
    for task in tasks.values():
        program = Path(in_repo(task["command"]))
        # Programs in .venv/bin are the ones setup.sh installs: python and our scripts.
        assert program.parent == REPO / ".venv" / "bin"
        assert program.name == "python" or program.name in scripts
        if program.name == "foldcheck":
            assert task["args"][0] in COMMANDS
            build_parser().parse_args(task["args"])
    assert tasks["foldcheck: check folds"]["args"] == ["check", "folds"]
    assert tasks["foldcheck: run tests"]["args"][:3] == ["-m", "pytest", "tests"]


def matchers() -> tuple[dict[str, Any], dict[str, Any]]:
    placed, unplaced = vscode("tasks")["tasks"][0]["problemMatcher"]
    return placed["pattern"], unplaced["pattern"]


def groups(pattern: dict[str, Any], line: str) -> dict[str, str] | None:
    """What VS Code would read from ``line``; its regexps here are also valid in Python."""
    match = re.search(pattern["regexp"], line)
    if match is None:
        return None
    keys = ("file", "line", "column", "code", "message")
    return {k: match.group(pattern[k]) for k in keys if k in pattern}


def test_problem_matcher_reads_findings() -> None:
    placed, unplaced = matchers()
    assert groups(placed, PLACED) == {
        "file": "folds/folds.json",
        "line": "12",
        "column": "5",
        "code": "FC101",
        "message": "image 17 is in folds 0 and 2",
    }
    assert groups(unplaced, UNPLACED) == {
        "file": "folds/folds.json",
        "code": "FC201",
        "message": "fold 3 has no images",
    }
    assert unplaced["kind"] == "file"
    # Each line is claimed by one matcher only, or placed findings would show up twice.
    assert groups(unplaced, PLACED) is None
    assert groups(placed, UNPLACED) is None
    assert groups(placed, "folds/folds.json:12:5: error: not a finding") is None


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_problem_matcher_regexps_in_javascript() -> None:
    # VS Code runs these with JavaScript's engine; check it agrees with Python's.
    script = (
        "const [p, u, a, b] = process.argv.slice(1);"
        "console.log(JSON.stringify([a.match(p), b.match(u), a.match(u), b.match(p)]));"
    )
    placed, unplaced = matchers()
    out = subprocess.run(
        ["node", "-e", script, placed["regexp"], unplaced["regexp"], PLACED, UNPLACED],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    hit_placed, hit_unplaced, cross1, cross2 = json.loads(out)
    assert hit_placed[1:] == [
        "folds/folds.json",
        "12",
        "5",
        "FC101",
        "image 17 is in folds 0 and 2",
    ]
    assert hit_unplaced[1:] == ["folds/folds.json", "FC201", "fold 3 has no images"]
    assert cross1 is None and cross2 is None


# --- (b) the dev container, as the official CLI reads it -----------------------------------


@pytest.fixture(scope="module")
def container_config() -> dict[str, Any]:
    if shutil.which("npx") is None:
        pytest.skip("npx (node) is not installed: cannot run the dev-container CLI")
    # read-configuration calls `docker ps` first; /bin/true stands in for a docker engine.
    done = subprocess.run(
        [
            "npx",
            "--yes",
            DEVCONTAINER_CLI,
            "read-configuration",
            "--workspace-folder",
            str(REPO),
            "--docker-path",
            "/bin/true",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    config: dict[str, Any] = json.loads(done.stdout)["configuration"]
    config.pop("configFilePath")  # added by the CLI; not part of the file format
    return config


def test_devcontainer_validates_against_official_schema(container_config: dict[str, Any]) -> None:
    if not BASE_SCHEMA.is_file():
        pytest.skip(f"official schema not found at {BASE_SCHEMA} (shared/ beside the checkout)")
    schema = json.loads(BASE_SCHEMA.read_text(encoding="utf-8"))
    validator = validator_for(schema)(schema)
    assert [e.message for e in validator.iter_errors(container_config)] == []
    # The schema has teeth: it rejects a misspelt property.
    assert list(validator.iter_errors({**container_config, "remoteUsr": "vscode"}))


def test_devcontainer_has_what_we_rely_on(container_config: dict[str, Any]) -> None:
    assert re.fullmatch(
        r"mcr\.microsoft\.com/devcontainers/python:\d+-3\.1\d-(bookworm|trixie)",
        container_config["image"],
    )
    assert container_config["postCreateCommand"] == "bash .devcontainer/setup.sh"
    # VS Code connects after the set-up: the Python extension's first look finds .venv.
    assert container_config["waitFor"] == "postCreateCommand"
    assert container_config["remoteUser"] == "vscode"
    vscode_part = container_config["customizations"]["vscode"]
    assert {
        "ms-python.python",
        "ms-python.vscode-pylance",
        "charliermarsh.ruff",
        "ms-python.debugpy",
    } <= set(vscode_part["extensions"])
    # The CLI substituted the container's workspace folder: the path exists in the container.
    interpreter = vscode_part["settings"]["python.defaultInterpreterPath"]
    assert re.fullmatch(r"/workspaces/[^/]+/\.venv/bin/python", interpreter)
    assert (REPO / ".devcontainer" / "setup.sh").is_file()


# --- (c) pyright, configured as the editor's Pylance is -------------------------------------


def test_pyright_resolves_imports_and_finds_no_errors() -> None:
    assert (REPO / ".venv" / "bin" / "python").exists(), "run: bash .devcontainer/setup.sh"
    basedpyright = shutil.which("basedpyright", path=str(Path(sys.executable).parent))
    assert basedpyright, "basedpyright is missing: pip install -e '.[dev]'"
    # No paths on the command line: pyright then takes include/venv from [tool.pyright].
    done = subprocess.run(
        [basedpyright, "--outputjson"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(done.stdout)

    def where(d: dict[str, Any]) -> str:
        return f"{d['file']}:{d['range']['start']['line'] + 1}: {d['message']}"

    missing = ("reportMissingImports", "reportMissingModuleSource")
    unresolved = [where(d) for d in report["generalDiagnostics"] if d.get("rule") in missing]
    errors = [where(d) for d in report["generalDiagnostics"] if d["severity"] == "error"]
    assert unresolved == []
    assert errors == []
    assert report["summary"]["filesAnalyzed"] > 0


def test_setup_installs_editable_as_a_folder_path() -> None:
    """setuptools' default editable install of this flat layout is an import hook Pylance
    cannot follow; compat mode writes a folder path (tests/test_doctor_host.py installs a
    flat-layout project both ways with real pip and checks what each writes)."""
    script = (REPO / ".devcontainer" / "setup.sh").read_text(encoding="utf-8")
    (line,) = [x for x in script.splitlines() if "pip install" in x and " -e " in x]
    assert "--config-settings editable_mode=compat" in line
