"""How the hooks ``foldcheck init`` writes find foldcheck from any process that can run
``git commit``: a terminal, VS Code's Source Control panel, a GUI client, a bare
``PATH=/usr/bin:/bin``.

pre-commit runs a ``language: system`` hook's entry from the repository's top level: a first
word without "/" is looked up on PATH, one with "/" is a path from the top level
(``pre_commit/parse_shebang.py``, ``normexe``). VS Code's Source Control panel runs git with
the environment the VS Code server started with, where an environment is activated only by
chance, so a bare ``foldcheck`` fails there with "Executable `foldcheck` not found". Hence:

- foldcheck in an environment inside the repository (``.venv``): the entry names that
  interpreter by its path from the top level, ``.venv/bin/python -m foldcheck``, which holds
  in every clone and on every host that makes the environment in the same place;
- anywhere else (a venv or conda environment elsewhere, pipx, a user install): no path is the
  same on every machine, so the committed entry is ``git foldcheck``, and each clone records
  its own interpreter as the git alias ``alias.foldcheck`` in ``.git/config``, which is never
  committed. git is on every PATH that can commit, and a clone without the alias fails with
  git's "'foldcheck' is not a git command" until ``foldcheck init`` is run there. A team whose
  clones differ (one ``.venv``, one conda) shares this form too: ``init`` turns an entry
  naming a ``.venv`` this clone lacks into it.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from foldcheck.io.git import run_git

# What git and pre-commit see when started by a process with no shell profile behind it.
BARE_PATH = "/usr/bin:/bin"
ALIAS = "foldcheck"
ALIAS_KEY = f"alias.{ALIAS}"
ALIAS_PROGRAM = f"git {ALIAS}"
# The entry `foldcheck init` wrote before it knew better: foldcheck looked up on PATH.
OLD_PROGRAM = "foldcheck"


@dataclass(frozen=True)
class Launcher:
    """How the hook starts foldcheck on this machine."""

    program: str  # the entry's first words, before the sub-command
    interpreter: Path  # the Python that runs foldcheck here
    inside: Path | None  # that interpreter's path from the top level, if it is inside

    @property
    def alias(self) -> str:
        """This clone's ``alias.foldcheck``: run from the top level, like a hook."""
        where = self.inside.as_posix() if self.inside else str(self.interpreter)
        return f"!{shlex.quote(where)} -m foldcheck"


def this_interpreter() -> Path:
    # Not resolved through symlinks: a venv's python links to its base interpreter, which
    # lacks the venv's packages.
    return Path(os.path.abspath(sys.executable))


def launcher(root: Path, interpreter: Path | None = None) -> Launcher:
    """The launcher for foldcheck running under ``interpreter`` (default: this one)."""
    python = interpreter or this_interpreter()
    # The folder resolved, not the file: a checkout reached through a symlinked home still
    # holds its .venv.
    folder = Path(os.path.realpath(python.parent))
    if folder.is_relative_to(root):
        inside = (folder / python.name).relative_to(root)
        return Launcher(f"{inside.as_posix()} -m foldcheck", python, inside)
    return Launcher(ALIAS_PROGRAM, python, None)


def runs_alias(entry: str) -> bool:
    return entry.split()[:2] == ALIAS_PROGRAM.split()


def upgraded_entry(root: Path, entry: str, here: Launcher) -> str | None:
    """The entry ``foldcheck init`` puts in place of one it wrote itself that cannot start
    here from a bare PATH: a bare ``foldcheck`` becomes this machine's launcher; an
    interpreter in the repository that this clone lacks becomes ``git foldcheck``, which
    every clone can point at its own. None: keep ``entry``."""
    words = entry.split()
    if not words or entry_problem(root, entry) is None:
        return None
    rest = " ".join(words[1:] if words[0] == OLD_PROGRAM else words[3:])
    if words[0] == OLD_PROGRAM:
        return f"{here.program} {rest}".rstrip()
    if "/" in words[0] and not os.path.isabs(words[0]) and words[1:3] == ["-m", "foldcheck"]:
        return f"{ALIAS_PROGRAM} {rest}".rstrip()
    return None


def recorded_alias(root: Path) -> str | None:
    return run_git(root, "config", "--local", "--get", ALIAS_KEY)


def record_alias(root: Path, value: str) -> bool:
    """Set ``alias.foldcheck`` in this clone's own ``.git/config``; False if git failed."""
    return run_git(root, "config", "--local", ALIAS_KEY, value) is not None


def entry_problem(root: Path, entry: str) -> str | None:
    """Why pre-commit, started from a bare PATH in ``root``, cannot start ``entry``; None
    when it can."""
    try:
        words = shlex.split(entry)
    except ValueError:
        return f"its entry {entry!r} is not a command line"
    if not words:
        return "its entry is empty"
    program = words[0]
    if "/" in program:
        path = Path(program) if os.path.isabs(program) else root / program
        if not os.access(path, os.X_OK) or path.is_dir():
            return f"its entry runs {program}, which is not an executable file in this clone"
        return None
    if program == "git" and len(words) > 1 and words[1] == ALIAS:
        alias = recorded_alias(root)
        if alias is None:
            return f"its entry runs `git {ALIAS}`, and this clone's .git/config has no {ALIAS_KEY}"
        return _alias_problem(alias)
    if shutil.which(program, path=BARE_PATH) is None:
        return (
            f"its entry runs `{program}`, which is not on a bare PATH ({BARE_PATH}): commits "
            "from VS Code's Source Control panel or a GUI client fail with "
            f'"Executable `{program}` not found"'
        )
    return None


def _alias_problem(alias: str) -> str | None:
    try:
        words = shlex.split(alias.removeprefix("!"))
    except ValueError:
        return f"{ALIAS_KEY} = {alias!r} is not a command line"
    absolute = alias.startswith("!") and words and os.path.isabs(words[0])
    if absolute and not os.access(words[0], os.X_OK):
        return f"{ALIAS_KEY} runs {words[0]}, which does not exist on this host"
    return None
