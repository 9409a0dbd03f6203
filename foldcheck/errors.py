"""The one error type that reaches the user as a one-line message and exit code 2, and how
its messages name a setting (the command line's option, or the Python API's argument)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path


class InputError(Exception):
    """Unusable input: a file that is missing, malformed or inconsistent, or a bad option.

    Rendered as ``path:line:col: error: message`` (or ``path: error: $.json.path: message``)
    so that editors and CI annotations can jump to the place.
    """

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        *,
        line: int | None = None,
        col: int | None = None,
        json_path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.col = col
        self.json_path = json_path

    def __str__(self) -> str:
        place = ""
        if self.path is not None:
            place = self.path
            if self.line is not None:
                place += f":{self.line}"
                if self.col is not None:
                    place += f":{self.col}"
            place += ": "
        where = f"{self.json_path}: " if self.json_path else ""
        return f"{place}error: {where}{self.message}"


# Messages name a setting as the caller spells it: the command line's option or the Python
# API's argument. A message is written once, with ``option()``; the library's functions run
# inside ``api_terms()``.
_AUDIENCE: ContextVar[str] = ContextVar("foldcheck_terms", default="cli")
_FLAGS = {"k": "-k"}  # a setting's command-line spelling, where it is not --name


def option(name: str, value: object = None) -> str:
    """Setting ``name`` (an API argument name), and with ``value`` set to it, as the caller
    writes it: ``--missing-group=own`` on the command line, ``missing_group='own'`` from
    Python."""
    if _AUDIENCE.get() == "api":
        return name if value is None else f"{name}={value!r}"
    flag = _FLAGS.get(name, "--" + name.replace("_", "-"))
    return flag if value is None else f"{flag}={value}"


@contextmanager
def api_terms() -> Iterator[None]:
    """Inside, messages name settings as the Python API's arguments."""
    token = _AUDIENCE.set("api")
    try:
        yield
    finally:
        _AUDIENCE.reset(token)
