"""Strict, fast JSON reading.

orjson parses COCO-size files 3-4x faster than the standard library when the cyclic garbage
collector is paused (it otherwise rescans millions of fresh containers during the parse).
orjson silently keeps the last of duplicate keys, so a cheap exact gate decides when the slow
duplicate-aware parse is needed: every key in the text ends in ``":`` (or ``" :``), and no
parse can produce more keys than the text holds, so when the parsed tree holds as many keys
as the text has such markers there cannot be a duplicate.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import orjson

from foldcheck.errors import InputError
from foldcheck.io.excerpt import quoted
from foldcheck.io.gcpause import gc_paused
from foldcheck.io.locate import byte_line_col
from foldcheck.io.nesting import nesting_error
from foldcheck.io.readfile import read_regular

_SPACED_KEY_END = re.compile(rb'"[ \t\r\n]+:')
_PIECEWISE_ABOVE = 64 << 20  # bytes
_PIECE_SIZE = 8 << 20
_ANNOTATIONS_ARRAY = re.compile(rb'"annotations"[ \t\r\n]*:[ \t\r\n]*\[')
_RECORD_BOUNDARY = re.compile(rb"\}[ \t\r\n]*,[ \t\r\n]*\{")


def read_bytes(path: Path) -> bytes:
    """A user-named file's bytes, refused before any read unless it is a regular file (a
    FIFO would hang, /dev/zero fill memory)."""
    return read_regular(path)


def parse_json(raw: bytes, path: Path) -> Any:
    """Parse JSON text strictly; every failure is an InputError naming the line and column."""
    if not raw or raw.isspace():  # strip() would copy the whole text first
        raise InputError("empty file, expected a JSON document", path)
    if raw.startswith(b"\xef\xbb\xbf"):
        raise InputError(
            "starts with a UTF-8 byte-order mark; save the file without BOM", path, line=1, col=1
        )
    try:
        with gc_paused():
            data = _parse_in_pieces(raw) if len(raw) > _PIECEWISE_ABOVE else None
            if data is None:
                data = orjson.loads(raw)
        if not _keys_all_distinct(raw, data):
            _reject_duplicate_keys(raw, path)
    except orjson.JSONDecodeError as exc:
        if exc.msg.startswith("recursion limit"):
            raise nesting_error(raw, path) from None
        raise _decode_error(raw, path, exc.msg, exc.pos) from None
    except RecursionError:
        raise nesting_error(raw, path) from None
    return data


def _parse_in_pieces(raw: bytes) -> Any:
    """Parse a large COCO document with its "annotations" array in runs of whole records.

    orjson builds a tree of the whole text before it makes Python objects; on LVIS-size files
    that tree is ~500 MB on top of the result. Parsed a run at a time, it never outgrows a run.
    A run ends at a ``}`` followed by ``,`` and ``{``. Should that guess fall inside a string,
    a nested list or past the array's end, the run does not parse and the rest of the document
    is parsed in one piece; None (parse the text whole) only when that fails too.
    """
    array = _ANNOTATIONS_ARRAY.search(raw)
    if array is None:
        return None
    records: list[Any] = []
    start = array.end()
    while boundary := _RECORD_BOUNDARY.search(raw, start + _PIECE_SIZE):
        try:
            records += orjson.loads(b"[" + raw[start : boundary.start() + 1] + b"]")
        except orjson.JSONDecodeError:
            break
        start = boundary.end() - 1
    try:
        document = orjson.loads(raw[: array.end()] + raw[start:])
    except orjson.JSONDecodeError:
        return None
    if not isinstance(document, dict) or not isinstance(document.get("annotations"), list):
        return None
    document["annotations"] = records + document["annotations"]
    return document


def read_json(path: Path) -> tuple[Any, bytes]:
    """The parsed document and the raw bytes it came from (for hashing and locating)."""
    raw = read_bytes(path)
    return parse_json(raw, path), raw


def _decode_error(raw: bytes, path: Path, message: str, pos: int) -> InputError:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        line, col = byte_line_col(raw, bad.start)
        return InputError(
            f"not valid UTF-8 (byte 0x{raw[bad.start]:02x}); JSON must be UTF-8",
            path,
            line=line,
            col=col,
        )
    pos = min(pos, len(raw))
    if raw.startswith(b"Infinity", pos) and raw[pos - 1 : pos] == b"-":
        pos -= 1  # point at the sign, where the bad token starts
    if raw.startswith((b"NaN", b"Infinity", b"-Infinity"), pos):
        message = "NaN and Infinity are not valid JSON numbers"
    elif pos >= len(raw.rstrip()):
        message = "unexpected end of file (truncated JSON?)"
    line, col = byte_line_col(raw, pos)
    return InputError(f"invalid JSON: {message}", path, line=line, col=col)


def _keys_all_distinct(raw: bytes, data: Any) -> bool:
    """True when the text cannot hold more keys than the parse kept. Every key is followed,
    after optional white space, by a colon: first the cheapest bound (all colons), then the
    exact count of quote-colon markers (strings holding such text only make it larger)."""
    kept = _parsed_key_count(data, deep=False)
    if raw.count(b":") == kept:
        return True
    markers = raw.count(b'":') + len(_SPACED_KEY_END.findall(raw))
    return markers in (kept, _parsed_key_count(data, deep=True))


def _parsed_key_count(node: Any, *, deep: bool) -> int:
    """Keys in the objects of the tree. Lists of records are summed at C speed; objects nested
    inside records (RLE masks, attributes) are walked only when ``deep``."""
    if isinstance(node, dict):
        return len(node) + sum(
            _parsed_key_count(v, deep=deep) for v in node.values() if isinstance(v, (dict, list))
        )
    if not isinstance(node, list) or not node or not isinstance(node[0], (dict, list)):
        return 0
    if all(type(item) is dict for item in node):
        keys = sum(map(len, node))
        if deep:
            keys += sum(
                _parsed_key_count(value, deep=True)
                for item in node
                for value in item.values()
                if isinstance(value, (dict, list))
            )
        return keys
    return sum(_parsed_key_count(item, deep=deep) for item in node)


def _reject_duplicate_keys(raw: bytes, path: Path) -> None:
    """Exact check (slow, rare): strings holding ``":`` also trip the cheap gate."""

    class DuplicateKey(Exception):
        pass

    def unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            raise DuplicateKey
        return obj

    try:
        with gc_paused():
            json.loads(raw, object_pairs_hook=unique_pairs)
    except DuplicateKey:
        key, offset = locate_duplicate_key(raw) or ("?", 0)
        line, col = byte_line_col(raw, offset)
        raise InputError(
            f"duplicate key {quoted(key)} in one object", path, line=line, col=col
        ) from None


def locate_duplicate_key(raw: bytes) -> tuple[str, int] | None:
    """The first repeated key and the byte offset of the object holding it, found with the
    pure-Python scanner, which knows positions; None when no object repeats a key."""
    text = raw.decode("utf-8")
    found: list[tuple[str, int]] = []
    original = json.decoder.JSONObject  # type: ignore[attr-defined]  # private, but stable

    def checking_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        pairs, end = original(s_and_end, *args[:2], None, list, *args[4:])
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen and not found:
                s, start = s_and_end
                found.append((key, len(s[:start].encode("utf-8")) - 1))
            seen.add(key)
        return dict(pairs), end

    decoder = json.JSONDecoder()
    decoder.parse_object = checking_object  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    decoder.decode(text)
    return found[0] if found else None


def dumps(data: Any) -> bytes:
    """Compact, deterministic JSON (orjson keeps key order; floats round-trip exactly)."""
    return orjson.dumps(data)
