"""The interpreter VS Code will use in each remote folder, read on your own machine.

Once an interpreter is picked for a folder, the Python extension stores it in its global state,
on the machine running the VS Code window, and it then outranks
``python.defaultInterpreterPath`` (vscode-python src/client/common/interpreterPathService.ts):
row ``ms-python.python`` of table ``ItemTable`` in ``User/globalStorage/state.vscdb``, a JSON
object with keys ``<remoteName>_WORKSPACE_FOLDER_INTERPRETER_PATH_<folder>`` (``remoteName``
is e.g. ``ssh-remote``, ``dev-container``, ``wsl``; no host name, so two hosts with the same
folder path share one entry) and ``WORKSPACE_FOLDER_INTERPRETER_PATH_<folder>`` for local ones.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

PYTHON_ROW = "ms-python.python"
_FOLDER_KEY = "WORKSPACE_FOLDER_INTERPRETER_PATH_"
_WORKSPACE_KEY = "WORKSPACE_INTERPRETER_PATH_"
# Product folders (desktop user-data folder names) whose global state may hold the choice.
PRODUCTS = ("Code", "Code - Insiders", "VSCodium", "Cursor")


@dataclass(frozen=True)
class Choice:
    remote: str  # "ssh-remote", "dev-container", ... or "local"
    folder: str  # a folder path, or a .code-workspace file for WORKSPACE_INTERPRETER_PATH_
    interpreter: str


STATE_FILE = Path("User") / "globalStorage" / "state.vscdb"


def state_base(home: Path, environ: Mapping[str, str], platform: str = sys.platform) -> Path:
    """Where desktop VS Code keeps its user data folders on this kind of machine."""
    if platform == "darwin":
        return home / "Library" / "Application Support"
    if platform == "win32":
        return Path(environ.get("APPDATA", home / "AppData" / "Roaming"))
    return Path(environ.get("XDG_CONFIG_HOME") or home / ".config")


def state_files(home: Path, environ: Mapping[str, str], platform: str = sys.platform) -> list[Path]:
    """Every product's global state database that exists on this machine."""
    found = [state_base(home, environ, platform) / p / STATE_FILE for p in PRODUCTS]
    return [p for p in found if p.is_file()]


def _query(path: Path, timeout: float) -> bytes | str | None:
    # mode=ro: never write, never create; VS Code may hold the file open (or locked) meanwhile.
    uri = f"file:{quote(str(path))}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=timeout)) as db:
        row = db.execute("SELECT value FROM ItemTable WHERE key = ?", (PYTHON_ROW,)).fetchone()
    return None if row is None else row[0]


def read_python_state(path: Path, timeout: float = 1.0) -> tuple[dict[str, object], str]:
    """The Python extension's global state, and a note on how it was read.

    A database VS Code is writing to is locked: then a copy (with its journal) is read.
    Raises ``OSError`` or ``sqlite3.Error`` when the file cannot be read at all.
    """
    note = ""
    try:
        value = _query(path, timeout)
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        with tempfile.TemporaryDirectory() as tmp:
            for suffix in ("", "-wal", "-journal"):
                if Path(str(path) + suffix).is_file():
                    shutil.copy2(str(path) + suffix, Path(tmp) / ("state.vscdb" + suffix))
            value = _query(Path(tmp) / "state.vscdb", timeout)
        note = "the database was locked (VS Code is running): read a copy"
    if value is None:
        return {}, note
    text = value.decode("utf-8") if isinstance(value, bytes) else value
    data = json.loads(text)
    return (data if isinstance(data, dict) else {}), note


def choices(state: Mapping[str, object]) -> list[Choice]:
    """Every persisted interpreter choice, sorted by remote kind and folder."""
    found = []
    for key, value in state.items():
        if not isinstance(value, str) or not value:
            continue
        for marker in (_FOLDER_KEY, _WORKSPACE_KEY):
            head, sep, folder = key.partition(marker)
            if sep and (head == "" or head.endswith("_")):
                found.append(Choice(head.rstrip("_") or "local", folder, value))
                break
    return sorted(found, key=lambda c: (c.remote, c.folder))


def key_for(remote: str, folder: str) -> str:
    """The key the Python extension uses for ``folder`` opened through ``remote``."""
    key = _FOLDER_KEY + os.path.normpath(folder)
    return key if remote == "local" else f"{remote}_{key}"
