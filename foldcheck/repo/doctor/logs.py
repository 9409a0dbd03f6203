"""What VS Code did on this server, read from its extension-host logs.

Layout (vscode src/vs/workbench/api/common/extHostOutput.ts): a server start makes
``data/logs/<yyyymmddThhmmss>/``; each window's extension host logs in ``exthost<N>/``,
activations in ``remoteexthost.log`` ("ExtensionService#_doActivateExtension <id>", failures
"Activating extension <id> failed due to an error:", extHostExtensionService.ts), and a log
output channel of extension <id> in ``<id>/<channel>.log``. The strings read here:

- ``ms-python.python/Python.log``: "Python interpreter path: <path>" each time the selected
  interpreter changes (vscode-python src/client/interpreter/display/index.ts), the path shown
  relative to the folder (``./``) or the home (``~/``) when inside them (fs-paths.ts
  getDisplayName);
- the language server's channel, wherever it is: ``Setting pythonPath for service "<folder
  name>": "<path>"`` (pyright packages/pyright-internal/src/analyzer/service.ts).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

PYTHON_EXT = "ms-python.python"
_SELECTED = re.compile(r"Python interpreter path: (.+?)\s*$")
_LS_PATH = re.compile(r'Setting pythonPath for service "([^"]*)": "([^"]*)"')
_ACTIVATED = f"ExtensionService#_doActivateExtension {PYTHON_EXT}"
_ACTIVATION_FAILED = f"Activating extension {PYTHON_EXT} failed due to an error"
_SESSION = re.compile(r"\d{8}T\d{6}")
_MAX_LOG_BYTES = 32 << 20  # a log this large is not read whole


@dataclass(frozen=True)
class Seen:
    exthost: Path
    interpreter: str | None  # absolute
    where: str  # file:line that said so
    activated: bool
    failed: bool
    matched: bool  # the language server named this folder; else the newest window is assumed


def sessions(logs: Path) -> list[Path]:
    """Log folders, newest first."""
    if not logs.is_dir():
        return []
    return sorted((p for p in logs.iterdir() if _SESSION.fullmatch(p.name)), reverse=True)


def _lines(path: Path) -> list[str]:
    try:
        with path.open("rb") as f:
            if path.stat().st_size > _MAX_LOG_BYTES:
                f.seek(-_MAX_LOG_BYTES, os.SEEK_END)
            return f.read().decode("utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _last(paths: list[Path], pattern: re.Pattern[str]) -> tuple[re.Match[str], str] | None:
    hit = None
    for path in paths:
        for number, line in enumerate(_lines(path), 1):
            match = pattern.search(line)
            if match:
                hit = (match, f"{path}:{number}")
    return hit


def absolute(shown: str, folder: Path, home: Path) -> str:
    """Undo getDisplayName: ``./x`` is in the folder, ``~/x`` in the home."""
    if shown.startswith("./"):
        return os.path.normpath(folder / shown[2:])
    if shown == "~" or shown.startswith("~/"):
        return os.path.normpath(str(home) + shown[1:])
    return os.path.normpath(shown)


def _language_server_hit(exthost: Path, name: str) -> tuple[str, str] | None:
    hit = None
    for path in sorted(exthost.rglob("*.log")):
        for number, line in enumerate(_lines(path), 1):
            match = _LS_PATH.search(line)
            if match and match[1] == name:
                hit = (match[2], f"{path}:{number}")
    return hit


def _read(exthost: Path, folder: Path, home: Path, matched: bool) -> Seen:
    host_logs = [exthost / "remoteexthost.log", exthost / "exthost.log"]
    text = "\n".join("\n".join(_lines(p)) for p in host_logs)
    selected = _last([exthost / PYTHON_EXT / "Python.log"], _SELECTED)
    interpreter, where = None, ""
    if selected is not None:
        interpreter, where = absolute(selected[0][1], folder, home), selected[1]
    else:
        ls = _language_server_hit(exthost, folder.name)
        if ls is not None:
            interpreter, where = os.path.normpath(ls[0]), ls[1]
    return Seen(
        exthost,
        interpreter,
        where,
        activated=_ACTIVATED in text or (exthost / PYTHON_EXT).is_dir(),
        failed=_ACTIVATION_FAILED in text,
        matched=matched,
    )


def _exthosts(session: Path) -> list[Path]:
    found = [p for p in session.glob("exthost*") if p.is_dir()]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def what_vscode_did(logs: Path, folder: Path, home: Path) -> Seen | None:
    """The newest window that opened ``folder``; else the newest window at all."""
    all_sessions = sessions(logs)
    for session in all_sessions:
        for exthost in _exthosts(session):
            if _language_server_hit(exthost, folder.name) is not None:
                return _read(exthost, folder, home, matched=True)
    for session in all_sessions:
        for exthost in _exthosts(session):
            return _read(exthost, folder, home, matched=False)
    return None
