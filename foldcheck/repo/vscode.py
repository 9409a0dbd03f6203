"""What foldcheck knows of VS Code: where its settings live, how it matches ``json.schemas``
patterns, and which schema URLs are foldcheck's. init writes by these and doctor reads by
them, so whatever init writes, doctor accepts."""

from __future__ import annotations

import fnmatch

SETTINGS = ".vscode/settings.json"
# init's copy of the manifest schema, inside the user's repository: works offline and for
# every teammate and host alike.
SCHEMA_COPY = ".vscode/foldcheck.schema.json"
# This checkout's own schema, which its .vscode/settings.json maps.
SCHEMA_SOURCE = "foldcheck/formats/schemas/folds.schema.json"
SCHEMA_ID = "https://foldcheck.dev/schemas/folds-1.json"
# What Pylance never enumerates unless python.analysis.useDefaultExcludes is false (pyright's
# docs/configuration.md, "exclude"), besides virtual environments it detects. Older Pylance
# dropped these as soon as python.analysis.exclude was set, so a list init starts holds them.
PYLANCE_DEFAULT_EXCLUDE = ("**/node_modules", "**/__pycache__", "**/.*")


def covers(pattern: str, manifest: str) -> bool:
    """Whether a ``fileMatch`` pattern matches the repo-relative path ``manifest``: a pattern
    without "/" matches the file name; "**/" also matches no folder at all."""
    if "/" not in pattern:
        return fnmatch.fnmatchcase(manifest.rpartition("/")[2], pattern)
    pattern = pattern.lstrip("/")
    return any(fnmatch.fnmatchcase(p, pattern) for p in (manifest, "_/" + manifest))
