"""Server discovery, extensions.json and the extension-host logs, in temporary homes (a
server's folders may hold several versions of one extension, so they are made here)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from foldcheck.repo.doctor.chosen import selected_row
from foldcheck.repo.doctor.extensions import extension_rows, server_row
from foldcheck.repo.doctor.logs import what_vscode_did
from foldcheck.repo.doctor.server import (
    Server,
    find_server,
    installed_extensions,
    newest,
    version_key,
)
from tests.vscode_layouts import open_window, write_log

COMMIT = "f1e16e1e6214d7c44d078b1f0607b2388f29d729"


def server_with(root: Path, extensions: dict[str, str]) -> Path:
    """A server data folder as VS Code leaves it: bin/<commit>, extensions/ + extensions.json."""
    (root / "bin" / COMMIT / "bin" / "remote-cli").mkdir(parents=True)
    (root / "bin" / COMMIT / "node").write_text("", encoding="utf-8")
    ext = root / "extensions"
    ext.mkdir(parents=True, exist_ok=True)
    entries = []
    for folder, version in extensions.items():
        ext_id = folder[: folder.index("-" + version)]
        (ext / folder).mkdir()
        entries.append(
            {
                "identifier": {"id": ext_id, "uuid": "00000000-0000-0000-0000-000000000000"},
                "version": version,
                "location": {"$mid": 1, "path": str(ext / folder), "scheme": "file"},
                "relativeLocation": folder,
                "metadata": {"installedTimestamp": 1733000000000, "source": "gallery"},
            }
        )
    (ext / "extensions.json").write_text(json.dumps(entries), encoding="utf-8")
    return root


def test_version_key_is_numeric() -> None:
    assert version_key("2025.10.0") > version_key("2025.2.0")
    assert version_key("2024.8.1-linux-x64") == (2024, 8, 1)


def test_newest_compares_numerically(tmp_path: Path) -> None:
    server = server_with(
        tmp_path / ".vscode-server",
        {
            "ms-python.vscode-pylance-2025.2.0": "2025.2.0",
            "ms-python.vscode-pylance-2025.10.0": "2025.10.0",
        },
    )
    installed, _ = installed_extensions(server / "extensions")
    hit = newest(installed, "MS-Python.vscode-pylance")
    assert hit is not None and hit.version == "2025.10.0"


def test_obsolete_extension_is_not_installed(tmp_path: Path) -> None:
    server = server_with(tmp_path / "s", {"ms-python.python-2025.1.0": "2025.1.0"})
    (server / "extensions" / ".obsolete").write_text(
        json.dumps({"ms-python.python-2025.1.0": True}), encoding="utf-8"
    )
    installed, _ = installed_extensions(server / "extensions")
    assert newest(installed, "ms-python.python") is None


def test_agent_folder_wins_over_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    server_with(home / ".vscode-server", {"ms-python.vscode-pylance-2025.1.0": "2025.1.0"})
    custom = server_with(tmp_path / "scratch" / "vsc", {"ms-python.python-2025.1.0": "2025.1.0"})
    server = find_server(home, {"VSCODE_AGENT_FOLDER": str(custom)})
    assert server is not None and server.root == custom and server.how == "$VSCODE_AGENT_FOLDER"
    rows, _ = extension_rows(server, {}, None)
    by = {r.id: r for r in rows}
    assert by["ext-python"].status == "ok"
    assert by["ext-pylance"].status == "fail"
    assert "code --install-extension ms-python.vscode-pylance" in by["ext-pylance"].fix
    assert "remote.SSH.defaultExtensions" in by["ext-pylance"].fix


def test_terminal_variables_point_at_the_server(tmp_path: Path) -> None:
    home = tmp_path / "home"
    server_with(home / ".vscode-server", {})
    used = server_with(tmp_path / "big" / "vscode", {})
    environ = {"VSCODE_GIT_ASKPASS_NODE": str(used / "bin" / COMMIT / "node")}
    server = find_server(home, environ)
    assert server is not None and server.root == used
    assert "VSCODE_GIT_ASKPASS_NODE" in server.how
    path_only = {"PATH": f"/usr/bin:{used}/bin/{COMMIT}/bin/remote-cli"}
    found = find_server(home, path_only)
    assert found is not None and found.root == used


def test_laptop_layout_is_not_a_server(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".vscode" / "extensions" / "ms-python.python-2025.1.0").mkdir(parents=True)
    assert find_server(home, {}) is None
    row = server_row(None, home)
    assert row.status == "info" and "serves no remote window" in row.found


def test_tunnel_cli_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".vscode" / "cli").mkdir(parents=True)
    server = find_server(home, {})
    assert server is not None and server.kind == "tunnel"
    assert "tunnel" in server_row(server, home).found


def test_cursor_expects_its_own_language_server(tmp_path: Path) -> None:
    home = tmp_path / "home"
    server_with(
        home / ".cursor-server",
        {"ms-python.python-2025.6.1": "2025.6.1", "ms-python.vscode-pylance-2025.6.2": "2025.6.2"},
    )
    server = find_server(home, {})
    assert server is not None and server.kind == "cursor"
    by = {r.id: r for r in extension_rows(server, {}, None)[0]}
    assert by["ext-pylance"].status == "fail"
    assert by["ext-pylance"].fix == (
        "in the server's integrated terminal: cursor --install-extension anysphere.cursorpyright"
    )
    assert by["ext-pylance-cursor"].status == "warn"


def test_debugpy_and_ruff_only_when_the_repo_uses_them(tmp_path: Path) -> None:
    server = Server(server_with(tmp_path / "s", {}), "vscode", "test")
    ids = {r.id for r in extension_rows(server, {}, None)[0]}
    assert ids == {"ext-python", "ext-pylance"}
    settings = {"[python]": {"editor.defaultFormatter": "charliermarsh.ruff"}}
    launch = {"configurations": [{"type": "debugpy", "request": "launch"}]}
    ids = {r.id for r in extension_rows(server, settings, launch)[0]}
    assert ids == {"ext-python", "ext-pylance", "ext-debugpy", "ext-ruff"}


# --- logs -----------------------------------------------------------------------------------


def _window(
    logs: Path, session: str, exthost: str, folder: Path, selected: list[str], ls_path: str
) -> Path:
    server = logs.parent.parent
    return open_window(
        server, folder, selected, session=session, exthost=exthost, language_server_path=ls_path
    )


def test_persisted_choice_is_caught(tmp_path: Path) -> None:
    home, repo = tmp_path / "home", tmp_path / "home" / "proj"
    logs = home / ".vscode-server" / "data" / "logs"
    _window(logs, "20261129T080000", "exthost1", repo, ["./.venv/bin/python"], "x")
    _window(
        logs,
        "20261130T091400",
        "exthost1",
        repo,
        ["./.venv/bin/python", "/usr/bin/python3"],
        "/usr/bin/python3",
    )
    seen = what_vscode_did(logs, repo, home)
    assert seen is not None and seen.matched and seen.activated
    assert seen.interpreter == "/usr/bin/python3"  # the last selection of the newest session
    assert "20261130T091400" in seen.where
    row = selected_row(logs, seen, str(repo / ".venv" / "bin" / "python"))
    assert row.status == "fail"
    assert "/usr/bin/python3" in row.found and f"{repo}/.venv/bin/python" in row.found
    assert "Python: Clear Workspace Interpreter Setting" in row.fix


def test_relative_display_paths_are_resolved(tmp_path: Path) -> None:
    home, repo = tmp_path / "home", tmp_path / "home" / "proj"
    logs = home / ".vscode-server" / "data" / "logs"
    _window(logs, "20261130T091400", "exthost2", repo, ["~/miniconda3/envs/det/bin/python"], "")
    seen = what_vscode_did(logs, repo, home)
    assert seen is not None
    assert seen.interpreter == os.path.normpath(home / "miniconda3/envs/det/bin/python")
    configured = str(home / "miniconda3" / "envs" / "det" / "bin" / "python")
    assert selected_row(logs, seen, configured).status == "ok"


def test_other_folders_window_is_not_taken(tmp_path: Path) -> None:
    home, repo = tmp_path / "home", tmp_path / "home" / "proj"
    logs = home / ".vscode-server" / "data" / "logs"
    _window(logs, "20261130T091400", "exthost1", repo, ["./.venv/bin/python"], "/p")
    other = _window(logs, "20261130T091400", "exthost2", home / "other", ["/usr/bin/python3"], "/u")
    os.utime(other, (2e9, 2e9))  # the other window is newer
    seen = what_vscode_did(logs, repo, home)
    assert seen is not None and seen.exthost.name == "exthost1"


def test_no_logs_means_never_opened(tmp_path: Path) -> None:
    logs = tmp_path / ".vscode-server" / "data" / "logs"
    row = selected_row(logs, what_vscode_did(logs, tmp_path, tmp_path), "/x/python")
    assert row.status == "info"
    assert "has not opened this folder on this server yet" in row.found


def test_activation_failure(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    write_log(
        logs / "20261130T091400" / "exthost1" / "remoteexthost.log",
        "Activating extension ms-python.python failed due to an error:",
    )
    seen = what_vscode_did(logs, tmp_path / "proj", tmp_path)
    assert seen is not None and seen.failed
    assert selected_row(logs, seen, None).status == "fail"


def test_window_without_the_python_extension(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    host = logs / "20261130T091400" / "exthost1"
    write_log(host / "remoteexthost.log", "Extension host with pid 4242 started")
    seen = what_vscode_did(logs, tmp_path / "proj", tmp_path)
    assert seen is not None and not seen.activated and not seen.matched
    row = selected_row(logs, seen, "/x/python")
    assert row.status == "warn" and "did not activate" in row.found
    assert "(the newest window: no log named this folder)" in row.found
    # Activated, but nothing selected yet.
    write_log(host / "ms-python.python" / "Python.log", "Experiment 'x' is active")
    seen = what_vscode_did(logs, tmp_path / "proj", tmp_path)
    assert seen is not None and seen.activated
    assert "logged no interpreter" in selected_row(logs, seen, None).found
