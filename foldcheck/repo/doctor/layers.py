"""The settings VS Code applies to a remote folder, read together, each value with its file.

Precedence (highest first): the folder's ``.vscode/settings.json``, then the server's remote
settings ``<server>/data/Machine/settings.json``; the laptop's user settings sit below both and
are not visible from the server. Both Python settings read here are overridable by the
workspace (scope ``machine-overridable`` or ``window``, vscode-python package.json).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foldcheck.io.jsonc import load_jsonc

WORKSPACE = ".vscode/settings.json"


@dataclass(frozen=True)
class Layer:
    name: str  # "workspace" or "remote machine"
    path: Path
    values: dict[str, Any]
    error: str  # why the file could not be read ("" when it could, or is absent)


@dataclass(frozen=True)
class Setting:
    key: str
    value: Any
    layer: Layer

    @property
    def where(self) -> str:
        return f"{self.layer.path} {self.key}"


def read_layer(name: str, path: Path) -> Layer:
    if not path.is_file():
        return Layer(name, path, {}, "")
    try:
        data = load_jsonc(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        return Layer(name, path, {}, f"unreadable: {exc}")
    if not isinstance(data, dict):
        return Layer(name, path, {}, "not a JSON object")
    return Layer(name, path, data, "")


def read_layers(repo: Path, machine_settings: Path | None) -> list[Layer]:
    layers = [read_layer("workspace", repo / WORKSPACE)]
    if machine_settings is not None:
        layers.append(read_layer("remote machine", machine_settings))
    return layers


def effective(layers: list[Layer], key: str) -> Setting | None:
    for layer in layers:
        if key in layer.values:
            return Setting(key, layer.values[key], layer)
    return None


def everywhere(layers: list[Layer], key: str) -> list[Setting]:
    return [Setting(key, layer.values[key], layer) for layer in layers if key in layer.values]
