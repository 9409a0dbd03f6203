"""The user's git checkout: where it is, which paths it tracks, and git run so that a hook's
environment cannot aim it at another repository."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

from foldcheck.errors import InputError

_DUBIOUS = re.compile(r"dubious ownership in repository at '(.+)'")


def git_env() -> dict[str, str]:
    # A git hook (pre-commit) exports GIT_DIR and friends, which would aim git at another repo.
    drop = {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def run_git(repo: Path, *args: str) -> str | None:
    """git's stdout, stripped; None when git is missing, fails or hangs."""
    done = _git(repo, *args)
    return done.stdout.strip() if done is not None and done.returncode == 0 else None


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=repo,
            env=git_env(),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def find_repo(start: Path) -> Path:
    """The git top level containing ``start``, or ``start`` itself outside a checkout."""
    top = run_git(start, "rev-parse", "--show-toplevel")
    return Path(top) if top else start.resolve()


def git_root(cwd: Path) -> Path:
    """The git top level containing ``cwd``; outside a checkout, an InputError."""
    done = _git(cwd, "rev-parse", "--show-toplevel")
    if done is not None and done.returncode == 0:
        return Path(done.stdout.strip()).resolve()
    owned = _DUBIOUS.search(done.stderr) if done is not None else None
    if owned:
        # A checkout another user owns (a colleague's clone on a shared server): git refuses
        # it since 2.35.2, and "run git init" would be wrong advice. git's own fix, quoted.
        raise InputError(
            "git refuses this repository because another user owns it ('dubious ownership'); "
            "if you trust it, run: git config --global --add safe.directory "
            f"{shlex.quote(owned.group(1))}",
            cwd,
        )
    raise InputError("not inside a git repository (pre-commit needs one: run git init)", cwd)


def tracked(folder: Path, names: list[str]) -> list[str]:
    """Those of ``names`` (in ``folder``) that git tracks, or under which it tracks a file;
    none outside a checkout or without git. Only names that exist are asked about, so the
    common case (none) costs no process."""
    present = [name for name in names if os.path.lexists(folder / name)]
    if not present:
        return []
    listed = run_git(folder, "ls-files", "-z", "--", *present)
    files = (listed or "").split("\0")
    return [name for name in present if any(f == name or f.startswith(f"{name}/") for f in files)]
