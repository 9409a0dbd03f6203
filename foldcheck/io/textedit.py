"""Small helpers for editing a file as text while keeping its own layout."""

from __future__ import annotations

import re


def line_end(text: str, index: int) -> int:
    """Index just past the newline ending the line that holds ``index``."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def ended(text: str) -> str:
    """``text`` ending with a newline, unless it is empty."""
    return text if not text or text.endswith("\n") else text + "\n"


def same_newlines(text: str, like: str | None) -> str:
    """``text`` (written with "\\n") with a Windows-edited file's line endings kept."""
    if like is not None and "\r\n" in like:
        return re.sub(r"(?<!\r)\n", "\r\n", text)
    return text
