"""What ``foldcheck init`` changes in a repository: planned as data, then written at once.

Three files are edited as text, never re-dumped, so that users' comments and layout survive:
``.pre-commit-config.yaml`` (the foldcheck hook), ``pyproject.toml`` (``[tool.foldcheck]``)
and ``.vscode/settings.json`` (the manifest's JSON schema). Each edit is checked by parsing
the result: when it would mean anything but "the old content plus ours", the file is refused
with an ``InputError`` and nothing at all is written. Nothing here prints.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from foldcheck.atomic import staged_files
from foldcheck.config import DEFAULT_TOLERANCE, load_config, tomllib
from foldcheck.doctor import strip_jsonc
from foldcheck.errors import InputError
from foldcheck.locate import JsonText
from foldcheck.manifest import read_manifest

HookMode = Literal["system", "python", "remote"]
HOOK_ID = "foldcheck"
CONFIG = ".pre-commit-config.yaml"
PYPROJECT = "pyproject.toml"
SETTINGS = ".vscode/settings.json"
# A copy inside the repository: works offline, and for every teammate and host alike.
SCHEMA_COPY = ".vscode/foldcheck.schema.json"
# `split`'s built-in defaults, recorded when there is no manifest to take them from.
DEFAULTS: dict[str, Any] = {
    "k": 5,
    "seed": 0,
    "group_by": "image",
    "stratify": "both",
    "tolerance": DEFAULT_TOLERANCE,
}
NEW_CONFIG_HEADER = "# https://pre-commit.com: `pre-commit install` runs these on every commit.\n"
_HOOK_GIT_VARS = {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR"}
_SKIP_DIRS = {"node_modules", "__pycache__", "site-packages"}


@dataclass(frozen=True)
class Settings:
    """The ``[tool.foldcheck]`` values, paths relative to the repository root."""

    folds: str
    dataset: str | None
    k: int
    seed: int
    group_by: str
    stratify: str
    tolerance: float

    def items(self) -> list[tuple[str, Any]]:
        pairs = [
            ("dataset", self.dataset),
            ("folds", self.folds),
            ("k", self.k),
            ("seed", self.seed),
            ("group_by", self.group_by),
            ("stratify", self.stratify),
            ("tolerance", self.tolerance),
        ]
        return [(key, value) for key, value in pairs if value is not None]


@dataclass(frozen=True)
class Edit:
    path: str  # relative to the root, with forward slashes
    old: str | None  # None: the file is new
    new: str
    summary: str


@dataclass(frozen=True)
class Plan:
    root: Path
    settings: Settings
    manifest: str | None
    edits: tuple[Edit, ...]
    kept: tuple[str, ...]  # files left as they were, and why

    def diff(self) -> str:
        chunks: list[str] = []
        for edit in self.edits:
            old = [] if edit.old is None else edit.old.splitlines(keepends=True)
            chunks.extend(
                difflib.unified_diff(
                    old,
                    edit.new.splitlines(keepends=True),
                    "/dev/null" if edit.old is None else f"a/{edit.path}",
                    f"b/{edit.path}",
                )
            )
        return "".join(chunks)


# --- finding the repository and its fold set ------------------------------------------------


def git_root(cwd: Path) -> Path:
    # Inside a git hook GIT_DIR and friends are set and would aim git at another repository.
    env = {k: v for k, v in os.environ.items() if k not in _HOOK_GIT_VARS}
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise InputError(f"cannot run git: {exc}", cwd) from None
    if done.returncode != 0:
        raise InputError("not inside a git repository (pre-commit needs one: run git init)", cwd)
    return Path(done.stdout.strip()).resolve()


def rel(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with forward slashes, or absolute when outside it."""
    resolved = path.resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(resolved)


def find_manifests(root: Path) -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS)
        if "folds.json" in files:
            found.append(Path(folder) / "folds.json")
    return found


