"""Project defaults from ``[tool.foldcheck]`` in pyproject.toml.

Precedence everywhere: command-line option, then the manifest, then this table, then the
built-in default.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foldcheck.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # pyright: ignore[reportMissingImports]

__all__ = ["DEFAULT_TOLERANCE", "KEYS", "ProjectConfig", "find_pyproject", "load_config", "tomllib"]

DEFAULT_TOLERANCE = 0.1
KEYS = {
    "dataset": str,
    "folds": str,
    "k": int,
    "seed": int,
    "group_by": str,
    "stratify": str,
    "tolerance": float,
}


@dataclass(frozen=True)
class ProjectConfig:
    """Values are as written, with paths resolved against the pyproject.toml's folder."""

    root: Path
    dataset: Path | None = None
    folds: Path | None = None
    k: int | None = None
    seed: int | None = None
    group_by: str | None = None
    stratify: str | None = None
    tolerance: float | None = None


def find_pyproject(start: Path) -> Path | None:
    for folder in (start.resolve(), *start.resolve().parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path | None = None) -> ProjectConfig:
    """The ``[tool.foldcheck]`` table of the nearest pyproject.toml (empty when absent)."""
    start = Path.cwd() if start is None else start
    pyproject = find_pyproject(start)
    if pyproject is None:
        return ProjectConfig(root=start.resolve())
    try:
        table = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"invalid TOML: {exc}", pyproject) from None
    section: Any = table.get("foldcheck", {})
    if not isinstance(section, dict):
        raise InputError("[tool.foldcheck] must be a table", pyproject)
    values: dict[str, Any] = {}
    for key, value in section.items():
        expected = KEYS.get(key)
        if expected is None:
            raise InputError(
                f"[tool.foldcheck] has unknown key {key!r} (known: {', '.join(KEYS)})", pyproject
            )
        if expected is float and type(value) is int:
            value = float(value)
        if type(value) is not expected:
            raise InputError(f"[tool.foldcheck] {key} must be a {expected.__name__}", pyproject)
        values[key] = value
    root = pyproject.parent
    for key in ("dataset", "folds"):
        if key in values:
            values[key] = root / values[key]
    return ProjectConfig(root=root, **values)
