"""Can Pylance resolve what the interpreter imports?

Pylance reads an interpreter's search path statically: it follows ``.pth`` lines that name
folders, not the ones that run code. A setuptools editable install by default writes
``__editable___<name>_finder.py`` and a ``.pth`` that imports it (an import hook): invisible to
Pylance (pylance-release TROUBLESHOOTING.md, "Editable install modules not found"), unless the
package sits where Pylance looks anyway, the workspace root or its ``src/``.
"""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path
from typing import Any

from foldcheck.config import TOML_ERRORS, tomllib
from foldcheck.repo.doctor.layers import Layer, everywhere
from foldcheck.repo.doctor.result import Result

_MAPPING = re.compile(r"^MAPPING\s*(?::[^=]*)?=\s*(\{.*?\})\s*$", re.MULTILINE | re.DOTALL)


def finder_mappings(site_dirs: tuple[str, ...]) -> list[tuple[Path, str, Path]]:
    """(finder file, package, folder) for every import-hook editable install."""
    found = []
    for site in site_dirs:
        for finder in sorted(Path(site).glob("__editable___*_finder.py")):
            try:
                match = _MAPPING.search(finder.read_text(encoding="utf-8"))
                mapping = ast.literal_eval(match[1]) if match else {}
            except (OSError, ValueError, SyntaxError):
                mapping = {}
            if isinstance(mapping, dict):
                found += [(finder, str(k), Path(str(v))) for k, v in sorted(mapping.items())]
    return found


def _project_of(package_dir: Path) -> Path:
    parent = package_dir.parent
    return parent.parent if parent.name == "src" else parent


def hook_rows(repo: Path, interpreter: Path, site_dirs: tuple[str, ...]) -> list[Result]:
    rows = []
    roots = {os.path.normpath(repo), os.path.normpath(repo / "src")}
    for finder, package, folder in finder_mappings(site_dirs):
        project = _project_of(folder)
        if os.path.normpath(folder.parent) in roots:
            rows.append(
                Result(
                    "pylance-imports",
                    "info",
                    f"{package} is installed with an import hook ({finder}); Pylance finds it "
                    "in this workspace anyway, but not when another folder imports it",
                )
            )
            continue
        rows.append(
            Result(
                "pylance-imports",
                "fail",
                f"Pylance cannot resolve {package}: installed editable with an import hook "
                f"({finder}) that points to {folder}",
                f"{interpreter} -m pip install -e {project} --config-settings editable_mode=compat "
                f'(or add "{folder.parent}" to python.analysis.extraPaths)',
            )
        )
    return rows


def _expand(value: str, repo: Path) -> Path:
    value = value.replace("${workspaceFolder}", str(repo))
    return Path(value) if os.path.isabs(value) else repo / value


def pyright_rows(
    repo: Path, layers: list[Layer], config: dict[str, Any], name: str
) -> list[Result]:
    rows = []
    venv = config.get("venv")
    if isinstance(venv, str):
        base = config.get("venvPath", ".")
        where = _expand(base if isinstance(base, str) else ".", repo) / venv
        if not (where / "pyvenv.cfg").is_file() and not (where / "bin").is_dir():
            rows.append(
                Result(
                    "pyright-venv",
                    "warn",
                    f'{name} venv = "{venv}": {where} does not exist, so pyright outside the '
                    "editor (CLI, pre-commit) resolves no third-party import",
                    f"create it ({where}), or remove venv/venvPath from {name}",
                )
            )
    paths: list[tuple[str, str]] = []
    extra = config.get("extraPaths")
    if isinstance(extra, list):
        paths += [(p, f"{name} extraPaths") for p in extra if isinstance(p, str)]
    for setting in everywhere(layers, "python.analysis.extraPaths"):
        if isinstance(setting.value, list):
            paths += [(p, setting.where) for p in setting.value if isinstance(p, str)]
    for value, named_by in paths:
        if not _expand(value, repo).is_dir():
            rows.append(
                Result(
                    "extra-paths",
                    "warn",
                    f"{named_by} names {value}, which is not a folder here",
                    f"remove it from {named_by.split(' ')[0]}, or fix the path",
                )
            )
    return rows


def pyright_config(repo: Path) -> tuple[dict[str, Any], str]:
    """[tool.pyright] or pyrightconfig.json (which wins), and its name."""
    config = repo / "pyrightconfig.json"
    if config.is_file():
        try:
            data = json.loads(config.read_text(encoding="utf-8"))
            return (data if isinstance(data, dict) else {}), str(config)
        except (OSError, ValueError, RecursionError):  # RecursionError: nested too deep
            return {}, str(config)
    try:
        data = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, *TOML_ERRORS):
        return {}, ""
    tool = data.get("tool", {}).get("pyright")
    return (
        (tool, f"{repo / 'pyproject.toml'} [tool.pyright]") if isinstance(tool, dict) else ({}, "")
    )
