"""The ``[tool.foldcheck]`` table that ``foldcheck init`` records in pyproject.toml.

Keys the table lacks are added as text after its last key (or a new table is appended), so
comments and layout survive; the result is parsed back and refused unless it means the old
table plus ours.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from foldcheck.config import TOML_ERRORS, toml_problem, tomllib
from foldcheck.errors import InputError
from foldcheck.io.textedit import line_end

PYPROJECT = "pyproject.toml"

_HEADER = re.compile(
    r'^[ \t]*\[[ \t]*tool[ \t]*\.[ \t]*"?foldcheck"?[ \t]*\][ \t]*(#.*)?$', re.MULTILINE
)
_ANY_HEADER = re.compile(r"^[ \t]*\[", re.MULTILINE)


@dataclass(frozen=True)
class Settings:
    """The ``[tool.foldcheck]`` values, paths relative to the repository root."""

    folds: str
    dataset: str | None
    k: int
    seed: int
    group_by: str
    stratify: str
    tolerance: float

    def items(self) -> list[tuple[str, Any]]:
        pairs = [
            ("dataset", self.dataset),
            ("folds", self.folds),
            ("k", self.k),
            ("seed", self.seed),
            ("group_by", self.group_by),
            ("stratify", self.stratify),
            ("tolerance", self.tolerance),
        ]
        return [(key, value) for key, value in pairs if value is not None]


def toml_value(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a valid TOML basic string
    return repr(value)


def add_settings(text: str | None, settings: Settings) -> str | None:
    """``text`` with the settings it lacks added to ``[tool.foldcheck]``; None if none lack."""
    try:
        data = tomllib.loads(text or "")
    except TOML_ERRORS as exc:
        raise InputError(
            f"not valid TOML ({toml_problem(exc)}); nothing written", PYPROJECT
        ) from None
    tool = data.get("tool")
    table = tool.get("foldcheck") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise InputError("tool.foldcheck is not a table; nothing written", PYPROJECT)
    missing = [(k, v) for k, v in settings.items() if table is None or k not in table]
    if not missing:
        return None
    lines = "".join(f"{key} = {toml_value(value)}\n" for key, value in missing)
    if table is None:
        sep = "" if not text else "\n" if text.endswith("\n") else "\n\n"
        new = (text or "") + sep + "[tool.foldcheck]\n" + lines
    else:
        header = _HEADER.search(text or "")
        if text is None or header is None:
            raise InputError(
                "[tool.foldcheck] is not a plain table that keys can be added to; "
                f"add {', '.join(k for k, _ in missing)} by hand",
                PYPROJECT,
            )
        following = _ANY_HEADER.search(text, header.end())
        block_end = following.start() if following else len(text)
        # After the table's last key, so that comments heading the next table stay with it.
        last = header.end()
        for match in re.finditer(r"^[ \t]*[^\s#\[].*$", text[:block_end], re.MULTILINE):
            if match.start() > header.end():
                last = match.end()
        at = line_end(text, last) if last < len(text) else len(text)
        prefix = "" if text[:at].endswith("\n") else "\n"
        new = text[:at] + prefix + lines + text[at:]
    try:
        same = tomllib.loads(new)["tool"]["foldcheck"] == {**(table or {}), **dict(missing)}
    except (*TOML_ERRORS, KeyError, TypeError):
        same = False
    if not same:
        raise InputError(
            "cannot add to [tool.foldcheck] without changing the file's meaning; "
            f"add {', '.join(k for k, _ in missing)} by hand",
            PYPROJECT,
        )
    return new
