"""A large JSON file as mapped text: its encoding checked, its syntax validated in one pass, and
the byte span of each top-level member's value, so readers can decode the parts they need.

The file is mapped (mmap), not read: the page cache holds it once and nothing copies it whole.
msgspec validates the syntax while skipping values (every member is kept as an undecoded
``Raw`` view into the map) but not the UTF-8 of the strings it skips, so that is checked here,
ASCII-only stretches at numpy speed. Syntax errors of files small enough to parse the ordinary
way are reported by ``jsonio.parse_json`` word for word; larger ones from msgspec's position.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import msgspec
import numpy as np

from foldcheck.errors import InputError
from foldcheck.io import jsonio
from foldcheck.io.excerpt import quoted
from foldcheck.io.readfile import open_regular

_CHECK_BYTES = 64 << 20  # encoding checked this much at a time
_ORDINARY_BELOW = 64 << 20  # smaller files' syntax errors come from jsonio, word for word
_BYTE_AT = re.compile(r"\(byte (\d+)\)")
_KEY = re.compile(rb'[ \t\r\n]*("(?:[^"\\]|\\.)*")[ \t\r\n]*:[ \t\r\n]*')
_TRAILING = re.compile(r"trailing characters \(byte (\d+)\)")
_SPACE = b" \t\r\n"


@dataclass(frozen=True)
class Member:
    key: str
    start: int  # byte offset where the value starts
    end: int  # just past its end


def map_file(path: Path) -> Any:
    """The file's bytes as a read-only map (``b""`` for an empty file). Only a regular file
    is opened for reading (``open_regular``): a FIFO would hang, a device never end."""
    fd, size = open_regular(path)
    try:
        return mmap.mmap(fd, size, access=mmap.ACCESS_READ) if size else b""
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None
    finally:
        os.close(fd)  # the map keeps its own reference


def release(text: Any, start: int, end: int) -> None:
    """Drop the mapped pages of ``text[start:end]`` from this process's memory: read once,
    they would otherwise count in its resident size until the end (the page cache keeps
    them, so a later read costs no disk access)."""
    if isinstance(text, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
        first = -(-start // mmap.PAGESIZE) * mmap.PAGESIZE
        last = end // mmap.PAGESIZE * mmap.PAGESIZE
        if last > first:
            text.madvise(mmap.MADV_DONTNEED, first, last - first)


def line_col(text: Any, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a byte offset of mapped text."""
    line_start = text.rfind(b"\n", 0, offset) + 1
    column = len(bytes(text[line_start:offset]).decode("utf-8", errors="replace")) + 1
    lines = np.count_nonzero(np.frombuffer(text, np.uint8, offset) == 10) if offset else 0
    return int(lines) + 1, column


