"""Folders walked and files read as a dataset names them, without leaving the dataset.

A cloned repository can hold links: a folder linked into itself (the walk would never end, or
list one image once per turn of the loop), or a link to a file of the user's elsewhere (a
label file linked to ``~/.aws/credentials`` would be read and its first token quoted in a
finding). So a walk visits each real folder once (by device and inode), and a path that
reaches through a link to somewhere outside the folders the dataset names is refused with
one line naming the link: foldcheck does not follow links out of a dataset.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

from foldcheck.errors import InputError
from foldcheck.io.excerpt import quoted


def is_within(real: str, roots: Sequence[Path]) -> bool:
    """``real`` (a resolved path) is one of ``roots`` (resolved) or below one."""
    return any(real == str(r) or real.startswith(str(r).rstrip(os.sep) + os.sep) for r in roots)


def resolved(path: str) -> str:
    """``os.path.realpath(path)``, its folder resolved once per folder (a dataset's label
    files share a few folders) and the file itself with one ``lstat``."""
    absolute = os.path.abspath(path)
    folder, name = os.path.split(absolute)
    if os.path.islink(absolute):
        return os.path.realpath(absolute)
    return os.path.join(_resolved_folder(folder), name)


@lru_cache(maxsize=4096)
def _resolved_folder(folder: str) -> str:
    return os.path.realpath(folder)


def through_link(path: str) -> bool:
    """``path`` reaches its file through a link (of the file itself or a folder above it)."""
    return resolved(path) != os.path.abspath(path)


def refuse_link_out(path: str, roots: Sequence[Path]) -> None:
    """An InputError when ``path`` goes through a link and ends outside ``roots``; a path
    without links, wherever it is, is the dataset's own naming and left alone."""
    real = resolved(path)
    if real != os.path.abspath(path) and not is_within(real, roots):
        raise InputError(
            f"a link to {quoted(real, 120)}, outside the dataset ({quoted(str(roots[0]), 120)}); "
            "foldcheck does not follow links out of a dataset",
            path,
        )


def walk_inside(folder: Path, roots: Sequence[Path]) -> Iterator[tuple[str, list[str]]]:
    """Each folder under ``folder`` (links followed) and its files, hidden ones skipped, in
    the order of a sorted ``os.walk``; each real folder once (a link back up the tree, or a
    second way into a folder, is not walked again); a link out of ``roots`` refused."""
    visited: set[tuple[int, int]] = set()
    stack = [str(folder)]
    while stack:
        top = stack.pop()
        try:
            st = os.stat(top)
            if (st.st_dev, st.st_ino) in visited:
                continue
            visited.add((st.st_dev, st.st_ino))
            with os.scandir(top) as entries:
                listed = [e for e in entries if not e.name.startswith(".")]
        except OSError:  # unreadable, or gone: skipped, as os.walk does
            continue
        dirs: list[str] = []
        files: list[str] = []
        for entry in listed:
            if entry.is_symlink():  # from the directory entry: no system call for the rest
                refuse_link_out(entry.path, roots)
            (dirs if entry.is_dir() else files).append(entry.name)
        yield top, sorted(files)
        stack += [os.path.join(top, name) for name in sorted(dirs, reverse=True)]
