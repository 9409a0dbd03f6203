"""Width and height of an image from its header alone (no decoding, no Pillow).

JPEG, PNG, GIF, BMP and WebP; anything else (or a damaged header) gives None. Box areas only
need the product, so an EXIF rotation, which swaps the two, changes nothing.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import BinaryIO

from foldcheck.errors import InputError
from foldcheck.io.readfile import not_regular

_HEAD = 64 * 1024  # a JPEG's frame header follows its EXIF/ICC blocks, usually well inside
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def image_size(path: str | Path) -> tuple[int, int] | None:
    """None for a file that cannot be opened or read; an InputError for one that is not a
    regular file (opened non-blocking and checked first, as every input is: a FIFO would
    otherwise hang the read)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        kind = not_regular(os.fstat(fd).st_mode)
    except OSError:
        os.close(fd)
        return None
    if kind is not None:
        os.close(fd)
        raise InputError(f"is {kind}, expected an image file", Path(path))
    try:
        with os.fdopen(fd, "rb") as handle:
            head = handle.read(32)
            if head[:2] == b"\xff\xd8":
                return _jpeg(handle)
    except OSError:
        return None
    return _other(head)


def _other(head: bytes) -> tuple[int, int] | None:
    if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
        return _positive(*struct.unpack(">II", head[16:24]))
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return _positive(*struct.unpack("<HH", head[6:10]))
    if head[:2] == b"BM" and len(head) >= 26:
        width, height = struct.unpack("<ii", head[18:26])
        return _positive(width, abs(height))
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _webp(head)
    return None


def _jpeg(handle: BinaryIO) -> tuple[int, int] | None:
    read = handle.read
    handle.seek(2)
    data = read(_HEAD)
    at = 0
    while True:
        while at + 1 < len(data) and not (data[at] == 0xFF and data[at + 1] not in (0x00, 0xFF)):
            at += 1
        if at + 9 > len(data):
            more = read(_HEAD)
            if not more:
                return None
            data, at = data[at:] + more, 0
            continue
        marker = data[at + 1]
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return _positive(width, height)
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length field
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        at += 2 + length
        while at > len(data):
            more = read(_HEAD)
            if not more:
                return None
            data, at = data + more, at


def _webp(head: bytes) -> tuple[int, int] | None:
    kind = head[12:16]
    if kind == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", head[26:30])
        return _positive(width & 0x3FFF, height & 0x3FFF)
    if kind == b"VP8L" and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return _positive((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if kind == b"VP8X":
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return _positive(width, height)
    return None


def _positive(width: int, height: int) -> tuple[int, int] | None:
    return (width, height) if width > 0 and height > 0 else None
