"""Every setting of a split, its built-in default, and the one place it is resolved.

Precedence, for every command and the library: a command-line option (or API argument), then
the fold manifest, then ``[tool.foldcheck]`` of the nearest pyproject.toml, then the built-in
default. ``resolve_settings`` validates the winner once and names its source when it is bad,
so no command can write what another would reject.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foldcheck.choices import MISSING_GROUP_MODES, STRATIFY_MODES
from foldcheck.errors import InputError, option

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # pyright: ignore[reportMissingImports]

if TYPE_CHECKING:
    from foldcheck.formats.manifest import Manifest

__all__ = [
    "DEFAULTS",
    "STRATIFY_MODES",
    "ProjectConfig",
    "Settings",
    "find_pyproject",
    "load_config",
    "resolve_settings",
    "tomllib",
]


@dataclass(frozen=True)
class Settings:
    """How a split is made and judged."""

    k: int = 5
    seed: int = 0
    group_by: str = "image"
    missing_group: str = "error"
    stratify: str = "both"
    tolerance: float = 0.1


DEFAULTS = Settings()
SETTING_NAMES = tuple(f.name for f in fields(Settings))
# [tool.foldcheck] keys and their TOML types: the settings, and where the fold set lives.
KEYS: dict[str, type] = {
    "dataset": str,
    "folds": str,
    "predictions": str,
    **{f: type(getattr(DEFAULTS, f)) for f in SETTING_NAMES},
}


@dataclass(frozen=True)
class ProjectConfig:
    """``[tool.foldcheck]`` as written, with paths resolved against the pyproject's folder."""

    root: Path
    path: Path | None = None  # the pyproject.toml, when there is one
    dataset: Path | None = None
    folds: Path | None = None
    predictions: str | None = None  # a pattern with {i}, joined to the pyproject's folder
    k: int | None = None
    seed: int | None = None
    group_by: str | None = None
    missing_group: str | None = None
    stratify: str | None = None
    tolerance: float | None = None


def find_pyproject(start: Path) -> Path | None:
    for folder in (start.resolve(), *start.resolve().parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


# What reading TOML raises on a file it cannot take: a syntax error, or arrays and tables
# nested deeper than tomllib's recursion goes (no configuration needs that).
TOML_ERRORS = (tomllib.TOMLDecodeError, RecursionError)


def toml_problem(error: Exception) -> str:
    return (
        "nested deeper than the TOML reader goes"
        if isinstance(error, RecursionError)
        else str(error)
    )


def load_config(start: Path | None = None) -> ProjectConfig:
    """The ``[tool.foldcheck]`` table of the nearest pyproject.toml (empty when absent)."""
    start = Path.cwd() if start is None else start
    pyproject = find_pyproject(start)
    if pyproject is None:
        return ProjectConfig(root=start.resolve())
    try:
        table = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
    except (*TOML_ERRORS, UnicodeDecodeError) as exc:
        raise InputError(f"invalid TOML: {toml_problem(exc)}", pyproject) from None
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
        # Checked even where an option or a manifest will win: a bad table is always an error.
        problem = _problem(key, value) if key in SETTING_NAMES else None
        if problem:
            raise InputError(f"[tool.foldcheck] {key}{problem}", pyproject)
        values[key] = value
    root = pyproject.parent
    for key in ("dataset", "folds"):
        if key in values:
            values[key] = root / values[key]
    if "predictions" in values:
        if "{i}" not in values["predictions"]:
            raise InputError("[tool.foldcheck] predictions needs {i} for the fold", pyproject)
        values["predictions"] = str(root / values["predictions"])
    return ProjectConfig(root=root, path=pyproject, **values)


def resolve_settings(
    options: dict[str, Any] | None = None,
    manifest: Manifest | None = None,
    project: ProjectConfig | None = None,
) -> Settings:
    """Each setting from the first source that has it, validated; an invalid one is an
    ``InputError`` naming where it came from."""
    resolved: dict[str, Any] = {}
    for name in SETTING_NAMES:
        sources: list[tuple[Any, str, Path | None]] = [
            ((options or {}).get(name), option(name), None),
            (
                getattr(manifest, name, None),
                f"the manifest's {name}",
                getattr(manifest, "path", None),
            ),
            (
                getattr(project, name, None),
                f"[tool.foldcheck] {name}",
                getattr(project, "path", None),
            ),
        ]
        value, where, path = next(
            ((v, w, p) for v, w, p in sources if v is not None),
            (getattr(DEFAULTS, name), name, None),
        )
        problem = _problem(name, value)
        if problem:
            raise InputError(f"{where}{problem}", path)
        resolved[name] = value
    return Settings(**resolved)


def _problem(name: str, value: Any) -> str | None:
    """Why ``value`` is not a valid setting ``name``; None when it is."""
    if name == "k" and value < 2:
        return f" must be at least 2, got {value}"
    if name == "seed" and value < 0:
        return f" must be zero or positive, got {value}"
    if name == "tolerance" and not (math.isfinite(value) and value > 0):
        return f" must be a positive number, got {value}"
    if name == "stratify" and value not in STRATIFY_MODES:
        return f" must be one of {', '.join(STRATIFY_MODES)}, got {value!r}"
    if name == "missing_group" and value not in MISSING_GROUP_MODES:
        return f" must be one of {', '.join(MISSING_GROUP_MODES)}, got {value!r}"
    if name == "group_by":
        from foldcheck.core.groups import GroupKey  # numpy: only once a setting is resolved

        try:
            GroupKey.parse(value)
        except InputError as exc:
            flag = option("group_by")
            return ": " + exc.message.removeprefix(f"{flag}: ").removeprefix(f"{flag} ")
    return None
