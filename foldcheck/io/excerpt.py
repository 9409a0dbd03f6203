"""Input text as an error or a finding quotes it: a short, escaped excerpt.

A file name, a class name or a key comes from the repository and can hold anything: a
megabyte of text, terminal escapes, a newline that forges a second finding, or the first
line of a file a link pointed at. ``quoted`` shows it as Python's ``repr`` shows a string
(control and non-printable characters escaped, so one finding stays one line) and, past
``limit`` characters, its start and its end (a path's end names the file) with the length.
"""

from __future__ import annotations

EXCERPT = 80  # characters of an input quoted in a message


def quoted(value: object, limit: int = EXCERPT) -> str:
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    tail = limit // 2
    head = limit - tail
    return f"{text[:head]!r}...{text[-tail:]!r} ({len(text):,} characters)"
