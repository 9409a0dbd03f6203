"""The foldcheck hook that ``foldcheck init`` adds to ``.pre-commit-config.yaml``.

The ``repos:`` entry is built as data, rendered as YAML and spliced into the file as text, so
comments and layout survive; the result is parsed back and refused unless it means the old
configuration plus our entry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import yaml

from foldcheck.errors import InputError
from foldcheck.io.textedit import ended, line_end
from foldcheck.repo.init.pyproject import PYPROJECT, Settings

HookMode = Literal["system", "python", "remote"]
HOOK_ID = "foldcheck"
VALIDATE_HOOK_ID = "foldcheck-validate-coco"
CONFIG = ".pre-commit-config.yaml"
NEW_CONFIG_HEADER = "# https://pre-commit.com: `pre-commit install` runs these on every commit.\n"


def files_pattern(settings: Settings, manifest: str | None) -> str:
    """When the hook runs: the fold folder (exports live beside the manifest), the dataset
    and pyproject.toml. Paths outside the repository cannot change in a commit."""
    folds = settings.folds
    if manifest is not None:
        folder = manifest.rpartition("/")[0]
        folds = f"{folder}/" if folder else manifest
    parts = [
        re.escape(folds) + ("" if folds.endswith("/") or folds.endswith(".json") else "(?:/|$)")
    ]
    if settings.dataset and not Path(settings.dataset).is_absolute():
        dataset = settings.dataset
        folder = dataset.rpartition("/")[0]
        if dataset.lower().endswith((".yaml", ".yml")):
            # A YOLO dataset is its YAML with the lists and label files beside it.
            parts.append(f"{re.escape(folder)}/" if folder else "(?:images|labels)/")
        parts.append(re.escape(dataset) + "$")
    parts.append(re.escape(PYPROJECT) + "$")
    return "^(?:" + "|".join(parts) + ")"


def project_url(urls: Sequence[str], home: str | None) -> str | None:
    """The repository among a distribution's ``Project-URL`` entries ("Label, URL")."""
    labelled = {
        label.strip().lower(): link.strip() for label, _, link in (u.partition(",") for u in urls)
    }
    for label in ("source", "repository", "source code", "code", "homepage"):
        if label in labelled:
            return labelled[label]
    return home


def hook_entry(mode: HookMode, files: str, version: str, url: str | None) -> dict[str, Any]:
    """The ``repos:`` item for the foldcheck hook, as pre-commit will read it."""
    if mode == "remote":
        if url is None:
            raise InputError(
                "foldcheck's package metadata names no repository URL for "
                "--hook remote; use --hook system or --hook python"
            )
        return {"repo": url, "rev": f"v{version}", "hooks": [{"id": HOOK_ID, "files": files}]}
    hook: dict[str, Any] = {
        "id": HOOK_ID,
        "name": "foldcheck (cross-validation folds)",
        "entry": "foldcheck check",
        "language": mode,
        "pass_filenames": False,
        "files": files,
    }
    if mode == "python":
        hook["additional_dependencies"] = [f"foldcheck=={version}"]
    return {"repo": "local", "hooks": [hook]}


def validate_hook_entry(
    mode: HookMode, dataset: str, version: str, url: str | None
) -> dict[str, Any]:
    """The ``repos:`` item for ``foldcheck validate`` on the dataset (its lint rules FC5xx):
    run when the dataset changes, on that file only."""
    files = "^" + re.escape(dataset) + "$"
    if mode == "remote":
        entry = hook_entry(mode, files, version, url)
        entry["hooks"] = [{"id": VALIDATE_HOOK_ID, "files": files}]
        return entry
    hook: dict[str, Any] = {
        "id": VALIDATE_HOOK_ID,
        "name": "foldcheck validate (COCO lint)",
        "entry": "foldcheck validate --quiet",
        "language": mode,
        "files": files,
    }
    if mode == "python":
        hook["additional_dependencies"] = [f"foldcheck=={version}"]
    return {"repo": "local", "hooks": [hook]}


class _Dumper(yaml.SafeDumper):
    # Indent nested lists under their key, as pre-commit's own sample config does.
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def render_entry(entry: dict[str, Any], dash: int) -> str:
    text = yaml.dump([entry], Dumper=_Dumper, sort_keys=False, width=1000, indent=2)
    return "".join(" " * dash + line for line in text.splitlines(keepends=True))


def _has_hook(repos: list[Any], hook_id: str) -> bool:
    return any(
        isinstance(repo, dict)
        and isinstance(repo.get("hooks"), list)
        and any(isinstance(h, dict) and h.get("id") == hook_id for h in repo["hooks"])
        for repo in repos
    )


def _after_last_item(text: str, seq: yaml.SequenceNode) -> int:
    # The sequence ends where the next token starts; step back over blank lines and over
    # comments indented no deeper than its dashes, which introduce what comes next.
    lines = text[: seq.end_mark.index].splitlines(keepends=True)
    while lines:
        stripped = lines[-1].strip()
        indent = len(lines[-1]) - len(lines[-1].lstrip())
        if stripped and not (stripped.startswith("#") and indent <= seq.start_mark.column):
            break
        lines.pop()
    return line_end(text, max(len("".join(lines)) - 1, 0))


def add_hook(text: str, entry: dict[str, Any]) -> str | None:
    """``text`` with ``entry`` appended under ``repos:``; None if the hook is there already."""
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise InputError(
            f"not valid YAML ({str(exc).splitlines()[0]}); nothing written", CONFIG
        ) from None
    if data is None:
        data, root = {}, None
    elif not isinstance(data, dict) or not isinstance(root, yaml.MappingNode) or root.flow_style:
        raise InputError("not a block mapping of pre-commit settings; nothing written", CONFIG)
    repos = data.get("repos")
    if repos is not None and not isinstance(repos, list):
        raise InputError("repos is not a list; nothing written", CONFIG)
    if repos and _has_hook(repos, entry["hooks"][0]["id"]):
        return None
    node = next((v for k, v in root.value if k.value == "repos"), None) if root else None
    if isinstance(node, yaml.SequenceNode) and not node.flow_style:
        at = _after_last_item(text, node)
        new = ended(text[:at]) + render_entry(entry, node.start_mark.column) + text[at:]
    elif node is not None and not repos:  # `repos:` or `repos: []`: ours becomes the list
        line = line_end(text, node.start_mark.index)
        head = text[: node.start_mark.index] + text[node.end_mark.index : line]
        new = ended(head.rstrip(" ")) + render_entry(entry, 2) + text[line:]
    elif node is None:
        new = ended(text) + "repos:\n" + render_entry(entry, 2)
    else:
        raise InputError(
            "repos is a flow-style list ([...]) that cannot be extended as text "
            "without rewriting it; nothing written",
            CONFIG,
        )
    expected = {**data, "repos": [*(repos or []), entry]}
    try:
        same = yaml.safe_load(new) == expected
    except yaml.YAMLError:
        same = False
    if not same:
        raise InputError(
            "cannot add the foldcheck hook without changing the file's meaning; "
            "add it under repos: by hand (foldcheck init --dry-run in an empty "
            "repository shows it); nothing written",
            CONFIG,
        )
    return new


def config_with_hook(text: str | None, entry: dict[str, Any]) -> str | None:
    """The configuration with ``entry`` added (a new file gets a header); None if there."""
    new = add_hook(text or "", entry)
    if text is None and new is not None:
        new = NEW_CONFIG_HEADER + new
    return new
