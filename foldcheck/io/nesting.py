"""JSON nested deeper than a parser goes: one line at the place, never a RecursionError.

Every JSON parser foldcheck uses recurses per level (msgspec and the standard library up to
Python's recursion limit, orjson to 1024 levels), and code walking a parsed tree does too.
Rather than pay a scan of every file for a depth no dataset needs, a reader that meets the
limit (a ``RecursionError``, or orjson's "recursion limit reached") reports the deepest place
with ``nesting_error``. Nesting up to ``READ_DEPTH`` levels is always read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from foldcheck.errors import InputError
from foldcheck.io.locate import byte_line_col

READ_DEPTH = 200  # levels every reader handles; COCO needs 5
QUOTE, BACKSLASH = ord('"'), ord("\\")
_OPENS, _CLOSES = (ord("["), ord("{")), (ord("]"), ord("}"))


def escaped(b: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Candidates preceded by an odd run of backslashes (escaped: not structural)."""
    slashes = np.flatnonzero(b == BACKSLASH)
    run_start = np.flatnonzero(np.diff(slashes, prepend=-2) != 1)
    run_end = np.append(run_start[1:], len(slashes))
    odd = ((run_end - run_start) & 1) == 1
    return np.isin(where, slashes[run_end[odd] - 1] + 1)


def deepest(text: Any) -> tuple[int, int]:
    """The byte offset of the first bracket that opens the deepest level, and that depth."""
    b = np.frombuffer(text, np.uint8)
    where = np.flatnonzero(np.isin(b, (QUOTE, *_OPENS, *_CLOSES)))
    where = where[~escaped(b, where)]
    kind = b[where]
    is_quote = kind == QUOTE
    outside = (np.cumsum(is_quote, dtype=np.int64) - is_quote) & 1 == 0
    brackets = where[outside & ~is_quote]
    step = np.where(np.isin(b[brackets], _OPENS), 1, -1)
    if not len(step):
        return 0, 0
    depth = np.cumsum(step)
    top = int(depth.argmax())
    return int(brackets[top]), int(depth[top])


def nesting_error(text: Any, path: Path) -> InputError:
    offset, depth = deepest(text)
    line, col = byte_line_col(bytes(memoryview(text)[:offset]), offset)
    return InputError(
        f"arrays and objects nested {depth} levels deep: more than foldcheck's JSON readers "
        f"go (they read {READ_DEPTH} levels; a dataset needs 5)",
        path,
        line=line,
        col=col,
    )
