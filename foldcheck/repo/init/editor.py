"""The editor set-up ``foldcheck init --editor`` adds to a repository's ``.vscode/``.

``settings.json`` gets the interpreter foldcheck runs under as ``python.defaultInterpreterPath``
(written with ``${workspaceFolder}`` when it lives in the repository, so it holds on every host)
and watcher excludes for environments and caches; ``extensions.json`` recommends the Python
extensions. Only what is missing is added, as text: comments and layout survive, a value the
user set is never changed, and the result is parsed back and refused unless it means "the old
content plus ours".
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from foldcheck.errors import InputError
from foldcheck.io.jsonc import strip_jsonc
from foldcheck.io.locate import JsonText

EXTENSIONS_FILE = ".vscode/extensions.json"
RECOMMENDATIONS = ("ms-python.python", "ms-python.vscode-pylance", "ms-python.debugpy")
WATCHER_EXCLUDE = ("**/.venv/**", "**/__pycache__/**", "**/.mypy_cache/**", "**/.pytest_cache/**")


def interpreter_setting(root: Path, executable: str | None = None) -> str:
    """The interpreter running foldcheck, as a settings value (not resolved through symlinks:
    a venv's python links to its base interpreter, which lacks the venv's packages)."""
    path = Path(os.path.abspath(executable or sys.executable))
    if path.is_relative_to(root):
        return "${workspaceFolder}/" + path.relative_to(root).as_posix()
    return str(path)


def _parse(text: str, name: str) -> Any:
    try:
        return json.loads(strip_jsonc(text))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON with comments ({exc}); nothing written", name) from None


def _line_indent(text: str, index: int) -> str:
    line = text[text.rfind("\n", 0, index) + 1 : index]
    return line[: len(line) - len(line.lstrip(" \t"))]


def splice_first(text: str, path: tuple[str, ...], items: list[tuple[str | None, Any]]) -> str:
    """Insert ``items`` ((key or None for a list, value)) as the first members or elements of
    the object or list at ``path``, laid out like their neighbours."""
    stripped = strip_jsonc(text)  # comments are blanked, not removed: offsets hold in `text`
    at = JsonText(stripped.encode("utf-8")).offset(path)
    assert at is not None, path
    closing = "}" if stripped[at] == "{" else "]"
    rest = stripped[at + 1 :]
    first = at + 1 + len(rest) - len(rest.lstrip())
    empty = stripped.startswith(closing, first)
    outer = _line_indent(text, at)
    multiline = empty or text.rfind("\n", 0, first) > at
    if not empty and multiline:
        inner = _line_indent(text, first)
    else:
        inner = outer * 2 if len(outer) >= 2 else outer + (outer or "\t")
    unit = inner[len(outer) :] or "\t"

    def dump(key: str | None, value: Any) -> str:
        body = json.dumps(value, indent=unit if multiline else None)
        body = body.replace("\n", "\n" + inner)
        return body if key is None else f"{json.dumps(key)}: {body}"

    pieces = [dump(k, v) for k, v in items]
    if not multiline:  # a one-line container stays on one line
        return text[:first] + ", ".join(pieces) + ", " + text[first:]
    body = ",\n".join(inner + p for p in pieces)
    ending = "," if not empty else "\n" + outer
    return text[: at + 1] + "\n" + body + ending + text[at + 1 :]


def checked_edit(new: str, expected: Any, name: str, adding: str = "the editor set-up") -> str:
    """``new``, the edited JSONC text, if it parses to ``expected``; else an InputError
    saying that ``adding`` (what the edit adds) cannot be added without changing the meaning."""
    try:
        same = json.loads(strip_jsonc(new)) == expected
    except json.JSONDecodeError:
        same = False
    if not same:
        raise InputError(
            f"cannot add {adding} without changing the file's meaning; nothing written", name
        )
    return new


def add_editor_settings(
    text: str | None, interpreter: str, name: str
) -> tuple[str | None, list[str], list[str]]:
    """(new settings text or None when nothing is missing, what was added, what was kept)."""
    block = {p: True for p in WATCHER_EXCLUDE}
    if text is None or not text.strip():
        body = {"python.defaultInterpreterPath": interpreter, "files.watcherExclude": block}
        made = [f"python.defaultInterpreterPath = {interpreter}", "files.watcherExclude"]
        return json.dumps(body, indent="\t") + "\n", made, []
    data = _parse(text, name)
    if not isinstance(data, dict):
        raise InputError("not a JSON object; nothing written", name)
    added: list[str] = []
    kept: list[str] = []
    items: list[tuple[str | None, Any]] = []
    expected = dict(data)
    current = data.get("python.defaultInterpreterPath")
    if current is None:
        items.append(("python.defaultInterpreterPath", interpreter))
        expected["python.defaultInterpreterPath"] = interpreter
        added.append(f"python.defaultInterpreterPath = {interpreter}")
    elif current != interpreter:
        kept.append(f"python.defaultInterpreterPath is already {json.dumps(current)}")
    excludes = data.get("files.watcherExclude")
    new = text
    if excludes is None:
        items.append(("files.watcherExclude", block))
        expected["files.watcherExclude"] = block
        added.append("files.watcherExclude")
    elif isinstance(excludes, dict):
        missing = [p for p in WATCHER_EXCLUDE if p not in excludes]
        if missing:
            new = splice_first(new, ("files.watcherExclude",), [(p, True) for p in missing])
            expected["files.watcherExclude"] = {**{p: True for p in missing}, **excludes}
            added.append("files.watcherExclude " + ", ".join(missing))
    else:
        raise InputError('"files.watcherExclude" is not an object; nothing written', name)
    if items:
        new = splice_first(new, (), items)
    if new == text:
        return None, [], kept
    return checked_edit(new, expected, name), added, kept


def add_recommendations(text: str | None, name: str = EXTENSIONS_FILE) -> str | None:
    if text is None or not text.strip():
        return json.dumps({"recommendations": list(RECOMMENDATIONS)}, indent="\t") + "\n"
    data = _parse(text, name)
    if not isinstance(data, dict):
        raise InputError("not a JSON object; nothing written", name)
    have = data.get("recommendations")
    if have is None:
        expected = {**data, "recommendations": list(RECOMMENDATIONS)}
        new = splice_first(text, (), [("recommendations", list(RECOMMENDATIONS))])
        return checked_edit(new, expected, name)
    if not isinstance(have, list):
        raise InputError('"recommendations" is not a list; nothing written', name)
    lowered = {h.lower() for h in have if isinstance(h, str)}
    missing = [r for r in RECOMMENDATIONS if r not in lowered]
    if not missing:
        return None
    new = splice_first(text, ("recommendations",), [(None, m) for m in missing])
    return checked_edit(new, {**data, "recommendations": [*missing, *have]}, name)
