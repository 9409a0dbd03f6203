"""Rows for what ``foldcheck init`` sets up in the repository itself: the pre-commit git hook
and the folds.json schema mapping. Their fixes are commands that would change something here,
never ones that would leave the repository as it is."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from foldcheck.io.git import ownership_fix, run_git
from foldcheck.repo.doctor.interpreter import expand
from foldcheck.repo.doctor.result import Result
from foldcheck.repo.launcher import BARE_PATH
from foldcheck.repo.vscode import SCHEMA_COPY, SCHEMA_ID, SCHEMA_SOURCE, SETTINGS, covers


def pre_commit_command(repo: Path, environ: Mapping[str, str]) -> str:
    """A pre-commit that exists here: the repository's venv's, PATH's, or the one installed
    with foldcheck (a dependency of it)."""
    for venv in (".venv", "venv"):
        if (repo / venv / "bin" / "pre-commit").is_file():
            return f"{venv}/bin/pre-commit"
    if shutil.which("pre-commit", path=environ.get("PATH", "")):
        return "pre-commit"
    return f"{sys.executable} -m pre_commit"


def pre_commit_row(repo: Path, environ: Mapping[str, str]) -> Result:
    if not (repo / ".pre-commit-config.yaml").is_file():
        return Result("pre-commit", "info", "no .pre-commit-config.yaml: no hook to install")
    hook_path = run_git(repo, "rev-parse", "--git-path", "hooks/pre-commit")
    if hook_path is None:
        fix = ownership_fix(repo)
        if fix:
            return Result(
                "pre-commit",
                "fail",
                f"git refuses {repo} because another user owns it ('dubious ownership'): no "
                "git command works here, so no hook runs on commit",
                fix,
            )
        return Result("pre-commit", "info", f"{repo} is not a git checkout")
    hook = Path(hook_path) if Path(hook_path).is_absolute() else repo / hook_path
    fix = f"{pre_commit_command(repo, environ)} install"
    if not hook.is_file():
        return Result("pre-commit", "warn", f"no git hook at {hook}", fix)
    text = hook.read_text(encoding="utf-8", errors="replace")
    if "pre-commit" not in text:
        return Result("pre-commit", "warn", f"{hook} is not pre-commit's hook", fix)
    python = _install_python(text)
    if python and not os.access(python, os.X_OK) and not shutil.which("pre-commit", path=BARE_PATH):
        return Result(
            "pre-commit",
            "warn",
            f"{hook} starts pre-commit with {python}, which does not exist on this host, and "
            f"PATH={BARE_PATH} has no pre-commit: commits from VS Code's Source Control panel "
            "fail",
            fix,
        )
    return Result("pre-commit", "ok", f"pre-commit runs on every commit ({hook})")


def _install_python(hook: str) -> str | None:
    """The interpreter ``pre-commit install`` wrote into its git hook (``INSTALL_PYTHON=``)."""
    match = re.search(r"^INSTALL_PYTHON=(.+)$", hook, re.MULTILINE)
    try:
        words = shlex.split(match[1]) if match else []
    except ValueError:
        return None
    return words[0] if words else None


def _maps_manifest(entry: Any) -> bool:
    patterns = entry.get("fileMatch") if isinstance(entry, dict) else None
    return isinstance(patterns, list) and any(
        isinstance(p, str) and (covers(p, "folds/folds.json") or covers(p, "a/b/folds.json"))
        for p in patterns
    )


def schema_row(repo: Path, home: Path, settings: Mapping[str, Any]) -> Result:
    """folds.json mapped to foldcheck's schema: its URL, this checkout's file, or the copy
    ``foldcheck init`` writes into a user's repository."""
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
    target = expand(str(url).removeprefix("file://"), repo, home).resolve()
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
