"""Large temporaries from pages already in hand, while a step (the COCO read, the split
step) makes and drops many of them.

glibc gives every allocation above 32 MB a fresh map and unmaps it when freed, so each of the
split step's whole-column temporaries (150 MB apiece at Open Images size) is zeroed page by
page by the kernel again: 3-4 s of system time in a 9 s step. While ``heap_reused`` lasts,
large blocks come from the heap and stay there when freed, for the next one to take
(``mallopt``; where the C library has none, as on macOS or musl, nothing changes).
Standard library only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4
# glibc's defaults, restored after: up to 65,536 maps, and free memory above 128 kB at the
# heap's top handed back.
_DEFAULT_MMAP_MAX, _DEFAULT_TRIM = 65_536, 128 * 1024
_KEEP_ALL = 2**31 - 1  # an int: keep up to 2 GB free at the heap's top


_depth = 0  # heap_reused blocks entered and not yet left


@contextmanager
def heap_reused() -> Iterator[None]:
    """Re-entrant: only the outermost block sets the options and restores them (a read
    inside a step that keeps its heap leaves it kept)."""
    global _depth
    mallopt = _mallopt() if _depth == 0 else None
    if mallopt is not None and not mallopt(_M_MMAP_MAX, 0):
        mallopt = None  # the option was refused: nothing set, nothing to restore
    if mallopt is not None:
        mallopt(_M_TRIM_THRESHOLD, _KEEP_ALL)
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if mallopt is not None:
            mallopt(_M_MMAP_MAX, _DEFAULT_MMAP_MAX)
            mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM)


def _mallopt() -> Callable[[int, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # only here: check's hook and --help start without it

    try:
        function = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):  # a C library without it (musl)
        return None
    function.argtypes, function.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    set_option: Callable[[int, int], int] = function
    return set_option
