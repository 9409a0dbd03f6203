"""The commit record of a set of files, and the steps after it that recovery can redo.

Inside ``<root>/.foldcheck-staging/`` a writer puts every new file in full (fsynced), then
``journal.json``: the target and staged name and size of each file, and the files of the
previous set to delete. Renaming the journal into place is the commit point. After it,
``finish`` renames the staged files over their targets, deletes the old ones, fsyncs the
folders and removes the journal and the staging folder; every step can be redone, so a run
killed half-way is finished by the next one (``recover``). A staging folder without a
journal was never committed: the old set still stands, and it is simply deleted.

Sizes, not hashes: the staged files are fsynced before the journal exists, so a journal on
disk means complete files; hashing gigabytes of COCO exports would buy nothing more.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from foldcheck.errors import InputError
from foldcheck.io.critical import signals_held
from foldcheck.io.folderlock import LOCK_NAME, FolderBusy, FolderLock, LockFailed, os_reason
from foldcheck.io.jsonio import dumps, parse_json
from foldcheck.io.readfile import read_regular

STAGING_NAME = ".foldcheck-staging"
JOURNAL_NAME = "journal.json"
_VERSION = 1


class Staged(NamedTuple):
    target: Path
    staged: Path
    size: int


@dataclass(frozen=True)
class Pending:
    """A committed write that is not finished: what its journal says, nothing acted on."""

    root: Path
    pid: int
    targets: tuple[Path, ...]
    in_place: int  # targets already renamed into place
    busy: bool = False  # its writer is still running (it holds the lock)
    reason: str = ""  # why a reader could not finish it

    def describe(self) -> str:
        files = f"{self.in_place} of {len(self.targets)} files in place"
        if self.busy:
            return (
                f"foldcheck (pid {self.pid}) is writing this fold set right now ({files}); "
                "try again when it has finished"
            )
        return (
            f"a write by foldcheck (pid {self.pid}) was interrupted and left this fold set "
            f"incomplete ({files}), and it could not be finished here: {self.reason}"
        )


def write_journal(root: Path, files: list[Staged], remove: list[Path]) -> None:
    """Record the commit, durably; when this returns the set counts as written."""
    staging = root / STAGING_NAME
    record = {
        "foldcheck_commit": _VERSION,
        "pid": os.getpid(),
        "files": [[f.target.relative_to(root).as_posix(), f.staged.name, f.size] for f in files],
        "remove": [path.relative_to(root).as_posix() for path in remove],
    }
    temporary = staging / f".{JOURNAL_NAME}.tmp"
    write_synced(temporary, (dumps(record),))
    os.replace(temporary, staging / JOURNAL_NAME)
    fsync_dir(staging)


def finish(root: Path, files: Iterable[Staged], remove: Iterable[Path]) -> None:
    """Everything after the commit point; safe to run again after any interruption."""
    staging = root / STAGING_NAME
    folders = {root}
    for file in files:
        if os.path.lexists(file.staged):
            os.replace(file.staged, file.target)
        folders.add(file.target.parent)
    for path in remove:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        folders.add(path.parent)
    for folder in sorted(folders):
        fsync_dir(folder)
    os.unlink(staging / JOURNAL_NAME)
    remove_staging(root)


def committed(root: Path) -> bool:
    return (root / STAGING_NAME / JOURNAL_NAME).exists()


def pending(root: Path) -> Pending | None:
    """The committed but unfinished write in ``root``, if any (nothing is changed)."""
    record = _read(root)
    if record is None:
        return None
    files, _ = _entries(root, record)
    in_place = sum(not os.path.lexists(f.staged) for f in files)
    return Pending(root, int(record["pid"]), tuple(f.target for f in files), in_place)


def recover(root: Path) -> list[Path]:
    """Finish a committed write in ``root``, or delete an uncommitted one's staging folder.
    The caller holds the folder's lock. Returns the targets put in place now."""
    if not os.path.lexists(root / STAGING_NAME):
        return []
    record = _read(root)
    if record is None:
        remove_staging(root)
        return []
    files, remove = _entries(root, record)
    for file in files:
        if os.path.lexists(file.staged) and os.lstat(file.staged).st_size != file.size:
            raise InputError(
                f"{file.staged.name} in {STAGING_NAME} is not the size its journal says; "
                f"delete the folder's {STAGING_NAME} to give up the interrupted write",
                file.target,
            )
    with signals_held():
        finish(root, files, remove)
    return [file.target for file in files]


def settle(root: Path) -> Pending | None:
    """For readers: finish an interrupted write in ``root`` unless another run is writing
    there or the folder cannot be written; then describe it instead. None when the files
    in ``root`` are a whole set (also when an uncommitted write, which changed nothing, or a
    lock file of a killed run was cleared)."""
    if not os.path.lexists(root / STAGING_NAME) and not os.path.lexists(root / LOCK_NAME):
        return None  # the common case: nothing to look at, nothing written
    lock = FolderLock(root)
    try:
        lock.acquire()
    except FolderBusy:  # its writer is alive and will finish
        found = pending(root)
        return None if found is None else dataclasses.replace(found, busy=True)
    except LockFailed as exc:  # a read-only folder, say
        return _unfinished(root, exc.reason)
    try:
        recover(root)
    except OSError as exc:
        return _unfinished(root, os_reason(exc))
    except InputError as exc:  # a damaged staging folder: the message says what to do
        found = pending(root)
        return None if found is None else dataclasses.replace(found, reason=exc.message)
    finally:
        lock.release()
    return None


def _unfinished(root: Path, why: str) -> Pending | None:
    found = pending(root)
    hint = "; run any foldcheck command on it where the folder is writable"
    return None if found is None else dataclasses.replace(found, reason=why + hint)


def _read(root: Path) -> dict[str, Any] | None:
    path = root / STAGING_NAME / JOURNAL_NAME
    if not path.exists():
        return None
    record = parse_json(read_regular(path), path)
    if not isinstance(record, dict) or record.get("foldcheck_commit") != _VERSION:
        raise InputError(f"not a foldcheck commit journal; delete {path.parent}", path)
    return record


def _entries(root: Path, record: dict[str, Any]) -> tuple[list[Staged], list[Path]]:
    staging = root / STAGING_NAME
    try:
        files = [Staged(root / t, staging / s, int(n)) for t, s, n in record["files"]]
        remove = [root / name for name in record["remove"]]
    except (KeyError, TypeError, ValueError):
        raise InputError(
            f"damaged foldcheck commit journal; delete {staging}", staging / JOURNAL_NAME
        ) from None
    return files, remove


# --- durable file-system steps ----------------------------------------------------------


def write_synced(path: Path, pieces: Iterable[bytes | memoryview], mode: int | None = None) -> int:
    """Create ``path`` (which must not exist) from ``pieces`` (streamed, so a large export
    is never whole in memory), flushed to the disk; with the permissions of a plain
    ``open()``, or exactly ``mode``. Returns the size written."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    with os.fdopen(fd, "wb", buffering=1 << 20) as handle:
        if mode is not None:
            os.fchmod(fd, mode)
        size = 0
        for piece in pieces:
            size += handle.write(piece)
        handle.flush()
        os.fsync(fd)
    return size


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_staging(root: Path) -> None:
    staging = root / STAGING_NAME
    if os.path.lexists(staging):
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            fsync_dir(root)
