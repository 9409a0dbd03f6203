"""The JSON schema mapping that ``foldcheck init`` adds to ``.vscode/settings.json``.

VS Code's settings are JSON with comments: the ``json.schemas`` entry is spliced in as text,
so comments and layout survive, and the result is parsed back and refused unless it means the
old settings plus our entry. The entry points at a copy of foldcheck's schema in the
repository.
"""

from __future__ import annotations

import json
from typing import Any

from foldcheck.errors import InputError
from foldcheck.io.jsonc import strip_jsonc
from foldcheck.io.locate import JsonText
from foldcheck.repo.init.editor import checked_edit
from foldcheck.repo.vscode import SCHEMA_COPY, SETTINGS, covers


def schema_entry(manifest: str | None) -> dict[str, Any]:
    matches = ["**/folds.json"]
    if manifest is not None and not covers(matches[0], manifest):
        matches.append("/" + manifest)
    return {"fileMatch": matches, "url": "./" + SCHEMA_COPY}


def _line_indent(text: str, index: int) -> str:
    line = text[text.rfind("\n", 0, index) + 1 : index]
    return line[: len(line) - len(line.lstrip(" \t"))]


def _indents(text: str, opening: int, first: int | None) -> tuple[str, str]:
    """(indent of the line holding ``opening``, indent for a member of what it opens)."""
    outer = _line_indent(text, opening)
    if first is not None and text.rfind("\n", 0, first) > opening:
        return outer, _line_indent(text, first)
    return outer, outer * 2 if len(outer) >= 2 else outer + (outer or "\t")


def add_schema(text: str | None, entry: dict[str, Any], manifest: str) -> tuple[str | None, bool]:
    """(new text or None if ``manifest`` is mapped already, whether the mapping for it points
    at our schema copy)."""
    if text is None or not text.strip():
        body = json.dumps({"json.schemas": [entry]}, indent="\t")
        return body + "\n", True
    stripped = strip_jsonc(text)
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON with comments ({exc}); nothing written", SETTINGS
        ) from None
    if not isinstance(data, dict):
        raise InputError("not a JSON object; nothing written", SETTINGS)
    schemas = data.get("json.schemas")
    if schemas is not None and not isinstance(schemas, list):
        raise InputError('"json.schemas" is not a list; nothing written', SETTINGS)
    for old in schemas or []:
        patterns = old.get("fileMatch") if isinstance(old, dict) else None
        if isinstance(patterns, list) and any(
            isinstance(p, str) and covers(p, manifest) for p in patterns
        ):
            return None, old.get("url") == entry["url"]
    # JSONC's comments were blanked, not removed: offsets in `stripped` hold in `text`.
    where = JsonText(stripped.encode("utf-8"))
    if schemas is None:
        path: tuple[str, ...] = ()
        item = f'"json.schemas": [{json.dumps(entry)}]'
    else:
        path, item = ("json.schemas",), json.dumps(entry)
    at = where.offset(path)
    assert at is not None  # the parse above found the object or the list
    members = bool(schemas) if schemas is not None else bool(data)
    first = (
        where.offset((*path, 0 if schemas is not None else next(iter(data)))) if members else None
    )
    outer, inner = _indents(text, at, first)
    ending = "," if members else "\n" + outer
    new = text[: at + 1] + "\n" + inner + item + ending + text[at + 1 :]
    expected = {**data, "json.schemas": [entry, *(schemas or [])]}
    return checked_edit(new, expected, SETTINGS, adding='to "json.schemas"'), True
