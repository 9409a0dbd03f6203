"""The headline row: the interpreter VS Code actually selected here, against the configured one.

Once someone picks an interpreter for a folder, the Python extension keeps that choice (in the
laptop's global state, see ``client_state``) and ignores ``python.defaultInterpreterPath`` from
then on (vscode-python #19323, #22568, #25756): settings alone cannot show it, the logs can.
"""

from __future__ import annotations

import os
from pathlib import Path

from foldcheck.repo.doctor.logs import Seen
from foldcheck.repo.doctor.result import Result

CLEAR = "Python: Clear Workspace Interpreter Setting"
SELECT = "Python: Select Interpreter"


def selected_row(logs: Path, seen: Seen | None, configured: str | None) -> Result:
    if seen is None:
        return Result(
            "selected",
            "info",
            f"VS Code has not opened this folder on this server yet (no logs in {logs})",
        )
    window = "" if seen.matched else " (the newest window: no log named this folder)"
    if seen.failed:
        return Result(
            "selected",
            "fail",
            f"the Python extension failed to activate{window}: "
            f"see {seen.exthost / 'remoteexthost.log'}",
            "read the error there; reinstall it from the server's terminal: "
            "code --install-extension ms-python.python --force",
        )
    if seen.interpreter is None:
        if not seen.activated:
            return Result(
                "selected",
                "warn",
                f"the Python extension did not activate in {seen.exthost}{window}",
                "open a .py file; if nothing happens, check that ms-python.python is installed "
                "on the server (row ext-python)",
            )
        return Result(
            "selected",
            "warn",
            f"the Python extension ran but logged no interpreter in {seen.exthost}{window}",
            f"Command Palette → {SELECT}",
        )
    found = f"VS Code selected {seen.interpreter} ({seen.where}){window}"
    if configured is None:
        return Result("selected", "info", found + "; no interpreter is configured")
    if os.path.normpath(configured) == os.path.normpath(seen.interpreter):
        return Result("selected", "ok", found + ", the configured one")
    return Result(
        "selected",
        "fail" if seen.matched else "warn",
        f"{found}, not the configured {configured}: a choice made earlier outranks "
        "python.defaultInterpreterPath",
        f"Command Palette → {CLEAR} (then reload the window), or {SELECT} → {configured}",
    )
