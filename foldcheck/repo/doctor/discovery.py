"""The interpreters VS Code's picker offers for a folder, found where its locators look:
PATH, virtual environments in the folder, conda (``~/.conda/environments.txt`` and the usual
install roots), pyenv and uv's managed Pythons."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

CONDA_ROOTS = ("miniconda3", "anaconda3", "miniforge3", "mambaforge", "micromamba")
_PATH_NAME = re.compile(r"python(3(\.\d+)?)?")


@dataclass(frozen=True)
class Found:
    path: str  # as the picker shows it: not resolved through symlinks
    source: str


def _python_in(env: Path) -> Path | None:
    for name in ("python", "python3"):
        if (env / "bin" / name).exists():
            return env / "bin" / name
    return None


def _on_path(environ: Mapping[str, str]) -> list[Found]:
    found, seen = [], set()
    for folder in environ.get("PATH", "").split(os.pathsep):
        # pyenv's shims are scripts, not interpreters; the picker lists pyenv's versions.
        if Path(folder).name == "shims" and "pyenv" in folder:
            continue
        try:
            names = sorted(os.listdir(folder or "."))
        except OSError:
            continue
        for name in names:
            path = Path(folder, name)
            if not _PATH_NAME.fullmatch(name) or not os.access(path, os.X_OK):
                continue
            # python, python3 and python3.12 in /usr/bin are one interpreter to the picker.
            real = os.path.realpath(path)
            if real not in seen and path.is_file():
                seen.add(real)
                found.append(Found(str(path), "PATH"))
    return found


def _workspace_envs(repo: Path) -> list[Found]:
    found = []
    for child in sorted(repo.iterdir()) if repo.is_dir() else []:
        if child.is_dir() and (child / "pyvenv.cfg").is_file():
            python = _python_in(child)
            if python:
                found.append(Found(str(python), f"venv in the folder ({child.name})"))
    return found


def _conda_envs(home: Path, environ: Mapping[str, str]) -> list[Found]:
    envs: list[Path] = []
    listed = home / ".conda" / "environments.txt"
    if listed.is_file():  # conda records every environment it creates here
        lines = listed.read_text(encoding="utf-8", errors="replace").splitlines()
        envs += [Path(line.strip()) for line in lines if line.strip()]
    if environ.get("CONDA_PREFIX"):
        envs.append(Path(environ["CONDA_PREFIX"]))
    for root in [*(home / r for r in CONDA_ROOTS), Path("/opt/conda")]:
        if root.is_dir():
            envs += [root, *sorted(p for p in (root / "envs").glob("*") if p.is_dir())]
    found = []
    for env in dict.fromkeys(envs):
        python = _python_in(env)
        if python:
            found.append(Found(str(python), "conda"))
    return found


def _managed(home: Path, environ: Mapping[str, str]) -> list[Found]:
    pyenv = Path(environ.get("PYENV_ROOT") or home / ".pyenv") / "versions"
    uv = Path(environ.get("UV_PYTHON_INSTALL_DIR") or home / ".local" / "share" / "uv" / "python")
    found = []
    for base, source in ((pyenv, "pyenv"), (uv, "uv")):
        for env in sorted(base.glob("*")) if base.is_dir() else []:
            python = _python_in(env)
            if python:
                found.append(Found(str(python), source))
    return found


def discover(repo: Path, home: Path, environ: Mapping[str, str]) -> list[Found]:
    """Every interpreter, each once (the first source that finds a path names it)."""
    found: dict[str, Found] = {}
    for hit in [
        *_workspace_envs(repo),
        *_on_path(environ),
        *_conda_envs(home, environ),
        *_managed(home, environ),
    ]:
        found.setdefault(os.path.normpath(hit.path), hit)
    return list(found.values())