def locate_manifest(root: Path, manifest: Path | None, named: Path | None) -> Path | None:
    """--manifest; else the folds named by --folds or [tool.foldcheck] (None if not made
    yet); else folds/folds.json; else the one folds.json in the repository."""
    if manifest is not None:
        if not manifest.is_file():
            raise InputError("no such manifest", manifest)
        return manifest
    if named is not None:
        if named.is_file():
            return named
        return named / "folds.json" if (named / "folds.json").is_file() else None
    if (root / "folds" / "folds.json").is_file():
        return root / "folds" / "folds.json"
    found = find_manifests(root)
    if len(found) > 1:
        names = ", ".join(rel(p, root) for p in found[:3])
        raise InputError(f"several fold manifests ({names}): pick one with --manifest", root)
    return found[0] if found else None


def resolve_settings(
    root: Path, manifest: Path | None, dataset: Path | None, folds: Path | None
) -> tuple[Settings, str | None]:
    config = load_config(root)
    configured = config if config.root == root else None
    named = folds or (configured.folds if configured else None)
    found = locate_manifest(root, manifest, named)
    values = dict(DEFAULTS)
    if found is not None:
        read = read_manifest(found)
        values.update(
            k=read.k,
            seed=read.seed,
            group_by=read.group_by,
            stratify=read.stratify,
            tolerance=read.tolerance,
        )
        dataset = dataset or read.dataset_file
    if dataset is None and configured is not None:
        dataset = configured.dataset
    folds_path = found or named or root / "folds"
    settings = Settings(
        folds=rel(folds_path, root),
        dataset=None if dataset is None else rel(dataset, root),
        **values,
    )
    return settings, None if found is None else rel(found, root)


# --- the hook -------------------------------------------------------------------------------


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
        parts.append(re.escape(settings.dataset) + "$")
    parts.append(re.escape(PYPROJECT) + "$")
    return "^(?:" + "|".join(parts) + ")"


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


class _Dumper(yaml.SafeDumper):
    # Indent nested lists under their key, as pre-commit's own sample config does.
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def render_entry(entry: dict[str, Any], dash: int) -> str:
    text = yaml.dump([entry], Dumper=_Dumper, sort_keys=False, width=1000, indent=2)
    return "".join(" " * dash + line for line in text.splitlines(keepends=True))


def _has_hook(repos: list[Any]) -> bool:
    return any(
        isinstance(repo, dict)
        and isinstance(repo.get("hooks"), list)
        and any(isinstance(h, dict) and h.get("id") == HOOK_ID for h in repo["hooks"])
        for repo in repos
    )


