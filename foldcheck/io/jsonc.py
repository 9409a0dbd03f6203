"""JSON with comments and trailing commas (VS Code's settings format), read as JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

# Strings come first in each alternation so that "//" or "," inside a string is left alone.
_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', re.DOTALL)
_TRAILING_COMMA = re.compile(r'("(?:\\.|[^"\\])*")|,(?=\s*[}\]])')


def _blank(match: re.Match[str]) -> str:
    # Keep strings; blank out the rest but keep newlines so error line numbers stay true.
    if match.group(1) is not None:
        return match.group(1)
    return re.sub(r"[^\n]", " ", match.group(0))


def strip_jsonc(text: str) -> str:
    """JSONC to JSON of the same length: comments, then trailing commas, blanked out."""
    return _TRAILING_COMMA.sub(_blank, _COMMENT.sub(_blank, text))


def load_jsonc(path: Path) -> Any:
    """Parse a JSONC file; raises ``ValueError`` naming ``path:line:col`` when invalid."""
    try:
        return json.loads(strip_jsonc(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}:{exc.colno}: {exc.msg}") from None
