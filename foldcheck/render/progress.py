"""A status line on stderr for steps that can take a while (reading, hashing, checking,
writing), so that work is told from a hang.

It shows only on a terminal, and only once a step has run for ``FOLDCHECK_PROGRESS_AFTER``
seconds (default 1: a quick command never flickers, nor imports rich for it). Never in a pipe
or a file, never in a pre-commit hook (pre-commit sets ``PRE_COMMIT`` in a hook's
environment), never with ``-q``, and never beside machine output (``--format`` other than
text: its callers pass ``quiet``). The line is cleared when the step ends.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

AFTER = 1.0  # seconds a step runs before its line shows


def silent(quiet: bool = False) -> bool:
    """Whether progress stays unshown: asked to, stderr not a terminal, or inside a hook."""
    return quiet or "PRE_COMMIT" in os.environ or not sys.stderr.isatty()


def _after() -> float:
    try:
        return max(0.0, float(os.environ.get("FOLDCHECK_PROGRESS_AFTER", AFTER)))
    except ValueError:
        return AFTER


class _Line:
    """The status line, started by a timer unless the step ended first."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lock = threading.Lock()
        self.shown: Any = None  # rich's Status, once started
        self.ended = False

    def start(self) -> None:
        with self.lock:
            if self.ended:
                return
            from rich.console import Console
            from rich.text import Text

            self.shown = Console(stderr=True).status(Text(self.text))  # paths are not markup
            self.shown.start()

    def update(self, text: str) -> None:
        with self.lock:
            self.text = text
            if self.shown is not None:
                from rich.text import Text

                self.shown.update(Text(text))

    def stop(self) -> None:
        with self.lock:
            self.ended = True
            if self.shown is not None:
                self.shown.stop()


@contextmanager
def status(message: str, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """``message`` on stderr while the block runs (see the module's rules); yields a function
    that replaces the message."""
    if silent(quiet):
        yield lambda text: None
        return
    line = _Line(message)
    timer = threading.Timer(_after(), line.start)
    timer.daemon = True
    timer.start()
    try:
        yield line.update
    finally:
        timer.cancel()
        line.stop()


@contextmanager
def counted(message: str, total: int, quiet: bool = False) -> Iterator[Callable[[int], None]]:
    """``message 1,200/3,000`` while the block runs; yields ``advance(n)``, to call as each
    ``n`` of the ``total`` items is done."""
    done = 0
    with status(f"{message} 0/{total:,}", quiet) as update:

        def advance(n: int = 1) -> None:
            nonlocal done
            done += n
            update(f"{message} {done:,}/{total:,}")

        yield advance
