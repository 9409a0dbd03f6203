"""Is this host ready for editing foldcheck in VS Code (over Remote-SSH or locally)?

Each check returns ``Result`` records and never prints (``doctor_render`` does). Checks run
real programs (the configured interpreter, git) but never touch the network. Standard library
only, so the command stays fast and works even when the project's environment is broken.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from foldcheck.io.jsonc import load_jsonc
from foldcheck.repo.git import run_git
from foldcheck.repo.vscode import SCHEMA_COPY, SCHEMA_ID, SCHEMA_SOURCE, SETTINGS, covers

Status = Literal["ok", "warn", "fail", "info"]

# What the editor's interpreter must import for the tests, the CLI and Pylance to work.
REQUIRED_MODULES = ("foldcheck", "numpy", "rich", "jsonschema", "orjson")
# Where VS Code (and forks) keep extensions on the machine they run on, relative to home.
SERVER_DIRS = (
    ".vscode-server",
    ".vscode-server-insiders",
    ".vscode-remote",
    ".cursor-server",
    ".vscode",
)
EXTENSIONS = (
    ("ext-python", "ms-python.python", "Python"),
    ("ext-pylance", "ms-python.vscode-pylance", "Pylance"),
)
CONDA_ROOTS = ("miniconda3", "anaconda3", "miniforge3", "mambaforge")
PROBE_TIMEOUT = 60.0  # importing numpy from a cold network home can take seconds

# Run by the configured interpreter, in the checkout. `-c` puts "" (the working directory)
# first on sys.path; dropping it keeps the checkout's foldcheck/ folder from passing for an
# installed package, while an editable install's own entry for the same folder stays.
_PROBE = """\
import importlib, json, sys
if sys.path and sys.path[0] == "":
    del sys.path[0]
missing = {}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception as exc:
        missing[name] = f"{type(exc).__name__}: {exc}"
module = sys.modules.get("foldcheck")
print(json.dumps({"version": sys.version.split()[0], "prefix": sys.prefix,
                  "missing": missing, "foldcheck": getattr(module, "__file__", None)}))
