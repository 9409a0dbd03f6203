"""What VS Code leaves on disk, made for tests: a server's data folder with its
``extensions.json``, extension-host logs with the lines VS Code and its extensions write, and
the laptop's global state database. Shapes follow the VS Code / vscode-python / pyright sources
named in ``foldcheck.repo.doctor``'s modules."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

COMMIT = "f1e16e1e6214d7c44d078b1f0607b2388f29d729"
SESSION = "20261130T091400"
# What the editor's processes see, without anything from a VS Code this test may run under
# (its terminal variables would point discovery at the real server) and without PYTHONPATH
# (a configured interpreter must manage on its own).
# PYENV_ROOT and CONDA_PREFIX would list this machine's own environments, XDG_CONFIG_HOME
# would move the laptop's state database away from the temporary home.
_DROP = {
    "PYTHONPATH",
    "VSCODE_AGENT_FOLDER",
    "BROWSER",
    "PYENV_ROOT",
    "CONDA_PREFIX",
    "XDG_CONFIG_HOME",
}
CLEAN = {
    k: v
    for k, v in os.environ.items()
    if k not in _DROP and not k.startswith(("VSCODE_GIT_ASKPASS", "VSCODE_IPC"))
}
CLEAN["PATH"] = os.pathsep.join(
    p for p in CLEAN.get("PATH", "").split(os.pathsep) if "remote-cli" not in p
)


def make_server(root: Path, extensions: dict[str, str] | None = None) -> Path:
    """A server data folder: bin/<commit>/, extensions/ with extensions.json listing
    ``{ext_id: version}``, each in its own ``<id>-<version>`` folder."""
    (root / "bin" / COMMIT / "bin" / "remote-cli").mkdir(parents=True)
    (root / "bin" / COMMIT / "node").write_text("", encoding="utf-8")
    (root / "data" / "Machine").mkdir(parents=True)
    ext = root / "extensions"
    ext.mkdir()
    entries = []
    for ext_id, version in (extensions or {}).items():
        folder = f"{ext_id}-{version}"
        (ext / folder).mkdir()
        entries.append(
            {
                "identifier": {"id": ext_id, "uuid": "f1f59ae4-9318-4f3c-a9b5-81b2eaa5f8a5"},
                "version": version,
                "location": {"$mid": 1, "path": str(ext / folder), "scheme": "file"},
                "relativeLocation": folder,
                "metadata": {"installedTimestamp": 1764493000000, "source": "gallery"},
            }
        )
    (ext / "extensions.json").write_text(json.dumps(entries), encoding="utf-8")
    return root


def write_log(path: Path, *lines: str) -> Path:
    """A log file in VS Code's format: ``<date> <time>.<ms> [info] <message>``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(
        f"2026-11-30 09:14:{i // 1000:02d}.{i % 1000:03d} [info] {line}\n"
        for i, line in enumerate(lines)
    )
    path.write_text(text, encoding="utf-8")
    return path


def open_window(
    server: Path,
    folder: Path,
    selected: list[str],
    *,
    session: str = SESSION,
    exthost: str = "exthost1",
    language_server_path: str | None = None,
) -> Path:
    """The logs of one window that opened ``folder``: the Python extension activated and
    logged each interpreter selection; Pylance named the folder's service."""
    host = server / "data" / "logs" / session / exthost
    write_log(
        host / "remoteexthost.log",
        "Extension host with pid 4242 started",
        "ExtensionService#_doActivateExtension ms-python.python, startup: false, "
        "activationEvent: 'workspaceContains:pyproject.toml'",
    )
    write_log(
        host / "ms-python.python" / "Python.log",
        "Experiment 'pythonSurveyNotification' is active",
        *(f"Python interpreter path: {s}" for s in selected),
    )
    ls_path = language_server_path or (selected[-1] if selected else "python")
    write_log(
        host / "ms-python.vscode-pylance" / "Python Language Server.log",
        "[Info  - 9:14:03 AM] (31337) Pylance language server 2025.10.1 (pyright version "
        "1.1.406, commit 12345678) starting",
        f'[Info  - 9:14:04 AM] (31337) Setting pythonPath for service "{folder.name}": "{ls_path}"',
    )
    return host


def make_state_db(path: Path, state: dict[str, object]) -> Path:
    """The laptop's global state database as VS Code creates it (one ItemTable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE IF NOT EXISTS ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)"
    )
    db.execute("INSERT INTO ItemTable VALUES (?, ?)", ("workbench.panel.width", "300"))
    db.execute("INSERT INTO ItemTable VALUES (?, ?)", ("ms-python.python", json.dumps(state)))
    db.commit()
    db.close()
    return path


def make_venv(where: Path, *paths: str) -> Path:
    """A real venv without pip; ``paths`` go on its sys.path through a .pth file."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    if paths:
        Path(site_of(python), "linked.pth").write_text("\n".join(paths) + "\n", encoding="utf-8")
    return python


def site_of(python: Path) -> str:
    return subprocess.run(
        [str(python), "-c", "import site; print(site.getsitepackages()[0])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
