"""Rows for the server in use and the Python extensions installed in it.

Python and its language server are always needed; the debugger when a launch configuration
uses it, Ruff when the settings make it the formatter. Cursor cannot run Pylance (its licence
allows Microsoft's editors only, pylance-release #7319) and ships its own ``cursorpyright``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foldcheck.repo.doctor.result import Result
from foldcheck.repo.doctor.server import (
    HOME_SERVERS,
    Installed,
    Server,
    installed_extensions,
    newest,
)


@dataclass(frozen=True)
class Wanted:
    check_id: str
    ext_id: str
    title: str
    why: str


PYLANCE = "ms-python.vscode-pylance"
CURSOR_PYRIGHT = "anysphere.cursorpyright"


def _uses_debugpy(launch: Any) -> bool:
    configs = launch.get("configurations") if isinstance(launch, dict) else None
    return any(
        isinstance(c, dict) and c.get("type") in ("debugpy", "python") for c in configs or []
    )


def _uses_ruff(settings: Mapping[str, Any]) -> bool:
    python = settings.get("[python]")
    formatter = python.get("editor.defaultFormatter") if isinstance(python, dict) else None
    return formatter == "charliermarsh.ruff" or any(k.startswith("ruff.") for k in settings)


def wanted(server: Server, settings: Mapping[str, Any], launch: Any) -> list[Wanted]:
    cursor = server.kind == "cursor"
    found = [
        Wanted("ext-python", "ms-python.python", "Python", "interpreters, tests, terminal"),
        Wanted(
            "ext-pylance",
            CURSOR_PYRIGHT if cursor else PYLANCE,
            "Cursor Pyright" if cursor else "Pylance",
            "IntelliSense: completion, go to definition, errors as you type",
        ),
    ]
    if _uses_debugpy(launch):
        found.append(
            Wanted("ext-debugpy", "ms-python.debugpy", "Python Debugger", ".vscode/launch.json")
        )
    if _uses_ruff(settings):
        found.append(Wanted("ext-ruff", "charliermarsh.ruff", "Ruff", "the formatter in settings"))
    return found


def _install_fix(server: Server, ext_id: str) -> str:
    fix = f"in the server's integrated terminal: {server.cli} --install-extension {ext_id}"
    if server.kind != "cursor":
        fix += (
            f'; for every SSH host from now on, add "{ext_id}" to remote.SSH.defaultExtensions '
            "in your own machine's user settings"
        )
    return fix


def server_row(server: Server | None, home: Path) -> Result:
    desktop = home / ".vscode" / "extensions"
    if server is None:
        looked = ", ".join(f"~/{name}" for name, _ in HOME_SERVERS)
        note = (
            f"; {desktop} belongs to a desktop VS Code and serves no remote window"
            if desktop.is_dir()
            else ""
        )
        return Result(
            "server",
            "info",
            f"no VS Code server on this host (looked at $VSCODE_AGENT_FOLDER, the terminal's "
            f"variables, {looked}){note}; editor checks skipped",
        )
    if server.kind == "tunnel":
        return Result(
            "server",
            "info",
            f"only the VS Code CLI is here ({server.root}): a tunnel, no server has run yet; "
            "editor checks skipped",
        )
    if not server.root.is_dir():
        return Result(
            "server",
            "warn",
            f"{server.how} names {server.root}, which does not exist",
            "connect once with VS Code so the server installs there, then run doctor again",
        )
    return Result("server", "info", f"VS Code server: {server.root} (from {server.how})")


def extension_rows(
    server: Server, settings: Mapping[str, Any], launch: Any
) -> tuple[list[Result], list[Installed]]:
    installed, source = installed_extensions(server.extensions)
    rows: list[Result] = []
    for want in wanted(server, settings, launch):
        hit = newest(installed, want.ext_id)
        if hit is not None:
            rows.append(
                Result(
                    want.check_id, "ok", f"{want.title} {hit.version} ({want.ext_id}) in {source}"
                )
            )
            continue
        rows.append(
            Result(
                want.check_id,
                "fail",
                f"{want.title} ({want.ext_id}; {want.why}) is not installed on this server "
                f"({source})",
                _install_fix(server, want.ext_id),
            )
        )
    if server.kind == "cursor" and newest(installed, PYLANCE) is not None:
        rows.append(
            Result(
                "ext-pylance-cursor",
                "warn",
                f"{PYLANCE} is installed in Cursor's server, which it refuses to run in "
                "(licence: Microsoft's editors only)",
                f"cursor --uninstall-extension {PYLANCE}; use {CURSOR_PYRIGHT}",
            )
        )
    return rows, installed
