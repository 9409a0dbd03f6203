"""The cyclic garbage collector paused while millions of acyclic objects are made.

Parsed JSON is a tree: the collector can free none of it, yet rescans it again and again as
it grows (a third of a COCO-size split). Standard library only, so the CLI can use it too.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:  # main() is also called in-process, by tests and by `demo`
            gc.enable()
