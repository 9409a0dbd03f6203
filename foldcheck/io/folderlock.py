"""One writer per folder at a time: an exclusive ``flock`` on ``<folder>/.foldcheck.lock``.

The kernel drops a process's ``flock`` when it dies, so a lock file left by a ``kill -9`` is
stale by construction and the next run simply takes it; the pid written inside serves only
to name the holder when a second run is refused. The file is removed on release; taking a
lock checks that the file locked is still the one at the path (a releaser may have unlinked
it in between), so removal cannot let two holders in.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
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


class LockRefused(LockFailed):
    """The lock path is something foldcheck must not open for writing or truncate: a link
    (it could point at any of the user's files), not a regular file, another user's file,
    or a file with other hard links."""

    def __init__(self, path: Path, what: str) -> None:
        InputError.__init__(
            self,
            f"is {what}; foldcheck never locks through it (nothing changed; if no foldcheck "
            "is running here, delete it)",
            path,
        )
        self.reason = f"{LOCK_NAME} is {what}"


def lock_holder(folder: Path) -> str | None:
    """The pid (possibly "") of the live process holding ``folder``'s lock, or None. Asks the
    kernel with a shared flock on an existing regular lock file, released at once; nothing
    is created, written or truncated."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(folder / LOCK_NAME, flags)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return os.read(fd, 32).decode("ascii", "replace").strip()
        return None
    finally:
        os.close(fd)  # drops the probe's shared lock


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
            fd = self._open()
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

    def _open(self) -> int:
        """The lock file, opened without following a link and refused (closed, untouched)
        unless it is a regular file of this user with no other name."""
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        shown = self.shown / LOCK_NAME
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise LockRefused(shown, "a symbolic link") from None
            raise LockFailed(self.shown, os_reason(exc)) from None
        info = os.fstat(fd)
        what = (
            "not a regular file" if not stat.S_ISREG(info.st_mode)
            else "another user's file" if info.st_uid != os.geteuid()
            else "a file with other hard links" if info.st_nlink != 1
            else ""
        )  # fmt: skip
        if what:
            os.close(fd)
            raise LockRefused(shown, what)
        return fd

    def release(self) -> None:
        if self._fd is None:
            return
        with signals_held():
            with contextlib.suppress(OSError):
                os.unlink(self.path)  # while still held: see the module docstring
            os.close(self._fd)
            self._fd = None
