"""One writer per folder at a time: an exclusive ``flock`` on ``<folder>/.foldcheck.lock``.

The kernel drops a process's ``flock`` when it dies, so a lock file left by a ``kill -9`` is
stale by construction and the next run simply takes it; the pid written inside serves only
to name the holder when a second run is refused. The file is removed on release; taking a
lock checks that the file locked is still the one at the path (a releaser may have unlinked
it in between), so removal cannot let two holders in.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from foldcheck.errors import InputError
from foldcheck.io.critical import signals_held

LOCK_NAME = ".foldcheck.lock"


class FolderBusy(InputError):
    """Another live process holds the folder's lock."""

    def __init__(self, folder: Path, pid: str) -> None:
        who = f"foldcheck (pid {pid})" if pid else "another foldcheck"
        super().__init__(
            f"{who} is writing here right now; wait for it to finish, then run again", folder
        )
        self.pid = pid


class LockFailed(InputError):
    """The lock file could not be made (a read-only or unwritable folder)."""

    def __init__(self, folder: Path, reason: str) -> None:
        super().__init__(f"{reason} while locking the folder (nothing changed)", folder)
        self.reason = reason


def os_reason(exc: OSError) -> str:
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


class FolderLock:
    def __init__(self, folder: Path, shown: Path | None = None) -> None:
        self.folder = folder
        self.shown = shown or folder  # the folder as the user named it, for messages
        self.path = folder / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise FolderBusy; never waits."""
        with signals_held():  # so that a Ctrl-C cannot leave it taken but unrecorded
            self._fd = self._take()

    def _take(self) -> int:
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                raise LockFailed(self.shown, os_reason(exc)) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pid = os.read(fd, 32).decode("ascii", "replace").strip()
                os.close(fd)
                raise FolderBusy(self.shown, pid) from None
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # unlinked by its last holder while we waited: lock the new one
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        return fd

    def release(self) -> None:
        if self._fd is None:
            return
        with signals_held():
            with contextlib.suppress(OSError):
                os.unlink(self.path)  # while still held: see the module docstring
            os.close(self._fd)
            self._fd = None
