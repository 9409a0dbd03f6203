"""The number reader (``foldcheck.io.numbers``): the compiled and the msgspec ways give the
very doubles ``json.loads`` gives, and refuse the same texts."""

from __future__ import annotations

import json
import math
import shutil
import sysconfig
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foldcheck.io import numbers
from foldcheck.io.numbers import FillArrays, fill_arrays_python

WAYS: list[FillArrays] = [fill_arrays_python]
if numbers.fill_arrays_compiled is not None:
    WAYS.append(numbers.fill_arrays_compiled)

# JSON numbers of every shape: short decimals (the exact path), long ones, exponents, zeros.
NUMBER = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(json.dumps),
    st.integers(-(10**30), 10**30).map(str),
    st.from_regex(r"-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,24})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
    st.sampled_from(["0", "-0", "-0.0", "0e0", "-0E-0", "1e22", "1e23", "9007199254740993"]),
)
SPACE = st.sampled_from(["", " ", "\n", "\t ", "\r\n  "])


def _expected(texts: list[bytes]) -> tuple[list[int], np.ndarray] | None:
    """What json.loads reads: each array's length, and its numbers as floats one array after
    another; None unless every text is a JSON array of finite numbers."""
    rows = []
    for text in texts:
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None
        if type(value) is not list:
            return None
        if not all(type(v) in (int, float) for v in value):
            return None
        try:
            row = [float(v) for v in value]
        except OverflowError:  # an integer beyond any double
            return None
        if not all(math.isfinite(v) for v in row):
            return None
        rows.append(row)
    return [len(row) for row in rows], np.array([v for row in rows for v in row], np.float64)


def _read(way: FillArrays, texts: list[Any], room: int = 64) -> tuple[list[int], np.ndarray] | None:
    lengths, values = np.full(len(texts), -1, np.int64), np.full(room, -1.0)
    total = way(texts, lengths, values, None)
    return None if total < 0 else (lengths.tolist(), values[:total])


def _assert_same(got: Any, expected: Any) -> None:
    if expected is None:
        assert got is None
    else:  # bit for bit: -0.0 is not 0.0
        assert got is not None and got[0] == expected[0]
        assert got[1].view(np.uint64).tolist() == expected[1].view(np.uint64).tolist()


@st.composite
def arrays(draw: st.DrawFn) -> bytes:
    numbers_ = draw(st.lists(NUMBER, max_size=6))
    spaces = draw(st.lists(SPACE, min_size=14, max_size=14))
    parts = [spaces[0], "[", spaces[1]]
    for i, number in enumerate(numbers_):
        parts += [
            spaces[2 * i + 2],
            number,
            spaces[2 * i + 3],
            "," if i < len(numbers_) - 1 else "",
        ]
    return ("".join(parts) + "]").strip().encode()


@pytest.mark.parametrize("way", WAYS)
@settings(deadline=None)  # a shared 2-core machine: no time limit per example
@given(texts=st.lists(arrays(), max_size=6))
def test_numbers_are_the_doubles_json_loads_gives(way: FillArrays, texts: list[bytes]) -> None:
    _assert_same(_read(way, texts), _expected(texts))


# Where the exact path ends (2**53, 10**22, 19 digits) and the doubles' own ends.
EDGES = [
    "9007199254740992",
    "9007199254740993",
    "9007199254740993.0",
    "1e22",
    "1e23",
    "1e-22",
    "1e-23",
    "1234567890123456789",
    "12345678901234567890",
    "18446744073709551616",  # 2**64: a 64-bit mantissa would wrap to 0
    "1844674407370955161.7",  # and this one to 1
    "0.1234567890123456789",
    "0.00000000000000000000000000001",
    "4.9e-324",
    "2e-324",
    "2.2250738585072014e-308",
    "1.7976931348623157e308",
    "1.7976931348623159e308",
    "123.456e-5",
    "7e+0",
    "1E+2",
]


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("number", EDGES)
def test_numbers_at_the_edges(way: FillArrays, number: str) -> None:
    texts = [f"[{number}, -{number}, 0, {number}]".encode()]
    _assert_same(_read(way, texts), _expected(texts))


