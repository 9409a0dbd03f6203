"""Perceptual hashes of image files under one folder: from the cache where a file is
unchanged, computed (several files at once) where not, and the cache updated."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from foldcheck.errors import InputError
from foldcheck.images import cache
from foldcheck.images.phash import hash_file
from foldcheck.images.pil import require_pil
from foldcheck.io.links import walk_inside

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"})


def list_images(root: Path) -> list[str]:
    """Image files under root (by suffix), relative and '/'-separated, sorted; hidden files
    and folders (.git, .foldcheck-staging, ...) skipped. Walked as every dataset folder is
    (``io.links``): each real folder once, and a link out of root refused, so a cloned
    folder cannot have a user's files elsewhere read."""
    if not root.is_dir():
        raise InputError("not a folder", root)
    found: list[str] = []
    for folder, files in walk_inside(root, (root.resolve(),)):
        rel = Path(folder).relative_to(root)
        found += [(rel / f).as_posix() for f in files if Path(f).suffix.lower() in IMAGE_SUFFIXES]
    return sorted(found)


class Hashes(NamedTuple):
    values: npt.NDArray[np.uint64]  # one per name; 0 where not ok
    ok: npt.NDArray[np.bool_]  # the file was read and hashed
    problems: list[InputError]  # why each file not ok was not, in name order

    def or_raise(self) -> npt.NDArray[np.uint64]:
        """The hashes, or the first problem raised (for callers that need every image)."""
        if self.problems:
            raise self.problems[0]
        return self.values


def folder_hashes(
    root: Path,
    names: list[str],
    *,
    what: str,
    use_cache: bool = True,
    workers: int | None = None,
    advance: Callable[[int], None] | None = None,
) -> Hashes:
    """pHash of root/name for each name (relative, '/'-separated), in the order given.
    ``what`` names the feature for the message when Pillow is missing. Missing, special and
    unreadable files are reported in ``problems``, not raised, and never cached. ``advance``
    is told of each file done (the cached ones at once), for a progress line."""
    image = require_pil(what)
    sizes, mtimes, problems = _stats(root, names)
    where = cache.cache_path(root)
    cached = cache.load(where) if use_cache else {}
    values, fresh = cache.lookup(cached, names, sizes, mtimes)
    ok = fresh.copy()
    todo = np.flatnonzero(~fresh & (sizes >= 0))
    tell = advance or (lambda n: None)
    tell(len(names) - len(todo))
    if len(todo):
        bad = (OSError, ValueError, SyntaxError, image.DecompressionBombError)

        def one(path: Path) -> int | InputError:
            try:
                return hash_file(path)
            except bad as exc:  # Pillow's ways of saying "not an image I can read"
                return InputError(f"cannot read image: {exc}", path)

        # Pillow releases the GIL while it decodes and resizes, so threads use every core.
        with ThreadPoolExecutor(workers or min(8, os.cpu_count() or 1)) as pool:
            computed = []
            for value in pool.map(one, [root / names[k] for k in todo.tolist()]):
                computed.append(value)
                tell(1)
        for k, value in zip(todo.tolist(), computed, strict=True):
            if isinstance(value, InputError):
                problems[k] = value
                continue
            values[k], ok[k] = value, True
            cached[names[k]] = cache.Entry(int(sizes[k]), int(mtimes[k]), value)
        if use_cache:
            cache.save(where, cached)
    return Hashes(values, ok, [problems[k] for k in sorted(problems)])


def _stats(
    root: Path, names: list[str]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], dict[int, InputError]]:
    """Size and mtime of each file; -1 and a problem where it is not a regular file."""
    sizes = np.full(len(names), -1, dtype=np.int64)
    mtimes = np.full(len(names), -1, dtype=np.int64)
    problems: dict[int, InputError] = {}
    for k, name in enumerate(names):
        try:
            st = os.stat(root / name)
        except OSError as exc:
            problems[k] = InputError(f"image file not found ({exc.strerror})", root / name)
            continue
        if not stat.S_ISREG(st.st_mode):  # a FIFO would hang the decoder, a device never end
            problems[k] = InputError("not a regular file", root / name)
            continue
        sizes[k], mtimes[k] = st.st_size, st.st_mtime_ns
    return sizes, mtimes, problems
