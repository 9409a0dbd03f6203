"""What ``foldcheck init`` changes in a repository: planned as data, then written at once.

Three files are edited as text, never re-dumped, so that users' comments and layout survive:
``.pre-commit-config.yaml`` (the foldcheck hook, ``init_precommit``), ``pyproject.toml``
(``[tool.foldcheck]``, ``init_pyproject``) and ``.vscode/settings.json`` (the manifest's JSON
schema, ``init_vscode``; with ``editor`` also the interpreter and watcher excludes, and
``.vscode/extensions.json``, ``init.editor``). Each edit is checked by parsing the result:
when it would mean anything but "the old content plus ours", the file is refused with an
``InputError`` and nothing at all is written. This module finds the repository and its fold
set, gathers the edits into a ``Plan`` and applies it. Nothing here prints.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

from foldcheck.config import load_config, resolve_settings
from foldcheck.errors import InputError
from foldcheck.formats.manifest import read_manifest, schema_text
from foldcheck.io.atomic import committing
from foldcheck.io.paths import shown_relative
from foldcheck.io.readfile import read_regular
from foldcheck.io.textedit import same_newlines
from foldcheck.repo.init.dataset_folders import dataset_folders
from foldcheck.repo.init.editor import (
    EXTENSIONS_FILE,
    INTERPRETER_KEY,
    EditorSettings,
    add_editor_settings,
    add_recommendations,
    interpreter_setting,
)
from foldcheck.repo.init.precommit import (
    CONFIG,
    HOOK_ID,
    VALIDATE_HOOK_ID,
    HookMode,
    config_with_hook,
    files_pattern,
    hook_entry,
    replace_entry,
    system_entries,
    validate_hook_entry,
)
from foldcheck.repo.init.pyproject import PYPROJECT, Settings, add_settings
from foldcheck.repo.init.vscode import add_schema, schema_entry
from foldcheck.repo.launcher import Launcher, launcher, upgraded_entry
from foldcheck.repo.vscode import SCHEMA_COPY, SETTINGS

# The settings init records: the manifest's, or split's defaults when there is none yet.
RECORDED = ("k", "seed", "group_by", "stratify", "tolerance")
_SKIP_DIRS = {"node_modules", "__pycache__", "site-packages"}


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
    launcher: Launcher  # how the hooks start foldcheck on this machine
    entries: tuple[tuple[str, str], ...]  # (hook id, entry) of foldcheck's local hooks
    notes: tuple[str, ...] = ()  # what the user must know or do by hand

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


def rel(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with forward slashes, or absolute when outside it."""
    return shown_relative(path.resolve(), root)


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


def plan_settings(
    root: Path, manifest: Path | None, dataset: Path | None, folds: Path | None
) -> tuple[Settings, str | None]:
    config = load_config(root)
    configured = config if config.root == root else None
    named = folds or (configured.folds if configured else None)
    found = locate_manifest(root, manifest, named)
    read = None if found is None else read_manifest(found)
    resolved = resolve_settings(manifest=read)
    values = {name: getattr(resolved, name) for name in RECORDED}
    if read is not None:
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


# --- the plan ---------------------------------------------------------------------------------