MALFORMED = [
    b"[[1, 2], 3, 4, 5]",
    b"[1, 2,]",
    b"[,]",
    b"[1 2]",
    b'[1, 2, "3", 4]',
    b"[1, 2, true, 4]",
    b"[1, 2, null, 4]",
    b'{"x": 1}',
    b"7",
    b"[1e400, 1, 1, 1]",
    b"[-1e400, 1, 1, 1]",
    b"[1" + b"0" * 400 + b", 1, 1, 1]",
]


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("bad", MALFORMED)
def test_anything_but_an_array_of_finite_numbers_is_refused(way: FillArrays, bad: bytes) -> None:
    assert _expected([b"[1, 2, 3, 4]", bad]) is None  # the reference refuses it too
    assert _read(way, [b"[1, 2, 3, 4]", bad]) is None


@pytest.mark.parametrize("way", WAYS)
def test_a_missing_value_or_too_little_room_is_refused(way: FillArrays) -> None:
    assert _read(way, [b"[1, 2, 3, 4]", msgspec.UNSET]) is None
    assert _read(way, [b"[1, 2, 3, 4]", b"[5]"], room=4) is None
    assert _read(way, [b"[1, 2, 3, 4]", b"[5]"], room=5) == ([4, 1], pytest.approx([1, 2, 3, 4, 5]))


def test_boxes_are_four_numbers_each() -> None:
    np.testing.assert_array_equal(
        numbers.boxes([b"[1, 2, 3, 4]", b"[5,6,7,8]"]), [[1, 2, 3, 4], [5, 6, 7, 8]]
    )
    assert numbers.boxes([b"[1, 2, 3]", b"[4, 5, 6, 7, 8]"]) is None  # eight numbers, but not 4 + 4
    assert numbers.boxes([b"[1, 2, 3, 4, 5]"]) is None


@pytest.mark.parametrize("way", WAYS)
def test_the_texts_msgspec_keeps_undecoded_are_read(way: FillArrays) -> None:
    """What the COCO reader passes: ``msgspec.Raw`` values, pointing into the decoded text."""
    text = b'[{"bbox": [0.1, 2.5e-3, 640, -0.0]}, {"bbox": [ 1 , 2 , 3 , 4 ]}]'
    records = msgspec.json.decode(text, type=list[dict[str, msgspec.Raw]])
    raws = [record["bbox"] for record in records]
    _assert_same(_read(way, raws), ([4, 4], np.array([0.1, 2.5e-3, 640.0, -0.0, 1, 2, 3, 4])))
    assert numbers.boxes(raws) is not None
    # or the records' attribute, as the reader's typed records hold it
    box = msgspec.defstruct("Box", [("bbox", msgspec.Raw | msgspec.UnsetType, msgspec.UNSET)])
    typed = msgspec.json.decode(text, type=list[box])  # type: ignore[valid-type]
    lengths, values = np.empty(2, np.int64), np.empty(8)
    assert way(typed, lengths, values, "bbox") == 8
    _assert_same((lengths.tolist(), values), _read(way, raws))
    assert way([*typed, box()], np.empty(3, np.int64), values, "bbox") == -1  # one without
    with pytest.raises(AttributeError):
        way([object()], np.empty(1, np.int64), values, "bbox")


def test_the_compiled_reader_checks_its_buffers() -> None:
    fill = numbers.fill_arrays_compiled
    if fill is None:
        pytest.skip("built without a C compiler")
    with pytest.raises(ValueError, match="lengths must hold len\\(texts\\) int64s"):
        fill([b"[1, 2, 3, 4]"], np.empty(2, np.int64), np.empty(4), None)
    with pytest.raises(ValueError, match="lengths must hold len\\(texts\\) int64s"):
        fill([b"[1]"], np.empty(1, np.int32), np.empty(4), None)
    with pytest.raises(ValueError, match="values must hold float64s"):
        fill([b"[1]"], np.empty(1, np.int64), np.empty(4, np.float32), None)
    with pytest.raises(ValueError, match="read-only"):
        fill([b"[1]"], np.empty(1, np.int64), np.frombuffer(b"\0" * 32), None)
    long = b"[1." + b"1" * 70 + b"]"  # a number of 64 characters or more: the slow way's
    assert fill([long], np.empty(1, np.int64), np.empty(1), None) == -1
    assert fill_arrays_python([long], np.empty(1, np.int64), np.empty(1)) == 1


def test_an_install_with_a_c_compiler_builds_the_reader() -> None:
    """The extension is optional at install time; where a compiler is at hand (CI, the dev
    container) a missing one means the build broke, not that there was none."""
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler})")
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").is_file():
        pytest.skip("no Python headers (python3-dev)")
    assert numbers.fill_arrays_compiled is not None
