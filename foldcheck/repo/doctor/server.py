"""Which VS Code server this host runs, and which extensions that server has installed.

The server keeps everything under one data folder (vscode src/vs/server/node/server.main.ts:
``--server-data-dir`` over ``$VSCODE_AGENT_FOLDER`` over ``~/<product.serverDataFolderName>``):
``extensions/`` with its ``extensions.json`` list, ``data/Machine/settings.json`` (the remote
settings) and ``data/logs/<session>/`` (what the extension hosts logged). Only that folder counts:
a desktop install's ``~/.vscode/extensions`` serves no remote window.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["vscode", "insiders", "cursor", "tunnel"]

# Home folders of the servers, in the order a bare home is searched (after the environment).
HOME_SERVERS: tuple[tuple[str, Kind], ...] = (
    (".vscode-server", "vscode"),
    (".vscode-server-insiders", "insiders"),
    (".vscode-remote", "vscode"),  # the server's built-in default (Codespaces)
    (".cursor-server", "cursor"),
)
TUNNEL_CLI = ".vscode/cli"
# Variables the server sets in its integrated terminal, pointing into its install:
# <root>/bin/<commit>/... (Remote-SSH) or <root>/cli/servers/<quality>-<commit>/server/...
TERMINAL_VARS = ("VSCODE_GIT_ASKPASS_NODE", "BROWSER", "VSCODE_GIT_ASKPASS_MAIN")
_COMMIT = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class Server:
    root: Path
    kind: Kind
    how: str  # how it was found, for the report

    @property
    def extensions(self) -> Path:
        return self.root / "extensions"

    @property
    def machine_settings(self) -> Path:
        return self.root / "data" / "Machine" / "settings.json"

    @property
    def logs(self) -> Path:
        return self.root / "data" / "logs"

    @property
    def cli(self) -> str:
        """The command that installs extensions from the server's integrated terminal."""
        return {"insiders": "code-insiders", "cursor": "cursor"}.get(self.kind, "code")


def _kind_of(root: Path) -> Kind:
    name = root.name
    if "cursor" in name:
        return "cursor"
    return "insiders" if "insiders" in name else "vscode"


def server_root_of(path: str) -> Path | None:
    """The data folder of a server whose installed files include ``path``."""
    parts = Path(path).parts
    for i in range(len(parts) - 1, 0, -1):
        if parts[i] == "bin" and i + 1 < len(parts) and _COMMIT.fullmatch(parts[i + 1]):
            return Path(*parts[:i])
        if parts[i] == "cli" and parts[i + 1 : i + 2] == ("servers",):
            return Path(*parts[:i])
    return None


def find_server(home: Path, environ: Mapping[str, str]) -> Server | None:
    """The server in use: the one the environment names, else the first in the home."""
    agent = environ.get("VSCODE_AGENT_FOLDER")
    if agent:
        root = Path(agent).expanduser()
        return Server(root, _kind_of(root), "$VSCODE_AGENT_FOLDER")
    candidates = [(v, environ.get(v, "")) for v in TERMINAL_VARS]
    candidates += [("PATH", p) for p in environ.get("PATH", "").split(":") if "remote-cli" in p]
    for var, value in candidates:
        found = server_root_of(value) if value else None
        if found is not None and found.is_dir():
            return Server(found, _kind_of(found), f"${var} of the integrated terminal")
    for name, kind in HOME_SERVERS:
        if (home / name).is_dir():
            return Server(home / name, kind, f"~/{name}")
    if (home / TUNNEL_CLI).is_dir():
        return Server(home / TUNNEL_CLI, "tunnel", f"~/{TUNNEL_CLI}")
    return None


# --- installed extensions -------------------------------------------------------------------


@dataclass(frozen=True)
class Installed:
    id: str  # lower case, as VS Code compares them
    version: str
    folder: str


def version_key(version: str) -> tuple[int, ...]:
    """``2025.10.0`` > ``2025.2.0``: numbers compared as numbers, anything else ignored."""
    return tuple(int(n) for n in re.findall(r"\d+", version.split("-")[0]))


def _obsolete(extensions: Path) -> set[str]:
    # Uninstalling only lists the folder in .obsolete; VS Code deletes it later.
    try:
        data = json.loads((extensions / ".obsolete").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {k for k, v in data.items() if v} if isinstance(data, dict) else set()


def _folder_of(entry: dict[str, object]) -> str:
    location = entry.get("relativeLocation") or entry.get("location")
    if isinstance(location, dict):
        location = location.get("path") or location.get("fsPath")
    return Path(location).name if isinstance(location, str) else ""


def installed_extensions(extensions: Path) -> tuple[list[Installed], str]:
    """What the server lists in ``extensions.json`` (and, before that file existed, its
    folders), less what it uninstalled; and where that came from."""
    gone = _obsolete(extensions)
    listing = extensions / "extensions.json"
    found: list[Installed] = []
    try:
        data = json.loads(listing.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = None
    except (OSError, ValueError) as exc:
        return [], f"{listing} is unreadable ({exc})"
    if isinstance(data, list):
        for entry in data:
            ident = entry.get("identifier") if isinstance(entry, dict) else None
            if not isinstance(ident, dict) or not isinstance(ident.get("id"), str):
                continue
            folder = _folder_of(entry)
            if folder in gone:
                continue
            found.append(Installed(ident["id"].lower(), str(entry.get("version", "")), folder))
        return found, str(listing)
    for path in sorted(extensions.glob("*.*-[0-9]*")) if extensions.is_dir() else []:
        match = re.fullmatch(r"(.+?\..+?)-(\d[^/]*)", path.name)
        if path.is_dir() and match and path.name not in gone:
            found.append(Installed(match[1].lower(), match[2], path.name))
    return found, f"the folders in {extensions} (no extensions.json)"


def newest(installed: list[Installed], ext_id: str) -> Installed | None:
    hits = [e for e in installed if e.id == ext_id.lower()]
    return max(hits, key=lambda e: version_key(e.version)) if hits else None
