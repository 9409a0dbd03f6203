"""All-or-nothing writing of a set of files.

Each file is first written in full to a temporary file beside its destination; only when
every one is written are they renamed into place (a rename within a folder is atomic). A
failure before that leaves no trace, and existing files are never overwritten unless asked.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from foldcheck.errors import InputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def refuse_overwrite(paths: Iterable[Path], force: bool) -> None:
    if force:
        return
    existing = [path for path in paths if path.exists()]
    if existing:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise InputError(f"already exists{more}; pass --force to overwrite", existing[0])


class StagedFiles:
    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []

    def write(self, path: Path, payload: bytes) -> None:
        self.write_pieces(path, (payload,))

    def write_pieces(self, path: Path, pieces: Iterable[bytes | memoryview]) -> None:
        """Like ``write``, with the bytes streamed in pieces (a large export is never held
        in memory whole)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        self._staged.append((Path(tmp), path))
        # mkstemp makes the file private (0600); give it the mode a plain open() would, or the
        # replaced file's, so teammates on a shared server can still read what is written.
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
        with os.fdopen(fd, "wb", buffering=1 << 20) as handle:
            handle.writelines(pieces)

    def commit(self) -> list[Path]:
        # Renames cannot fail half-way for a reason we can foresee; check that one first.
        for _, path in self._staged:
            if path.is_dir():
                raise InputError("is a directory; cannot write a file there", path)
        for tmp, path in self._staged:
            os.replace(tmp, path)
        written = [path for _, path in self._staged]
        self._staged.clear()
        return written

    def discard(self) -> None:
        for tmp, _ in self._staged:
            tmp.unlink(missing_ok=True)
        self._staged.clear()


@contextmanager
def staged_files() -> Iterator[StagedFiles]:
    """Files written inside the block appear together at its end, or not at all."""
    staged = StagedFiles()
    try:
        yield staged
        staged.commit()
    finally:
        staged.discard()


def write_atomic(path: Path, payload: bytes) -> None:
    with staged_files() as staged:
        staged.write(path, payload)