def _ended(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def _line_end(text: str, index: int) -> int:
    """Index just past the newline ending the line that holds ``index``."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


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
    return _line_end(text, max(len("".join(lines)) - 1, 0))


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
    if repos and _has_hook(repos):
        return None
    node = next((v for k, v in root.value if k.value == "repos"), None) if root else None
    if isinstance(node, yaml.SequenceNode) and not node.flow_style:
        at = _after_last_item(text, node)
        new = _ended(text[:at]) + render_entry(entry, node.start_mark.column) + text[at:]
    elif node is not None and not repos:  # `repos:` or `repos: []`: ours becomes the list
        line = _line_end(text, node.start_mark.index)
        head = text[: node.start_mark.index] + text[node.end_mark.index : line]
        new = _ended(head.rstrip(" ")) + render_entry(entry, 2) + text[line:]
    elif node is None:
        new = _ended(text) + "repos:\n" + render_entry(entry, 2)
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


# --- [tool.foldcheck] -------------------------------------------------------------------------

_HEADER = re.compile(
    r'^[ \t]*\[[ \t]*tool[ \t]*\.[ \t]*"?foldcheck"?[ \t]*\][ \t]*(#.*)?$', re.MULTILINE
)
_ANY_HEADER = re.compile(r"^[ \t]*\[", re.MULTILINE)


def toml_value(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a valid TOML basic string
    return repr(value)


def add_settings(text: str | None, settings: Settings) -> str | None:
    """``text`` with the settings it lacks added to ``[tool.foldcheck]``; None if none lack."""
    try:
        data = tomllib.loads(text or "")
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML ({exc}); nothing written", PYPROJECT) from None
    tool = data.get("tool")
    table = tool.get("foldcheck") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise InputError("tool.foldcheck is not a table; nothing written", PYPROJECT)
    missing = [(k, v) for k, v in settings.items() if table is None or k not in table]
    if not missing:
        return None
    lines = "".join(f"{key} = {toml_value(value)}\n" for key, value in missing)
    if table is None:
        sep = "" if not text else "\n" if text.endswith("\n") else "\n\n"
        new = (text or "") + sep + "[tool.foldcheck]\n" + lines
    else:
        header = _HEADER.search(text or "")
        if text is None or header is None:
            raise InputError(
                "[tool.foldcheck] is not a plain table that keys can be added to; "
                f"add {', '.join(k for k, _ in missing)} by hand",
                PYPROJECT,
            )
        following = _ANY_HEADER.search(text, header.end())
        block_end = following.start() if following else len(text)
        # After the table's last key, so that comments heading the next table stay with it.
        last = header.end()
        for match in re.finditer(r"^[ \t]*[^\s#\[].*$", text[:block_end], re.MULTILINE):
            if match.start() > header.end():
                last = match.end()
        at = _line_end(text, last) if last < len(text) else len(text)
        prefix = "" if text[:at].endswith("\n") else "\n"
        new = text[:at] + prefix + lines + text[at:]
    try:
        same = tomllib.loads(new)["tool"]["foldcheck"] == {**(table or {}), **dict(missing)}
    except (tomllib.TOMLDecodeError, KeyError, TypeError):
        same = False
    if not same:
        raise InputError(
            "cannot add to [tool.foldcheck] without changing the file's meaning; "
            f"add {', '.join(k for k, _ in missing)} by hand",
            PYPROJECT,
        )
    return new


# --- .vscode/settings.json --------------------------------------------------------------------


def _covers(pattern: str, manifest: str) -> bool:
    # VS Code: a pattern without "/" matches the file name, "**/" also matches no folder.
    if "/" not in pattern:
        return fnmatch.fnmatchcase(manifest.rpartition("/")[2], pattern)
    pattern = pattern.lstrip("/")
    return any(fnmatch.fnmatchcase(p, pattern) for p in (manifest, "_/" + manifest))


def schema_entry(manifest: str | None) -> dict[str, Any]:
    matches = ["**/folds.json"]
    if manifest is not None and not _covers(matches[0], manifest):
        matches.append("/" + manifest)
    return {"fileMatch": matches, "url": "./" + SCHEMA_COPY}


def _line_indent(text: str, index: int) -> str:
    line = text[text.rfind("\n", 0, index) + 1 : index]
    return line[: len(line) - len(line.lstrip(" \t"))]


def _indents(text: str, opening: int, first: int | None) -> tuple[str, str]:
    """(indent of the line holding ``opening``, indent for a member of what it opens)."""
    outer = _line_indent(text, opening)
    if first is not None and text.rfind("\n", 0, first) > opening:
        return outer, _line_indent(text, first)
    return outer, outer * 2 if len(outer) >= 2 else outer + (outer or "\t")


def add_schema(text: str | None, entry: dict[str, Any], manifest: str) -> tuple[str | None, bool]:
    """(new text or None if ``manifest`` is mapped already, whether the mapping for it points
    at our schema copy)."""
    if text is None or not text.strip():
        body = json.dumps({"json.schemas": [entry]}, indent="\t")
        return body + "\n", True
    stripped = strip_jsonc(text)
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON with comments ({exc}); nothing written", SETTINGS
        ) from None
    if not isinstance(data, dict):
        raise InputError("not a JSON object; nothing written", SETTINGS)
    schemas = data.get("json.schemas")
    if schemas is not None and not isinstance(schemas, list):
        raise InputError('"json.schemas" is not a list; nothing written', SETTINGS)
    for old in schemas or []:
        patterns = old.get("fileMatch") if isinstance(old, dict) else None
        if isinstance(patterns, list) and any(
            isinstance(p, str) and _covers(p, manifest) for p in patterns
        ):
            return None, old.get("url") == entry["url"]
    # JSONC's comments were blanked, not removed: offsets in `stripped` hold in `text`.
    where = JsonText(stripped.encode("utf-8"))
    if schemas is None:
        path: tuple[str, ...] = ()
        item = f'"json.schemas": [{json.dumps(entry)}]'
    else:
        path, item = ("json.schemas",), json.dumps(entry)
    at = where.offset(path)
    assert at is not None  # the parse above found the object or the list
    members = bool(schemas) if schemas is not None else bool(data)
    first = (
        where.offset((*path, 0 if schemas is not None else next(iter(data)))) if members else None
    )
    outer, inner = _indents(text, at, first)
    ending = "," if members else "\n" + outer
    new = text[: at + 1] + "\n" + inner + item + ending + text[at + 1 :]
    expected = {**data, "json.schemas": [entry, *(schemas or [])]}
    try:
        same = json.loads(strip_jsonc(new)) == expected
    except json.JSONDecodeError:
        same = False
    if not same:
        raise InputError(
            'cannot add to "json.schemas" without changing the file\'s meaning; nothing written',
            SETTINGS,
        )
    return new, True


# --- the plan ---------------------------------------------------------------------------------


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", path) from None


def _newlines(text: str, like: str | None) -> str:
    # Keep a Windows-edited file's line endings: our additions are written with "\n".
    if like is not None and "\r\n" in like:
        return re.sub(r"(?<!\r)\n", "\r\n", text)
    return text


def plan_init(
    root: Path,
    *,
    mode: HookMode,
    version: str,
    url: str | None,
    manifest: Path | None = None,
    dataset: Path | None = None,
    folds: Path | None = None,
    vscode: bool = True,
) -> Plan:
    """Every change ``foldcheck init`` would make; raises ``InputError`` before any write."""
    root = root.resolve()
    settings, found = resolve_settings(root, manifest, dataset, folds)
    entry = hook_entry(mode, files_pattern(settings, found), version, url)
    edits: list[Edit] = []
    kept: list[str] = []

    def consider(name: str, new: str | None, summary: str, unchanged: str) -> None:
        old = _read(root / name)
        if new is None or new == old:
            kept.append(f"{name}: {unchanged}")
        else:
            edits.append(Edit(name, old, _newlines(new, old), summary))

    config_text = _read(root / CONFIG)
    new_config = add_hook(config_text or "", entry)
    if config_text is None and new_config is not None:
        new_config = NEW_CONFIG_HEADER + new_config
    consider(
        CONFIG,
        new_config,
        f"added the foldcheck hook ({mode})",
        "the foldcheck hook is already there",
    )
    consider(
        PYPROJECT,
        add_settings(_read(root / PYPROJECT), settings),
        "recorded the fold set in [tool.foldcheck]",
        "[tool.foldcheck] is complete",
    )
    if vscode:
        new, ours = add_schema(
            _read(root / SETTINGS), schema_entry(found), found or "folds/folds.json"
        )
        consider(
            SETTINGS,
            new,
            "mapped folds.json to foldcheck's schema",
            "folds.json already has a schema",
        )
        if ours:
            schema = resources.files("foldcheck").joinpath("schemas/folds.schema.json")
            consider(
                SCHEMA_COPY,
                schema.read_text("utf-8"),
                "copied foldcheck's schema",
                "foldcheck's schema is up to date",
            )
    return Plan(root, settings, found, tuple(edits), tuple(kept))


def apply_plan(plan: Plan) -> list[Path]:
    """Write every edit, or none: all are staged beside their targets, then renamed."""
    targets = [(plan.root / edit.path, edit) for edit in plan.edits]
    with staged_files() as staged:
        for path, edit in targets:
            staged.write(path, edit.new.encode("utf-8"))
    return [path for path, _ in targets]


def project_url(urls: Sequence[str], home: str | None) -> str | None:
    """The repository among a distribution's ``Project-URL`` entries ("Label, URL")."""
    labelled = {
        label.strip().lower(): link.strip() for label, _, link in (u.partition(",") for u in urls)
    }
    for label in ("source", "repository", "source code", "code", "homepage"):
        if label in labelled:
            return labelled[label]
    return home
