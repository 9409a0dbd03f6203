"""Paths as foldcheck writes and shows them: relative, with forward slashes."""

from __future__ import annotations

import os
from pathlib import Path


def relative_path(target: Path, folder: Path) -> str:
    """``target`` relative to ``folder`` (``..`` allowed), for a portable manifest."""
    return Path(os.path.relpath(target.resolve(), folder.resolve())).as_posix()


def shown_relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when inside it, else as given, as linters show paths."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def as_typed(path: str | Path) -> str:
    """``path`` as a user would type it from the working folder: relative when inside it (a
    message in a README or a CI log names no machine's folders)."""
    return shown_relative(Path(path).absolute(), Path.cwd())
