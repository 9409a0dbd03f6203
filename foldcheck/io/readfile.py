"""Reading an input file so that it cannot hang, exhaust memory or be something else.

The file is opened non-blocking (a FIFO would otherwise wait forever for a writer) and
refused unless it is a regular file, before a byte is read; then exactly its size is read,
in chunks, so a device or a file that keeps growing cannot be read "until memory runs out".
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from foldcheck.errors import InputError

MAX_INPUT_BYTES = 32 << 30  # far beyond any COCO file (LVIS is ~1 GB); refused before reading
_CHUNK = 1 << 30  # one read per file up to this: no second copy of a COCO file in memory

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def not_regular(mode: int) -> str | None:
    """What a non-regular file is, for the message; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def open_regular(path: Path, expected: str = "a JSON file") -> tuple[int, int]:
    """An open descriptor of ``path`` and its size, or an InputError if it is missing, not a
    regular file or implausibly large; nothing has been read yet. The caller closes it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None
    try:
        info = os.fstat(fd)
        kind = not_regular(info.st_mode)
        if kind is not None:
            raise InputError(f"is {kind}, expected {expected}", path)
        if info.st_size > MAX_INPUT_BYTES:
            raise InputError(
                f"is {info.st_size / 2**30:.1f} GiB, larger than foldcheck reads "
                f"({MAX_INPUT_BYTES >> 30} GiB)",
                path,
            )
    except BaseException:
        os.close(fd)
        raise
    return fd, info.st_size


def read_regular(path: Path, expected: str = "a JSON file") -> bytes:
    """The whole content of a regular file, read as ``open_regular`` allows."""
    fd, size = open_regular(path, expected)
    try:
        return _read_exactly(fd, size, path)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None
    finally:
        os.close(fd)


def _read_exactly(fd: int, size: int, path: Path) -> bytes:
    if size <= _CHUNK:
        first = os.read(fd, size)
        if len(first) == size and not os.read(fd, 1):
            return first  # the common case: one allocation, as Path.read_bytes makes
        os.lseek(fd, 0, os.SEEK_SET)
    chunks: list[bytes] = []
    left = size
    while left > 0:
        chunk = os.read(fd, min(left, _CHUNK))
        if not chunk:
            raise InputError("changed while being read (it got shorter)", path)
        chunks.append(chunk)
        left -= len(chunk)
    if os.read(fd, 1):
        raise InputError("changed while being read (it got longer)", path)
    return b"".join(chunks)


def same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)
