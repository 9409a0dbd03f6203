"""One array of COCO records (``images``, ``annotations``), decoded a run of records at a time
into typed objects that hold only the fields asked for.

msgspec's typed decoding skips every other field in C, polygons included, so no Python object
is made for them; a run is a few MB of text, so its transient objects stay few. A run ends at a
``}`` followed by ``,`` and ``{``; should that guess fall inside a string or a nested list,
the run does not parse and is extended to the next guess.

msgspec keeps the last of duplicate keys, so each run is checked for them. The fast gate: when
every record of the run has the keys of the array's first record (decoded against a type that
declares all of them, required, and forbids any other but the wanted fields the first record
lacks, which may or may not be there), the run has no backslash, and
it holds as many ``":`` key ends as records times keys, then no key can repeat (every key ends
in ``":`` unless written with white space before its colon, which a count of colons rules
out). The values of ``NESTED`` keys (COCO's RLE segmentations are objects) are decoded one
level deep, an object into a dict, which keeps one of repeated keys: their keys join the count,
so a repeat inside them (or any object further down) misses it too. Runs that miss the gate get
the exact structural scan of ``foldcheck.io.structure``.

A run whose values do not fit the types (a string id, an id beyond 64 bits, a record that is
not an object) comes without records, for the caller to read its text the slow way (and to
report the culprit); its keys are checked all the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence, Set
from dataclasses import dataclass
from itertools import compress, repeat
from operator import attrgetter, is_
from typing import Any

import msgspec
import numpy as np

from foldcheck.io.jsontext import release
from foldcheck.io.structure import scan_records

RUN_BYTES = 4 << 20
_BOUNDARY = re.compile(rb"\}[ \t\r\n]*,[ \t\r\n]*\{")
_SPACED_KEY_END = re.compile(rb'"[ \t\r\n]+:')
_SPACE = b" \t\r\n"
_TRAILING = re.compile(r"trailing characters \(byte (\d+)\)")
_UNRENAMEABLE = re.compile(r'["\\\x00-\x1f]')
# The first byte of a JSON number, boolean or null.
_SCALAR_STARTS = frozenset(bytes([c]) for c in b"-0123456789tfn")
# Keys whose value may be an object (RLE segmentations), and the type that counts its keys.
NESTED = ("segmentation",)
NESTED_TYPE = list[msgspec.Raw] | dict[str, msgspec.Raw] | None


@dataclass(frozen=True)
class Field:
    name: str
    type: Any
    default: Any = msgspec.NODEFAULT  # NODEFAULT: the field is required


@dataclass(frozen=True)
class Run:
    first: int  # index in the array of the run's first record
    start: int  # byte offset of the run's first "{" in the file
    end: int  # byte offset just past its last "}"
    records: list[Any] | None  # typed records; None: they do not fit the types
    text: bytearray  # "[" + the run's records + "]", for the slow way when ``records`` is None


class DuplicateKey(Exception):
    def __init__(self, offset: int, key: str) -> None:
        super().__init__(key)
        self.offset, self.key = offset, key


def record_type(
    name: str, fields: Sequence[Field], learned: Sequence[str] = (), scalars: Set[str] = frozenset()
) -> Any:
    """A Struct with ``fields``; with ``learned`` keys, every one is required, the rest of them
    kept undecoded (``Raw``) but ``scalars`` (decoded as they come: see ``_unwanted_type``),
    wanted fields missing from them optional, and any other key is refused."""
    wanted = {f.name: f for f in fields}
    if learned:
        if any(f.default is msgspec.NODEFAULT and f.name not in learned for f in fields):
            return None  # a required field is missing from the first record: no strict type
        # A key of the file is any string ("date-captured", "", "__dict__"): the fields it
        # does not want get attribute names of their own, renamed to the key in the JSON.
        # msgspec renames to no key holding a quote, a backslash or a control character:
        # such a first record gets no strict type (the lenient one reads any key).
        if any(_UNRENAMEABLE.search(key) for key in learned):
            return None
        rename = {
            f"_unwanted_{i}": key
            for i, key in enumerate(learned)
            if key not in wanted and key not in NESTED
        }
        attribute = {key: name for name, key in rename.items()}
        specs: list[Any] = [
            (
                attribute.get(key, key),
                wanted[key].type if key in wanted else _unwanted_type(key, key in scalars),
            )
            for key in learned
        ]
        specs += [(f.name, f.type, f.default) for f in fields if f.name not in learned]
        return msgspec.defstruct(
            name, specs, gc=False, forbid_unknown_fields=True, rename=rename or None
        )
    specs = [
        (f.name, f.type) if f.default is msgspec.NODEFAULT else (f.name, f.type, f.default)
        for f in sorted(fields, key=lambda f: f.default is not msgspec.NODEFAULT)
    ]
    return msgspec.defstruct(name, specs, gc=False)


def _unwanted_type(key: str, scalar: bool) -> Any:
    """The type a key nobody reads is decoded as: it must be there, its value is skipped.
    ``Raw`` makes an object of every value; a key whose value was a number, a boolean or null
    in the first record (COCO's ``iscrowd``) is decoded as any value instead, which makes
    none for null, booleans and small integers (Python's shared objects): at Open Images
    size, 16 million objects fewer to make and free. A later record holding something else
    there is decoded all the same."""
    if key in NESTED:
        return NESTED_TYPE
    return Any if scalar else msgspec.Raw


Decoder = msgspec.json.Decoder[list[Any]]
Strict = tuple[Decoder, tuple[str, ...]]  # see _strict_decoder


class ArrayRuns:
    """The runs of the array whose ``[`` is at ``start``; once iterated, ``end`` is the offset
    just past its ``]``. Where the array ends is found by the decoder: the run that reaches
    past it parses up to that ``]`` and stops at what follows ("trailing characters").

    A part of the array: ``resume`` (offset, index) starts at a record other than the first
    (the records before it read elsewhere; the keys are still the first record's); with
    ``stop_at``, a guess of a record's end (just past its ``}``), the run reaching past it
    ends there, and the iteration after it, ``rest`` then the next record's offset and index
    (a ``resume`` for the rest). A guess that proves wrong (inside a string: the run must
    reach past it to parse) is forgotten, and the runs go on to the array's end."""

    def __init__(
        self,
        text: Any,
        start: int,
        fields: Sequence[Field],
        name: str,
        *,
        resume: tuple[int, int] | None = None,
        stop_at: int = -1,
    ) -> None:
        self.text, self.start, self.fields, self.name = text, start, fields, name
        self.resume, self.stop_at = resume, stop_at
        self.end = -1
        self.rest: tuple[int, int] | None = None

    def __iter__(self) -> Iterator[Run]:
        text = self.text
        position = _skip_space(text, self.start + 1)
        if text[position : position + 1] == b"]":
            self.end = position + 1
            return
        lenient: Decoder = msgspec.json.Decoder(list[record_type(self.name, self.fields)])  # type: ignore[misc]
        strict = _strict_decoder(text, position, self.fields, self.name)
        position, first = self.resume or (position, 0)
        while True:
            piece, records, fits_first, closed = self._next_run(position, strict, lenient)
            run_end = position + len(piece) - 2
            keys = strict[1] if strict and fits_first else None
            if keys is None or _may_repeat_keys(piece, records or [], keys):
                found = scan_records(memoryview(piece)[1:-1])
                if found.duplicate_at >= 0:
                    raise DuplicateKey(position + found.duplicate_at, found.duplicate_key)
            release(text, position, run_end)
            yield Run(first, position, run_end, records, piece)
            first += len(records) if records is not None else _count_records(piece)
            if closed:
                self.end = run_end + 1
                return
            position = record_after(text, run_end)
            if run_end == self.stop_at:
                self.rest = position, first
                return

    def _next_run(
        self, position: int, strict: Strict | None, lenient: Decoder
    ) -> tuple[bytearray, list[Any] | None, bool, bool]:
        """The run at ``position``: its text, records, whether they have the first record's
        keys, and whether the array closes in it."""
        text = self.text
        run_end = _run_end(text, position)
        if position < self.stop_at < run_end:
            run_end = self.stop_at
        while True:
            piece = _piece(text, position, run_end)
            try:
                records, fits_first = _decode(piece, strict, lenient)
            except msgspec.DecodeError as error:
                closing = _closing_bracket(piece, str(error))
                if closing is not None:  # the array ends in this run
                    piece = piece[: closing + 1]
                    return (piece, *_decode(piece, strict, lenient), True)
                if run_end >= len(text):
                    raise
                run_end = _run_end(text, run_end)  # a guess inside a string or nested list
                continue
            if run_end >= len(text):  # parsed to the end of the text: it ended in the array
                raise msgspec.DecodeError("Input data was truncated")
            return piece, records, fits_first, False


def _piece(text: Any, start: int, end: int) -> bytearray:
    """``[`` + the text of the run + ``]``, in one copy. (Not ``bytearray(size)`` filled
    in: that zeroes every byte first, and its fresh block costs page faults each run: over a
    2 GB file, 1.5 s of CPU more.)"""
    return bytearray().join((b"[", memoryview(text)[start:end], b"]"))


def _closing_bracket(piece: bytearray, message: str) -> int | None:
    """Where the array closed, when the decoder stopped at what follows it."""
    found = _TRAILING.search(message)
    if found is None:
        return None
    index = int(found[1]) - 2  # msgspec counts from 1; the byte before the first trailing one
    while index > 0 and piece[index] in _SPACE:
        index -= 1
    return index if piece[index] == 0x5D else None


def _decode(
    piece: bytearray, strict: Strict | None, lenient: Decoder
) -> tuple[list[Any] | None, bool]:
    """Typed records (None if the values do not fit the types), and whether every record has
    the first record's keys (and, of other keys, only wanted fields)."""
    if strict is not None:
        try:
            return strict[0].decode(piece), True
        except msgspec.ValidationError:
            pass
    try:
        return lenient.decode(piece), False
    except msgspec.ValidationError:
        msgspec.json.decode(piece, type=list[msgspec.Raw])  # syntax errors, if any, first
        return None, False


def _count_records(piece: bytearray) -> int:
    return len(msgspec.json.decode(piece, type=list[msgspec.Raw]))


def _may_repeat_keys(piece: bytearray, records: list[Any], keys: tuple[str, ...]) -> bool:
    """False when the run cannot repeat a key. Its records each hold the first record's
    ``keys`` (and may hold wanted fields besides), the objects in their NESTED values at least
    as many keys as their dicts: if the text holds no more keys than that, none repeats.
    Every key has a colon after it, so as many colons as keys settle it; else (colons in
    strings) as many key ends ``":``, when no key has white space before its colon and no
    string holds an escaped quote."""
    n_keys = len(keys)
    nested = [key for key in NESTED if key in keys]
    expected = len(records) * n_keys + _nested_keys(records, nested)
    if not n_keys or _count_colons(piece) == expected:
        return not n_keys
    if b"\\" in piece or piece.count(b'":') != expected:
        return True
    return _SPACED_KEY_END.search(piece) is not None


def _count_colons(piece: bytearray) -> int:
    """``piece.count(b":")`` at numpy's speed (bytes.count goes a byte at a time: seconds
    over a 2 GB file)."""
    return int(np.count_nonzero(np.frombuffer(piece, np.uint8) == ord(":")))


def _nested_keys(records: list[Any], nested: Sequence[str]) -> int:
    """Keys of the objects held by the records' ``nested`` values (as decoded: distinct)."""
    total = 0
    for key in nested:
        values = list(map(attrgetter(key), records))
        dicts = compress(values, map(is_, map(type, values), repeat(dict)))  # C-level
        total += sum(map(len, dicts))
    return total


def _strict_decoder(text: Any, position: int, fields: Sequence[Field], name: str) -> Strict | None:
    """A decoder requiring the keys of the first record (and refusing any other but wanted
    fields), and those keys; None if it cannot be had."""
    boundary = _BOUNDARY.search(text, position, position + RUN_BYTES)
    if boundary is None:
        return None
    first_end = boundary.start() + 1
    try:
        keys = msgspec.json.decode(bytes(text[position:first_end]), type=dict[str, msgspec.Raw])
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    scalars = {key for key, value in keys.items() if bytes(value)[:1] in _SCALAR_STARTS}
    struct = record_type(f"{name}_strict", fields, tuple(keys), scalars)
    if struct is None:
        return None
    return msgspec.json.Decoder(list[struct]), tuple(keys)  # type: ignore[valid-type]


def boundary_after(text: Any, position: int) -> int | None:
    """Just past the ``}`` of the first guess of a boundary between records at or after
    ``position``; None if there is none."""
    boundary = _BOUNDARY.search(text, position)
    return None if boundary is None else boundary.start() + 1


def record_after(text: Any, end: int) -> int:
    """Where the record after the one ending at ``end`` starts (past the ``,``)."""
    return _skip_space(text, _skip_space(text, end) + 1)


def _run_end(text: Any, position: int) -> int:
    """Just past the ``}`` of the first boundary guess RUN_BYTES on; the text's end if none."""
    end = boundary_after(text, position + RUN_BYTES)
    return len(text) if end is None else end


def _skip_space(text: Any, position: int) -> int:
    while position < len(text) and text[position] in _SPACE:
        position += 1
    return position