def _read(path: Path) -> str | None:
    if not os.path.lexists(path):
        return None
    try:
        return read_regular(path, "a text file").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read: {exc}", path) from None


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
    validate: bool = False,
    editor: bool = False,
    interpreter: Path | None = None,
    images: Path | None = None,
) -> Plan:
    """Every change ``foldcheck init`` would make; raises ``InputError`` before any write."""
    root = root.resolve()
    here = launcher(root, interpreter)
    settings, found = plan_settings(root, manifest, dataset, folds)
    entry = hook_entry(mode, files_pattern(settings, found), here.program, version, url)
    config = config_with_hook(_read(root / CONFIG), entry)
    hooks = "the foldcheck hook"
    if validate:
        if not settings.dataset or Path(settings.dataset).is_absolute():
            raise InputError(
                "--validate-hook needs a dataset inside the repository: name it with --dataset"
                " (or a manifest that does)"
            )
        checked = validate_hook_entry(mode, settings.dataset, here.program, version, url)
        with_validate = config_with_hook(config or _read(root / CONFIG), checked)
        config = with_validate or config
        hooks = "the foldcheck and foldcheck-validate-coco hooks"
    done = [] if config is None else [f"added {hooks} ({mode})"]
    config, upgrades = _upgrade_entries(root, config or _read(root / CONFIG), here)
    done += upgrades
    edits: list[Edit] = []
    kept: list[str] = []
    advice: list[str] = []

    def consider(name: str, new: str | None, summary: str, unchanged: str) -> None:
        old = _read(root / name)
        if new is None or new == old:
            kept.append(f"{name}: {unchanged}")
        else:
            edits.append(Edit(name, old, same_newlines(new, old), summary))

    consider(CONFIG, config, "; ".join(done), f"{hooks} already there")
    consider(
        PYPROJECT,
        add_settings(_read(root / PYPROJECT), settings),
        "recorded the fold set in [tool.foldcheck]",
        "[tool.foldcheck] is complete",
    )
    entries = tuple(
        (hook_id, text)
        for hook_id, text in system_entries(config).items()
        if hook_id in (HOOK_ID, VALIDATE_HOOK_ID)
    )
    if vscode:
        old = _read(root / SETTINGS)
        new, ours = add_schema(old, schema_entry(found), found or "folds/folds.json")
        text, done = old, []
        if new is None:
            kept.append(f"{SETTINGS}: folds.json already has a schema")
        else:
            text, done = new, ["mapped folds.json to foldcheck's schema"]
        if editor:
            value = interpreter_setting(root, here.interpreter)
            wanted = EditorSettings(value, tuple(dataset_folders(root, settings, images)))
            edited, added, notes = add_editor_settings(text, wanted, SETTINGS)
            text = text if edited is None else edited
            done += [f"set {a}" for a in added]
            kept += [f"{SETTINGS}: {n}" for n in notes]
            if value is None:
                advice.append(
                    f"{here.interpreter} is outside the repository, so {SETTINGS} does not name "
                    f"it ({INTERPRETER_KEY} there would be wrong on every other machine): pick "
                    "it on each machine with 'Python: Select Interpreter' > 'Enter interpreter "
                    f'path...\', or set "{INTERPRETER_KEY}": "{here.interpreter}" in '
                    "'Preferences: Open Remote Settings (JSON)'"
                )
        if text is not None and text != old:
            edits.append(Edit(SETTINGS, old, same_newlines(text, old), "; ".join(done)))
        if ours:
            consider(
                SCHEMA_COPY,
                schema_text(),
                "copied foldcheck's schema",
                "foldcheck's schema is up to date",
            )
        if editor:
            consider(
                EXTENSIONS_FILE,
                add_recommendations(_read(root / EXTENSIONS_FILE)),
                "recommended the Python extensions",
                "the Python extensions are recommended already",
            )
    return Plan(root, settings, found, tuple(edits), tuple(kept), here, entries, tuple(advice))


def _upgrade_entries(
    root: Path, config: str | None, here: Launcher
) -> tuple[str | None, list[str]]:
    """The configuration with each foldcheck hook that cannot start here from a bare PATH
    (an entry init wrote before) given one that can, and what changed."""
    done = []
    for hook_id, entry in system_entries(config).items():
        new = upgraded_entry(root, entry, here) if hook_id in (HOOK_ID, VALIDATE_HOOK_ID) else None
        if config is not None and new is not None:
            config = replace_entry(config, hook_id, new)
            done.append(f"the {hook_id} hook runs `{new}` (`{entry}` cannot start here)")
    return config, done


def apply_plan(plan: Plan) -> list[Path]:
    """Write every edit, or none, in one commit under the repository root's lock. A file
    changed since it was planned (an editor saved it meanwhile) is refused, not clobbered."""
    targets = [(plan.root / edit.path, edit) for edit in plan.edits]
    with committing(plan.root, targets=[path for path, _ in targets]) as commit:
        for path, edit in targets:
            if _read(path) != edit.old:
                raise InputError("changed while foldcheck init ran; run it again", path)
            commit.write(path, edit.new.encode("utf-8"))
    return [path for path, _ in targets]
