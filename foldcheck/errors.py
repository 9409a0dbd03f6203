"""The one error type that reaches the user as a one-line message and exit code 2."""

from __future__ import annotations

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
