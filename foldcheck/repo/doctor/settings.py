"""Settings that switch IntelliSense off, hide errors, or outrank the configured interpreter;
each reported with the file and key that set it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from foldcheck.repo.doctor.layers import Layer, Setting, effective, everywhere
from foldcheck.repo.doctor.pylance import pyright_config
from foldcheck.repo.doctor.result import Result

ENVS_EXT = "ms-python.vscode-python-envs"
_HIDE_ALL = {"**", "*", "**/*", "${workspaceFolder}", "${workspaceFolder}/**", "."}


def language_server_row(layers: list[Layer], cursor: bool) -> Result:
    setting = effective(layers, "python.languageServer")
    value = setting.value if setting else "Default"
    if setting is not None and value == "None":
        return Result(
            "language-server",
            "fail",
            f'python.languageServer is "None" in {setting.layer.path}: no completion, no '
            "go to definition, no errors as you type",
            f'remove "python.languageServer" from {setting.layer.path} '
            f'(or set it to "{"Default" if cursor else "Pylance"}")',
        )
    if setting is not None and value == "Jedi":
        return Result(
            "language-server",
            "warn",
            f'python.languageServer is "Jedi" in {setting.layer.path}: completion only, no '
            "type checking; the Pylance settings in this repo do nothing",
            f'remove "python.languageServer" from {setting.layer.path}',
        )
    where = f" ({setting.where})" if setting else " (not set)"
    return Result("language-server", "ok", f"python.languageServer: {value}{where}")


def analysis_row(layers: list[Layer], repo: Path) -> Result:
    hidden: list[str] = []
    fixes: list[str] = []
    config, config_name = pyright_config(repo)
    mode = config.get("typeCheckingMode") if config else None
    if mode == "off":
        hidden.append(f'typeCheckingMode = "off" in {config_name}: type errors are not shown')
        fixes.append(f'set typeCheckingMode = "standard" in {config_name}')
    elif mode is None:
        setting = effective(layers, "python.analysis.typeCheckingMode")
        if setting is not None and setting.value == "off":
            hidden.append(f'{setting.where} is "off": type errors are not shown')
            fixes.append(f'set it to "standard" in {setting.layer.path}')
    for setting in everywhere(layers, "python.analysis.ignore"):
        patterns = setting.value if isinstance(setting.value, list) else []
        if any(isinstance(p, str) and p.rstrip("/") in _HIDE_ALL for p in patterns):
            hidden.append(f"{setting.where} ignores every file: no diagnostics at all")
            fixes.append(f'remove "python.analysis.ignore" from {setting.layer.path}')
    for setting in everywhere(layers, "python.analysis.diagnosticSeverityOverrides"):
        overrides = setting.value if isinstance(setting.value, dict) else {}
        if overrides.get("reportMissingImports") == "none":
            hidden.append(
                f"{setting.where} silences reportMissingImports: broken imports look fine"
            )
            fixes.append(f'remove "reportMissingImports" from it in {setting.layer.path}')
    if hidden:
        return Result("analysis", "warn", "\n".join(hidden), "; ".join(fixes))
    return Result("analysis", "ok", "no setting hides errors")


def _is_this_folder(path: object, repo: Path) -> bool:
    if not isinstance(path, str):
        return False
    raw = path.replace("${workspaceFolder}", str(repo))
    full = Path(raw) if os.path.isabs(raw) else repo / raw
    return os.path.normpath(full) == os.path.normpath(repo)


def envs_row(layers: list[Layer], repo: Path, envs_installed: bool) -> Result | None:
    """python-envs.* outrank python.defaultInterpreterPath while the Python Environments
    extension runs (vscode-python-environments src/features/interpreterSelection.ts: priority
    1 pythonProjects, 2 defaultEnvManager, 3 defaultInterpreterPath)."""
    if not envs_installed:
        return None
    off = effective(layers, "python.useEnvironmentsExtension")
    if off is not None and off.value is False:
        return Result(
            "python-envs", "info", f"the Python Environments extension is off ({off.where})"
        )
    configured = effective(layers, "python.defaultInterpreterPath")
    winners: list[Setting] = []
    for setting in everywhere(layers, "python-envs.pythonProjects"):
        projects = setting.value if isinstance(setting.value, list) else []
        if any(
            isinstance(p, dict) and _is_this_folder(p.get("path"), repo) and p.get("envManager")
            for p in projects
        ):
            winners.append(setting)
    winners += everywhere(layers, "python-envs.defaultEnvManager")
    if not winners:
        return Result(
            "python-envs", "ok", "no python-envs.* setting outranks the configured interpreter"
        )
    names = "; ".join(f"{s.where} = {json.dumps(s.value)}" for s in winners)
    if configured is None:
        return Result("python-envs", "info", f"the interpreter is chosen by {names}")
    return Result(
        "python-envs",
        "warn",
        f"{names} outranks {configured.where} while {ENVS_EXT} runs",
        f"remove {winners[0].key} from {winners[0].layer.path}, or set "
        f'"python.useEnvironmentsExtension": false in {configured.layer.path}',
    )
