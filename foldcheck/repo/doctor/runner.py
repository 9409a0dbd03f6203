"""Every doctor row, in a fixed order: for one repository on this host (``run_checks``), or
for the VS Code running on this machine (``run_client``, the ``--client`` mode)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from foldcheck.repo.doctor import host
from foldcheck.repo.doctor.chosen import selected_row
from foldcheck.repo.doctor.client_state import (
    PRODUCTS,
    STATE_FILE,
    choices,
    read_python_state,
    state_base,
    state_files,
)
from foldcheck.repo.doctor.devcontainer import devcontainer_row
from foldcheck.repo.doctor.enumeration import enumeration_row
from foldcheck.repo.doctor.extensions import extension_rows, server_row
from foldcheck.repo.doctor.hooks import hook_path_rows
from foldcheck.repo.doctor.interpreter import interpreter_row
from foldcheck.repo.doctor.layers import read_layer, read_layers
from foldcheck.repo.doctor.logs import what_vscode_did
from foldcheck.repo.doctor.picker import picker_row
from foldcheck.repo.doctor.project import read_project
from foldcheck.repo.doctor.pylance import hook_rows, pyright_config, pyright_rows
from foldcheck.repo.doctor.result import Result
from foldcheck.repo.doctor.server import find_server, newest
from foldcheck.repo.doctor.settings import ENVS_EXT, analysis_row, envs_row, language_server_row
from foldcheck.repo.doctor.workspace import pre_commit_row, schema_row


def run_checks(repo: Path, home: Path, environ: Mapping[str, str] | None = None) -> list[Result]:
    """Every row for ``repo`` (a checkout's top level): what VS Code did first, then the
    configuration, the interpreters, the repository's own set-up and the host."""
    environ = os.environ if environ is None else environ
    repo = repo.resolve()
    found_server = find_server(home, environ)
    server = found_server if found_server and found_server.kind != "tunnel" else None
    if server is not None and not server.root.is_dir():
        server = None
    layers = read_layers(repo, server.machine_settings if server else None)
    settings = layers[0].values
    project = read_project(repo)
    rows = [
        Result("settings", "fail", f"{layer.path}: {layer.error}", "fix it (JSON with comments)")
        for layer in layers
        if layer.error
    ]
    interpreter, configured, probed = interpreter_row(layers, repo, home, project, environ)
    selected = None
    if server is not None:
        seen = what_vscode_did(server.logs, repo, home)
        selected = seen.interpreter if seen else None
        rows.append(selected_row(server.logs, seen, str(configured) if configured else None))
    rows += [server_row(found_server, home), interpreter]
    if server is not None:
        launch = read_layer("launch", repo / ".vscode" / "launch.json").values
        extension, installed = extension_rows(server, settings, launch)
        rows += extension
        envs = envs_row(layers, repo, newest(installed, ENVS_EXT) is not None)
        rows += [envs] if envs else []
    rows += [
        language_server_row(layers, cursor=server is not None and server.kind == "cursor"),
        analysis_row(layers, repo),
        enumeration_row(repo, layers),
    ]
    if probed is not None and configured is not None:
        rows += hook_rows(repo, configured, probed.sites)
    rows += pyright_rows(repo, layers, *pyright_config(repo))
    rows += [
        picker_row(repo, home, environ, project, configured, selected),
        pre_commit_row(repo, environ),
        *hook_path_rows(repo),
        schema_row(repo, home, settings),
    ]
    container = devcontainer_row(repo)
    rows += [container] if container else []
    rows += [host.glibc_row(), host.glibcxx_row(), host.inotify_row(repo, settings)]
    if server is not None:
        rows.append(host.free_space_row(server.root))
    else:
        rows.append(host.free_space_row(home, "a VS Code server in the home"))
    return rows


def run_client(home: Path, environ: Mapping[str, str] | None = None) -> list[Result]:
    environ = os.environ if environ is None else environ
    files = state_files(home, environ)
    if not files:
        looked = state_base(home, environ) / ("{" + ",".join(PRODUCTS) + "}") / STATE_FILE
        return [Result("client", "info", f"no VS Code global state on this machine ({looked})")]
    rows = []
    for path in files:
        try:
            state, note = read_python_state(path)
        except (OSError, sqlite3.Error, ValueError) as exc:
            rows.append(Result("client", "warn", f"{path}: cannot read ({exc})"))
            continue
        picked = choices(state)
        suffix = f" ({note})" if note else ""
        if not picked:
            rows.append(
                Result("client", "info", f"{path}: no interpreter chosen for any folder{suffix}")
            )
        for choice in picked:
            rows.append(
                Result(
                    "client-interpreter",
                    "info",
                    f"{choice.remote} {choice.folder}: {choice.interpreter} ({path}){suffix}",
                    "to let python.defaultInterpreterPath apply again: open that folder, "
                    "Python: Clear Workspace Interpreter Setting",
                )
            )
    return rows