class EncodingCheck:
    """Empty, byte-order mark, not UTF-8: each an InputError with its place; and the text's
    sha256, taken in the same pass, a block at a time ("" unless ``digest``). The blocks are
    read on a second thread, started at once, so that the caller decodes the text meanwhile:
    hashlib and numpy let go of the GIL over large buffers, so on two cores the sha256 (seconds
    on a 2 GB file) no longer adds to the read. ``result()`` waits for it. ``raise_found()`` is
    for the caller's error path: the text's encoding problem, if it has one, is the error to
    report (as when it was checked first), since a decoder may stumble on the same bytes."""

    def __init__(self, text: Any, path: Path, *, digest: bool = True) -> None:
        if not len(text) or not _has_content(text):
            raise InputError("empty file, expected a JSON document", path)
        if text[:3] == b"\xef\xbb\xbf":
            raise InputError(
                "starts with a UTF-8 byte-order mark; save the file without BOM",
                path,
                line=1,
                col=1,
            )
        self._text, self._path, self._digest = text, path, digest
        self._found: BaseException | None = None
        self._sha256 = ""
        self._thread: threading.Thread | None = threading.Thread(
            target=self._run, name="foldcheck-encoding", daemon=True
        )
        try:
            self._thread.start()
        except RuntimeError:  # no thread to spare (a process limit): the scan runs here, now
            self._thread = None
            self._run()

    def _wait(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def result(self) -> str:
        """The sha256 (hex; "" unless asked for), or the InputError of a bad encoding."""
        self._wait()
        if self._found is not None:
            raise self._found
        return self._sha256

    def raise_found(self) -> None:
        """The encoding's InputError if the text has one; the digest is no longer wanted."""
        self._digest = False
        self._wait()
        if isinstance(self._found, InputError):
            raise self._found

    def _run(self) -> None:
        try:
            self._sha256 = self._scan()
        except BaseException as found:  # handed to the caller's thread by result()
            self._found = found

    def _scan(self) -> str:
        text, start, sha256 = self._text, 0, hashlib.sha256()
        while start < len(text):
            stop = min(len(text), start + _CHECK_BYTES)
            block = np.frombuffer(text, np.uint8, stop - start, start)
            if block.max() >= 0x80:  # a reduction: faster than a comparison's temporary
                stop = _character_cut(text, stop)
                block = block[: stop - start]
                self._check_utf8(start, stop)
            if self._digest:
                sha256.update(block.data)
            del block
            release(text, start, stop)
            start = stop
        return sha256.hexdigest() if self._digest else ""

    def _check_utf8(self, start: int, stop: int) -> None:
        text = self._text
        try:
            bytes(text[start:stop]).decode("utf-8")
        except UnicodeDecodeError as bad:
            offset = start + bad.start
            line, col = line_col(text, offset)
            raise InputError(
                f"not valid UTF-8 (byte 0x{text[offset]:02x}); JSON must be UTF-8",
                self._path,
                line=line,
                col=col,
            ) from None


def _character_cut(text: Any, stop: int) -> int:
    """A block's end moved back to the start of the character the cut falls in, so the block
    holds whole characters. A character has at most three continuation bytes: where the cut
    falls among more, it stays (the block then ends in invalid bytes, or the next block
    starts with them, and either is the first error). Moving it further could move it
    before the block's start, and the scan would never end."""
    cut = stop
    while cut > stop - 4 and cut < len(text) and 0x80 <= text[cut] < 0xC0:
        cut -= 1
    return cut if cut > stop - 4 else stop


def _has_content(text: Any) -> bool:
    """Anything but white space (nearly always in the first few bytes)."""
    start, size = 0, 1 << 12
    while start < len(text):
        if bytes(text[start : start + size]).strip():
            return True
        start, size = start + size, min(size * 4, _CHECK_BYTES)
    return False


class NotAnObject(Exception):
    def __init__(self, value: Any) -> None:
        super().__init__(type(value).__name__)
        self.value = value


ArrayReader = Callable[[str, int], "int | None"]


def top_level_members(text: Any, path: Path, read_array: ArrayReader) -> list[Member]:
    """The members of the top-level object, in file order, walking it once: ``read_array`` is
    offered each array value (key, offset of its ``[``) and returns where the array ends if it
    read (and so validated) it, else None; every other value is validated here. A key written
    twice is an error; ``NotAnObject`` holds a top-level value of another kind."""
    position = _skip_space(text, 0)
    if text[position : position + 1] != b"{":
        try:
            value = msgspec.json.decode(text)
        except msgspec.DecodeError as error:
            raise _syntax_error(text, path, str(error)) from None
        raise NotAnObject(value)
    top, members, seen = position, [], set()
    position = _skip_space(text, position + 1)
    if text[position : position + 1] == b"}":
        position += 1
    while text[position - 1 : position] != b"}":
        key_match = _KEY.match(text, position)
        if key_match is None:
            _invalid(text, path)
        try:
            key = json.loads(key_match[1])
        except ValueError:
            _invalid(text, path)
        if key in seen:
            line, col = line_col(text, top)
            raise InputError(f"duplicate key {quoted(key)} in one object", path, line=line, col=col)
        seen.add(key)
        start = key_match.end()
        end = read_array(key, start) if text[start : start + 1] == b"[" else None
        if end is None:
            end = _value_end(text, start, path)
        members.append(Member(key, start, end))
        position = _skip_space(text, end)
        if text[position : position + 1] not in (b",", b"}"):
            _invalid(text, path)
        position += 1
    if _skip_space(text, position) != len(text):
        _invalid(text, path)
    return members


def _value_end(text: Any, start: int, path: Path) -> int:
    """Just past the JSON value at ``start`` (validated by decoding it as undecoded Raw)."""
    try:
        msgspec.json.decode(memoryview(text)[start:], type=msgspec.Raw)
    except msgspec.DecodeError as error:
        found = _TRAILING.search(str(error))
        if found is not None:  # msgspec counts from 1: the first trailing byte is N - 1
            end = start + int(found[1]) - 1
            while text[end - 1] in _SPACE:
                end -= 1
            return end
    _invalid(text, path)


def _invalid(text: Any, path: Path) -> NoReturn:
    """The text was found invalid part way: its first syntax error, as an InputError."""
    raise syntax_error(text, path)


def syntax_error(text: Any, path: Path) -> InputError:
    """The InputError for text found invalid part way (by a reader of one of its values):
    the whole text decoded the ordinary way, for its first syntax error."""
    try:
        msgspec.json.decode(text, type=msgspec.Raw)
    except msgspec.DecodeError as error:
        return _syntax_error(text, path, str(error))
    return InputError("invalid JSON", path)


def _skip_space(text: Any, position: int) -> int:
    while position < len(text) and text[position] in _SPACE:
        position += 1
    return position


def _syntax_error(text: Any, path: Path, message: str) -> InputError:
    if len(text) < _ORDINARY_BELOW:
        try:
            jsonio.parse_json(bytes(text), path)
        except InputError as error:
            return error
    at = _BYTE_AT.search(message)
    offset = int(at[1]) if at else len(text)
    if "truncated" in message or offset >= len(text):
        offset = len(bytes(text).rstrip()) if len(text) < _ORDINARY_BELOW else len(text)
        message = "unexpected end of file (truncated JSON?)"
    else:
        message = message.removeprefix("JSON is malformed: ")
        message = _BYTE_AT.sub("", message).strip()
        if text[offset : offset + 3] in (b"NaN", b"Inf") or text[offset : offset + 4] == b"-Inf":
            message = "NaN and Infinity are not valid JSON numbers"
    line, col = line_col(text, min(offset, len(text)))
    return InputError(f"invalid JSON: {message}", path, line=line, col=col)
