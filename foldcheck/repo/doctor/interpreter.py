"""The configured interpreter: which one the settings name, and whether it has what the
repository needs."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from foldcheck.repo.doctor.layers import Layer, Setting, effective
from foldcheck.repo.doctor.probe import Probe, probe
from foldcheck.repo.doctor.project import Project
from foldcheck.repo.doctor.result import Result
from foldcheck.repo.launcher import this_interpreter

SETUP_SCRIPT = ".devcontainer/setup.sh"


def expand(value: str, repo: Path, home: Path) -> Path:
    """Resolve the VS Code variables a settings path may use; relative paths against repo."""
    for name in ("${workspaceFolder}", "${containerWorkspaceFolder}"):
        value = value.replace(name, str(repo))
    value = value.replace("${userHome}", str(home))
    if value == "~" or value.startswith("~/"):
        value = str(home) + value[1:]
    path = Path(os.path.normpath(value))
    return path if path.is_absolute() else Path(os.path.normpath(repo / path))


def configured(layers: list[Layer], repo: Path, home: Path) -> tuple[Setting | None, Path | None]:
    setting = effective(layers, "python.defaultInterpreterPath")
    if setting is None or not isinstance(setting.value, str) or not setting.value:
        return None, None
    return setting, expand(setting.value, repo, home)


def setup_fix(repo: Path, interpreter: Path, project: Project, setting: Setting) -> str:
    """Commands that give ``interpreter`` the repository's dependencies (making it first when
    it is a virtual environment that does not exist yet)."""
    if (repo / SETUP_SCRIPT).is_file():
        return f"bash {SETUP_SCRIPT}"
    steps = []
    if not interpreter.exists():
        venv = interpreter.parent.parent
        if interpreter.parent.name != "bin" or not venv.is_relative_to(repo):
            return f"point {setting.key} in {setting.layer.path} at an interpreter that exists"
        steps.append(f"{sys.executable} -m venv {venv}")
    if project.source.startswith("pyproject"):
        steps.append(
            f"{interpreter} -m pip install -e {repo} --config-settings editable_mode=compat"
        )
    elif project.source == "requirements.txt":
        steps.append(f"{interpreter} -m pip install -r {repo / 'requirements.txt'}")
    return " && ".join(steps)


def _unset_fix(repo: Path) -> str:
    """Name the interpreter in the shared settings only when it is in the repository: any
    other path is right on one machine and wrong on every other."""
    here = this_interpreter()
    if Path(os.path.realpath(here.parent)).is_relative_to(repo):
        return "foldcheck init --editor (writes the interpreter foldcheck runs under)"
    return (
        f"{here} is outside the repository, so pick it on this machine: 'Python: Select "
        "Interpreter' > 'Enter interpreter path...', or set "
        f'"python.defaultInterpreterPath": "{here}" in \'Preferences: Open Remote Settings '
        "(JSON)'"
    )


def interpreter_row(
    layers: list[Layer], repo: Path, home: Path, project: Project, environ: Mapping[str, str]
) -> tuple[Result, Path | None, Probe | None]:
    setting, interpreter = configured(layers, repo, home)
    if setting is None or interpreter is None:
        return (
            Result(
                "interpreter",
                "warn",
                f"no python.defaultInterpreterPath in {layers[0].path}; VS Code will guess",
                _unset_fix(repo),
            ),
            None,
            None,
        )
    where = f"{interpreter} ({setting.where})"
    if not interpreter.exists():
        return (
            Result(
                "interpreter",
                "fail",
                f"{where} does not exist on this host",
                setup_fix(repo, interpreter, project, setting),
            ),
            interpreter,
            None,
        )
    modules = [project.package] if project.package else []
    found = probe(interpreter, repo, environ, modules, project.distributions)
    if isinstance(found, str):
        return (
            Result("interpreter", "fail", found, setup_fix(repo, interpreter, project, setting)),
            interpreter,
            None,
        )
    lacks = []
    if found.missing:
        lacks.append(f"cannot import {', '.join(sorted(found.missing))}")
    if found.missing_dists:
        lacks.append(f"lacks {', '.join(found.missing_dists)} (from {project.source})")
    if lacks:
        return (
            Result(
                "interpreter",
                "fail",
                f"{where}, Python {found.version}, {'; '.join(lacks)}",
                setup_fix(repo, interpreter, project, setting),
            ),
            interpreter,
            found,
        )
    package = project.package
    origin = found.files.get(package) if package else None
    if package and origin and not Path(origin).resolve().is_relative_to(repo.resolve()):
        return (
            Result(
                "interpreter",
                "warn",
                f"{where} imports {package} from {Path(origin).parent}, not this checkout, "
                "so your edits here do not run",
                setup_fix(repo, interpreter, project, setting),
            ),
            interpreter,
            found,
        )
    has = ", ".join([*modules, *project.distributions]) or "nothing the repository declares"
    return (
        Result("interpreter", "ok", f"{where}, Python {found.version}, has {has}"),
        interpreter,
        found,
    )
