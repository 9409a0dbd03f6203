"""What the repository being edited needs from an interpreter: its own declared dependencies.

Read from ``[project] dependencies`` in ``pyproject.toml``, else ``requirements.txt``; the
repository's own package is the ``[project]`` name when a folder of that name is in the root
or ``src/``. Requirements with environment markers are left out (whether they apply depends on
the interpreter), as are options, URLs and includes in requirements files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foldcheck.config import TOML_ERRORS, tomllib

_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True)
class Project:
    distributions: tuple[str, ...]  # what must be installed
    source: str  # where they were declared, "" when nowhere
    package: str | None  # the repository's own import name, if it has one


def _names(requirements: list[str]) -> list[str]:
    names = []
    for line in requirements:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith(("-", "git+", "http:", "https:", "file:")) or ";" in line:
            continue
        match = _NAME.match(line)
        if match:
            names.append(match[1])
    return list(dict.fromkeys(names))


def read_project(repo: Path) -> Project:
    name = None
    try:
        data = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, *TOML_ERRORS):
        data = {}
    raw = data.get("project")
    project: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if isinstance(project.get("name"), str):
        name = re.sub(r"[-.]+", "_", project["name"]).lower()
    package = next((name for base in (repo, repo / "src") if name and (base / name).is_dir()), None)
    deps = project.get("dependencies")
    if isinstance(deps, list) and all(isinstance(d, str) for d in deps):
        return Project(tuple(_names(deps)), "pyproject.toml [project] dependencies", package)
    requirements = repo / "requirements.txt"
    if requirements.is_file():
        lines = requirements.read_text(encoding="utf-8", errors="replace").splitlines()
        return Project(tuple(_names(lines)), "requirements.txt", package)
    return Project((), "", package)