"""


@dataclass(frozen=True)
class Result:
    id: str
    status: Status
    found: str
    fix: str = ""


@dataclass(frozen=True)
class Probe:
    """What the configured interpreter reported about itself."""

    version: str
    prefix: str
    missing: dict[str, str]
    foldcheck_file: str | None


# --- helpers ------------------------------------------------------------------------------


def _expand(value: str, repo: Path, home: Path) -> Path:
    """Resolve the VS Code variables a settings path may use, relative paths against repo."""
    for name in ("${workspaceFolder}", "${containerWorkspaceFolder}"):
        value = value.replace(name, str(repo))
    value = value.replace("${userHome}", str(home))
    if value == "~" or value.startswith("~/"):
        value = str(home) + value[1:]
    path = Path(value)
    return path if path.is_absolute() else repo / path


def _read_settings(repo: Path) -> tuple[dict[str, Any] | None, str]:
    """The workspace settings, or None and why they could not be read."""
    path = repo / SETTINGS
    if not path.is_file():
        return None, f"no {SETTINGS}"
    try:
        data = load_jsonc(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        return None, f"unreadable {SETTINGS}: {exc}"
    if not isinstance(data, dict):
        return None, f"{SETTINGS} is not a JSON object"
    return data, ""


def probe(interpreter: Path, cwd: Path, environ: Mapping[str, str]) -> Probe | str:
    """Run ``interpreter`` in ``cwd`` to see what it imports; a string says why that failed.

    ``environ`` is what the editor's processes see: the VS Code server inherits the login
    shell's environment, PYTHONPATH included.
    """
    try:
        done = subprocess.run(
            [str(interpreter), "-c", _PROBE, *REQUIRED_MODULES],
            capture_output=True,
            text=True,
            env=dict(environ),
            cwd=cwd,
            timeout=PROBE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"{interpreter} did not answer within {PROBE_TIMEOUT:.0f} s"
    except OSError as exc:
        return f"{interpreter} cannot run: {exc.strerror}"
    try:
        data = json.loads(done.stdout.strip().splitlines()[-1])
        return Probe(
            str(data["version"]), str(data["prefix"]), dict(data["missing"]), data["foldcheck"]
        )
    except (IndexError, ValueError, KeyError, TypeError):
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"{interpreter} is not a working Python ({tail})"


# --- the checks ---------------------------------------------------------------------------


def check_interpreter(
    repo: Path, home: Path, settings: dict[str, Any] | None, why: str, environ: Mapping[str, str]
) -> tuple[Result, Probe | None]:
    setup = "bash .devcontainer/setup.sh"
    if settings is None:
        return Result("interpreter", "fail", why, f"restore it: git checkout -- {SETTINGS}"), None
    value = settings.get("python.defaultInterpreterPath")
    if not isinstance(value, str) or not value:
        return Result(
            "interpreter",
            "warn",
            f"{SETTINGS} names no python.defaultInterpreterPath; VS Code will guess",
            'set it to "${workspaceFolder}/.venv/bin/python"',
        ), None
    interpreter = _expand(value, repo, home)
    if not interpreter.exists():
        return Result(
            "interpreter",
            "fail",
            f"{interpreter} does not exist on this host",
            f"{setup}, then Python: Select Interpreter → .venv/bin/python",
        ), None
    found = probe(interpreter, repo, environ)
    if isinstance(found, str):
        return Result("interpreter", "fail", found, setup), None
    if found.missing:
        names = ", ".join(sorted(found.missing))
        return Result(
            "interpreter",
            "fail",
            f"{interpreter} (Python {found.version}) cannot import {names}",
            setup,
        ), found
    where = Path(found.foldcheck_file or "").parent.resolve()
    if not where.is_relative_to(repo / "foldcheck"):
        return Result(
            "interpreter",
            "warn",
            f"{interpreter} imports foldcheck from {where}, not this checkout, "
            "so your edits here do not run",
            setup,
        ), found
    return Result(
        "interpreter",
        "ok",
        f"{interpreter} (Python {found.version}) imports " + ", ".join(REQUIRED_MODULES),
    ), found


def _python_in(env: Path) -> Path | None:
    python = env / "bin" / "python"
    return python if python.exists() else None


def visible_interpreters(repo: Path, home: Path, environ: Mapping[str, str]) -> list[str]:
    """Every Python a user of this host might pick, labelled by where it was found."""
    path_var = environ.get("PATH", "")
    seen: list[str] = []
    for name in ("python3", "python"):
        hit = shutil.which(name, path=path_var)
        if hit:
            seen.append(f"{name} on PATH: {hit}")
    for name in (".venv", "venv"):
        python = _python_in(repo / name)
        if python:
            seen.append(f"{name}: {python}")
    envs = [Path(environ["CONDA_PREFIX"])] if environ.get("CONDA_PREFIX") else []
    for root in CONDA_ROOTS:
        envs += [home / root, *sorted((home / root / "envs").glob("*"))]
    for env in envs:
        python = _python_in(env)
        if python and f"conda: {python}" not in seen:
            seen.append(f"conda: {python}")
    return seen


def check_interpreters(
    repo: Path, home: Path, environ: Mapping[str, str], editor: Probe | None
) -> Result:
    seen = visible_interpreters(repo, home, environ)
    running = f"running this check: {sys.executable} (prefix {sys.prefix})"
    found = "\n".join([running, *seen])
    if editor is not None and os.path.realpath(editor.prefix) != os.path.realpath(sys.prefix):
        return Result(
            "interpreters",
            "warn",
            f"{found}\nthe editor's interpreter has prefix {editor.prefix}",
            "run .venv/bin/foldcheck, or `source .venv/bin/activate` in the shell",
        )
    return Result("interpreters", "info", found)


def _installed(extensions: Path, publisher_name: str) -> list[str]:
    """Folders of ``publisher_name`` in an extensions folder, less those VS Code uninstalled."""
    try:
        # Uninstalling only lists the folder in .obsolete; it is deleted later.
        obsolete = json.loads((extensions / ".obsolete").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        obsolete = {}
    prefix = publisher_name + "-"
    return sorted(
        p.name
        for p in extensions.glob(prefix + "*")
        if p.is_dir()
        and p.name[len(prefix) :][:1].isdigit()
        and not (isinstance(obsolete, dict) and obsolete.get(p.name))
    )


def check_extensions(home: Path) -> list[Result]:
    servers = [home / d for d in SERVER_DIRS if (home / d).is_dir()]
    results = []
    for check_id, ext, title in EXTENSIONS:
        if not servers:
            results.append(
                Result(
                    check_id,
                    "info",
                    f"no VS Code server on this host (looked in ~/{SERVER_DIRS[0]} "
                    f"and {len(SERVER_DIRS) - 1} others); {title} not checked",
                )
            )
            continue
        hits = [f"{name} in {s}" for s in servers for name in _installed(s / "extensions", ext)]
        if hits:
            results.append(Result(check_id, "ok", f"{title}: {hits[-1]}"))
        else:
            where = ", ".join(str(s) for s in servers)
            results.append(
                Result(
                    check_id,
                    "fail",
                    f"{title} ({ext}) is not installed in {where}",
                    f'install it on the SSH host: Extensions view → "Install in SSH: <host>", '
                    f'or add "{ext}" to the user setting remote.SSH.defaultExtensions',
                )
            )
    return results


def check_pre_commit(repo: Path) -> Result:
    if not (repo / ".pre-commit-config.yaml").is_file():
        return Result("pre-commit", "info", "no .pre-commit-config.yaml: no hook to install")
    hook_path = run_git(repo, "rev-parse", "--git-path", "hooks/pre-commit")
    if hook_path is None:
        return Result("pre-commit", "info", f"{repo} is not a git checkout")
    hook = Path(hook_path) if Path(hook_path).is_absolute() else repo / hook_path
    fix = ".venv/bin/pre-commit install"
    if not hook.is_file():
        return Result("pre-commit", "warn", f"no git hook at {hook}", fix)
    if "pre-commit" not in hook.read_text(encoding="utf-8", errors="replace"):
        return Result("pre-commit", "warn", f"{hook} is not pre-commit's hook", fix)
    return Result("pre-commit", "ok", f"pre-commit runs on every commit ({hook})")


def _maps_manifest(entry: Any) -> bool:
    patterns = entry.get("fileMatch") if isinstance(entry, dict) else None
    return isinstance(patterns, list) and any(
        isinstance(p, str) and (covers(p, "folds/folds.json") or covers(p, "a/b/folds.json"))
        for p in patterns
    )


def check_schema_mapping(
    repo: Path, home: Path, settings: dict[str, Any] | None, why: str
) -> Result:
    """folds.json mapped to foldcheck's schema: its URL, this checkout's file, or the copy
    ``foldcheck init`` writes into a user's repository."""
    if settings is None:
        return Result("json-schema", "warn", why, "foldcheck init")
    entries = settings.get("json.schemas")
    mapped = [e for e in entries if _maps_manifest(e)] if isinstance(entries, list) else []
    if not mapped:
        return Result(
            "json-schema",
            "warn",
            f"{SETTINGS} json.schemas does not map folds.json to foldcheck's schema",
            "foldcheck init",
        )
    url = mapped[0].get("url")
    if url == SCHEMA_ID:
        return Result("json-schema", "ok", f"folds.json is checked against {url}")
    target = _expand(str(url).removeprefix("file://"), repo, home).resolve()
    for ours, fix in (
        (SCHEMA_SOURCE, "git checkout -- " + SCHEMA_SOURCE),
        (SCHEMA_COPY, "foldcheck init"),
    ):
        if target != (repo / ours).resolve():
            continue
        if not target.is_file():
            return Result(
                "json-schema", "warn", f"folds.json is mapped to {ours}, which does not exist", fix
            )
        return Result("json-schema", "ok", f"folds.json is checked against {ours}")
    return Result(
        "json-schema",
        "warn",
        f"{SETTINGS} json.schemas maps folds.json to {url}, not foldcheck's schema",
        f'set that entry\'s "url" to "./{SCHEMA_COPY}" (foldcheck init writes the file)',
    )


def run_checks(repo: Path, home: Path, environ: Mapping[str, str] | None = None) -> list[Result]:
    """Every check, in a fixed order; ``repo`` should be a checkout's top level."""
    environ = os.environ if environ is None else environ
    repo = repo.resolve()
    settings, why = _read_settings(repo)
    interpreter, editor = check_interpreter(repo, home, settings, why, environ)
    return [
        interpreter,
        check_interpreters(repo, home, environ, editor),
        *check_extensions(home),
        check_pre_commit(repo),
        check_schema_mapping(repo, home, settings, why),
    ]


def failed(results: list[Result]) -> bool:
    return any(r.status == "fail" for r in results)
