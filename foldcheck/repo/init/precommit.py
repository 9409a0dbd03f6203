"""The foldcheck hook that ``foldcheck init`` adds to ``.pre-commit-config.yaml``.

The ``repos:`` entry is built as data, rendered as YAML and spliced into the file as text, so
comments and layout survive; the result is parsed back and refused unless it means the old
configuration plus our entry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import yaml

from foldcheck.errors import InputError
from foldcheck.io.textedit import ended, line_end
from foldcheck.io.yamltext import YamlProblem, load_yaml
from foldcheck.repo.init.pyproject import PYPROJECT, Settings

HookMode = Literal["system", "python", "remote"]
HOOK_ID = "foldcheck"
VALIDATE_HOOK_ID = "foldcheck-validate-coco"
CONFIG = ".pre-commit-config.yaml"
# pre-commit 4 renamed `system` to `unsupported` and reads both (clientlib.py).
SYSTEM_LANGUAGES = ("system", "unsupported")
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


def hook_entry(
    mode: HookMode, files: str, program: str, version: str, url: str | None
) -> dict[str, Any]:
    """The ``repos:`` item for the foldcheck hook, as pre-commit will read it; ``program``
    starts foldcheck in system mode (``launcher.Launcher.program``)."""
    if mode == "remote":
        if url is None:
            raise InputError(
                "--hook remote: foldcheck's package metadata names no repository for "
                "pre-commit to clone; use --hook system (the default), which runs this "
                "installation"
            )
        return {"repo": url, "rev": f"v{version}", "hooks": [{"id": HOOK_ID, "files": files}]}
    hook: dict[str, Any] = {
        "id": HOOK_ID,
        "name": "foldcheck (cross-validation folds)",
        "entry": f"{_program(mode, program)} check",
        "language": mode,
        "pass_filenames": False,
        "files": files,
    }
    if mode == "python":
        hook["additional_dependencies"] = [f"foldcheck=={version}"]
    return {"repo": "local", "hooks": [hook]}


def _program(mode: HookMode, program: str) -> str:
    # pre-commit puts a python hook's own environment first on PATH.
    return "foldcheck" if mode == "python" else program


def validate_hook_entry(
    mode: HookMode, dataset: str, program: str, version: str, url: str | None
) -> dict[str, Any]:
    """The ``repos:`` item for ``foldcheck validate`` on the dataset (its lint rules FC5xx):
    run when the dataset changes, on that file only."""
    files = "^" + re.escape(dataset) + "$"
    if mode == "remote":
        entry = hook_entry(mode, files, program, version, url)
        entry["hooks"] = [{"id": VALIDATE_HOOK_ID, "files": files}]
        return entry
    hook: dict[str, Any] = {
        "id": VALIDATE_HOOK_ID,
        "name": "foldcheck validate (COCO lint)",
        "entry": f"{_program(mode, program)} validate --quiet",
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
        document = load_yaml(text, CONFIG)
    except YamlProblem as exc:
        raise InputError(f"not valid YAML ({exc.problem}); nothing written", CONFIG) from None
    data, root = document.data, document.root
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
    if not _means(new, {**data, "repos": [*(repos or []), entry]}):
        raise InputError(
            "cannot add the foldcheck hook without changing the file's meaning; "
            "add it under repos: by hand (foldcheck init --dry-run in an empty "
            "repository shows it); nothing written",
            CONFIG,
        )
    return new


def _means(text: str, expected: Any) -> bool:
    """Whether the edited ``text`` still parses, to ``expected``."""
    try:
        return bool(load_yaml(text, CONFIG).data == expected)
    except YamlProblem:
        return False


def system_entries(text: str | None) -> dict[str, str]:
    """hook id -> entry of the ``repo: local`` hooks that run a command of this machine
    (``language: system``, or its new name ``unsupported``); empty when the configuration does
    not parse (``add_hook`` says why)."""
    try:
        data = load_yaml(text or "", CONFIG).data
    except YamlProblem:
        return {}
    repos = data.get("repos") if isinstance(data, dict) else None
    found: dict[str, str] = {}
    for repo in repos if isinstance(repos, list) else []:
        hooks = repo.get("hooks") if isinstance(repo, dict) and repo.get("repo") == "local" else []
        for hook in hooks if isinstance(hooks, list) else []:
            if (
                isinstance(hook, dict)
                and isinstance(hook.get("entry"), str)
                and hook.get("language") in SYSTEM_LANGUAGES
            ):
                found.setdefault(str(hook.get("id")), hook["entry"])
    return found


def _scalar(value: str) -> str:
    plain = yaml.safe_dump(value, default_style=None, width=1000).removesuffix("\n...\n")
    return plain.strip() if "\n" not in plain.strip() else json.dumps(value)


def replace_entry(text: str, hook_id: str, entry: str) -> str:
    """``text`` with the ``entry:`` of the local hook ``hook_id`` set to ``entry``, as text;
    refused unless the result means the old configuration with that one value changed."""
    try:
        document = load_yaml(text, CONFIG)
    except YamlProblem as exc:
        raise InputError(f"not valid YAML ({exc.problem}); nothing written", CONFIG) from None
    data, root = document.data, document.root
    found = None
    for repo in _items(_value(root, "repos")):
        name = _value(repo, "repo")
        if name is None or name.value != "local":
            continue
        for hook in _items(_value(repo, "hooks")):
            node = _value(hook, "id")
            if node is not None and node.value == hook_id and found is None:
                found = _value(hook, "entry")
    if not isinstance(found, yaml.ScalarNode):
        raise InputError(f"the {hook_id} hook has no entry to update; nothing written", CONFIG)
    new = text[: found.start_mark.index] + _scalar(entry) + text[found.end_mark.index :]
    for repo in data["repos"]:
        hooks = repo.get("hooks") if isinstance(repo, dict) and repo.get("repo") == "local" else []
        changed = next(
            (h for h in hooks or [] if isinstance(h, dict) and h.get("id") == hook_id), None
        )
        if changed is not None:
            changed["entry"] = entry
            break
    if not _means(new, data):
        raise InputError(
            f"cannot set the {hook_id} hook's entry to {entry!r} without changing the rest of "
            "the file; set it by hand; nothing written",
            CONFIG,
        )
    return new


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next(
        (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None
    )


def _items(node: yaml.Node | None) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def config_with_hook(text: str | None, entry: dict[str, Any]) -> str | None:
    """The configuration with ``entry`` added (a new file gets a header); None if there."""
    new = add_hook(text or "", entry)
    if text is None and new is not None:
        new = NEW_CONFIG_HEADER + new
    return new
