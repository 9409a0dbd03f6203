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
    """The git top level containing ``start`` (also one git refuses for its owner), or
    ``start`` itself outside a checkout."""
    done = _git(start, "rev-parse", "--show-toplevel")
    if done is not None and done.returncode == 0:
        return Path(done.stdout.strip())
    refused = _owned_by_another(done)
    return Path(refused) if refused else start.resolve()


def ownership_fix(repo: Path) -> str | None:
    """git's own fix when it refuses ``repo`` because another user owns it (git >= 2.35.2
    refuses a colleague's clone on a shared server): ``git config ... safe.directory``,
    shell-quoted; None when git accepts the checkout or it is none."""
    refused = _owned_by_another(_git(repo, "rev-parse", "--show-toplevel"))
    return _trust(refused) if refused else None


def _trust(checkout: str) -> str:
    return f"git config --global --add safe.directory {shlex.quote(checkout)}"


def _owned_by_another(done: subprocess.CompletedProcess[str] | None) -> str | None:
    """The checkout git refused for its ownership, as git's message names it."""
    if done is None or done.returncode == 0:
        return None
    match = _DUBIOUS.search(done.stderr)
    return match.group(1) if match else None


def git_root(cwd: Path) -> Path:
    """The git top level containing ``cwd``; outside a checkout, an InputError."""
    done = _git(cwd, "rev-parse", "--show-toplevel")
    if done is not None and done.returncode == 0:
        return Path(done.stdout.strip()).resolve()
    refused = _owned_by_another(done)
    if refused:
        # "run git init" would be wrong advice in a checkout git refuses for its owner.
        raise InputError(
            "git refuses this repository because another user owns it ('dubious ownership'); "
            f"if you trust it, run: {_trust(refused)}",
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
