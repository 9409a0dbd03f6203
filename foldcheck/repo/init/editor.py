"""The editor set-up ``foldcheck init --editor`` adds to a repository's ``.vscode/``.

``settings.json`` is shared by every teammate and host, so it never gets a path that holds on
one machine only: the interpreter foldcheck runs under is written as
``python.defaultInterpreterPath`` only when it lives in the repository (as
``${workspaceFolder}/...``); one outside it is left to each machine's own choice ("Python:
Select Interpreter", or the remote machine's settings), and init says so. The dataset's
folders (``dataset_folders``) and environments and caches are kept out of Pylance's
enumeration (``python.analysis.exclude``), the file watcher (``files.watcherExclude``) and
search (``search.exclude``); ``extensions.json`` recommends the Python extensions. Only what
is missing is added, as text: comments and layout survive, a value the user set is never
changed, and the result is parsed back and refused unless it means "the old content plus
ours".
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foldcheck.errors import InputError
from foldcheck.io.jsonc import strip_jsonc
from foldcheck.io.locate import JsonText
from foldcheck.repo.vscode import PYLANCE_DEFAULT_EXCLUDE

EXTENSIONS_FILE = ".vscode/extensions.json"
RECOMMENDATIONS = ("ms-python.python", "ms-python.vscode-pylance", "ms-python.debugpy")
WATCHER_EXCLUDE = ("**/.venv/**", "**/__pycache__/**", "**/.mypy_cache/**", "**/.pytest_cache/**")
INTERPRETER_KEY = "python.defaultInterpreterPath"
WORKSPACE_VARIABLE = "${workspaceFolder}"


def interpreter_setting(root: Path, executable: Path) -> str | None:
    """``executable`` as a settings value that holds on every host, or None when it lies
    outside the repository (no such value exists)."""
    folder = Path(os.path.realpath(executable.parent))
    if folder.is_relative_to(root):
        return f"{WORKSPACE_VARIABLE}/{(folder / executable.name).relative_to(root).as_posix()}"
    return None


def machine_specific(value: object) -> bool:
    """An absolute path that names a file on one machine (not through a VS Code variable)."""
    return isinstance(value, str) and (value.startswith(("/", "~")) or value[1:3] == ":\\")


@dataclass(frozen=True)
class EditorSettings:
    """What init wants in settings.json."""

    interpreter: str | None  # python.defaultInterpreterPath; None: leave it to each machine
    folders: tuple[str, ...] = ()  # the dataset's folders, relative to the root

    def wanted(self) -> list[tuple[str, Any]]:
        """(key, value) in the order a new file lists them."""
        inside = [f"{folder}/**" for folder in self.folders]
        items: list[tuple[str, Any]] = []
        if self.interpreter is not None:
            items.append((INTERPRETER_KEY, self.interpreter))
        items.append(("python.analysis.exclude", [*PYLANCE_DEFAULT_EXCLUDE, *self.folders]))
        items.append(("files.watcherExclude", dict.fromkeys([*WATCHER_EXCLUDE, *inside], True)))
        if inside:
            items.append(("search.exclude", dict.fromkeys(inside, True)))
        return items


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
    text: str | None, wanted: EditorSettings, name: str
) -> tuple[str | None, list[str], list[str]]:
    """(new settings text or None when nothing is missing, what was added, notes on what was
    kept)."""
    if text is None or not text.strip():
        text = "{}\n"
    data = _parse(text, name)
    if not isinstance(data, dict):
        raise InputError("not a JSON object; nothing written", name)
    added: list[str] = []
    kept: list[str] = []
    items: list[tuple[str | None, Any]] = []
    expected = dict(data)
    new = text
    current = data.get(INTERPRETER_KEY)
    if current is not None and current != wanted.interpreter and machine_specific(current):
        kept.append(
            f"{INTERPRETER_KEY} is {json.dumps(current)}, a path on one machine in a file "
            "every teammate shares: remove it and pick the interpreter on each machine"
        )
    elif current is not None and wanted.interpreter not in (None, current):
        kept.append(f"{INTERPRETER_KEY} is already {json.dumps(current)}")
    for key, value in wanted.wanted():
        have = data.get(key)
        if have is None:
            items.append((key, value))
            expected[key] = value
            added.append(f"{key} = {value}" if isinstance(value, str) else key)
            continue
        if key == INTERPRETER_KEY:
            continue
        if not isinstance(have, type(value)):
            kind = "an object" if isinstance(value, dict) else "a list"
            raise InputError(f'"{key}" is not {kind}; nothing written', name)
        missing = [v for v in value if v not in have]
        if isinstance(value, list):
            missing = [v for v in missing if v not in PYLANCE_DEFAULT_EXCLUDE]
        if not missing:
            continue
        if isinstance(have, dict):
            new = splice_first(new, (key,), [(p, True) for p in missing])
            expected[key] = {**dict.fromkeys(missing, True), **have}
        else:
            new = splice_first(new, (key,), [(None, p) for p in missing])
            expected[key] = [*missing, *have]
        added.append(f"{key} " + ", ".join(missing))
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
