"""How many files Pylance lists in the workspace before IntelliSense works.

Pylance (pyright's ``SourceEnumerator``) walks every folder under the workspace that no
exclude names and lists each entry of each folder it visits, image or not, to find the Python
sources; a folder holding ``bin/activate``, ``Scripts/activate``, ``pyvenv.cfg`` or
``conda-meta`` is skipped as an environment. What it skips: ``**/node_modules``,
``**/__pycache__`` and ``**/.*`` (unless ``python.analysis.useDefaultExcludes`` is false), plus
``exclude`` of ``pyrightconfig.json`` or ``[tool.pyright]`` when that file sets it (it wins),
else ``python.analysis.exclude``. This row counts the same entries.

The limit, 10,000 entries. The walk comes before Pylance's first analysis, and pyright warns
"Enumeration of workspace source files is taking longer than 10 seconds" when it drags, which
users meet on remote and network-mounted workspaces that hold many files
(pylance-release #6189 on NFS, #6367, #7155; out-of-memory and stalled IntelliSense in #5799,
#5925, #8215). The cost grows with the entries listed, and the two kinds of folder in a
detection repository sit far apart: its code is hundreds of entries (this repository's
checkout: under 1,000), one image or label folder is tens of thousands. 10,000 sits between
them, where excluding the dataset costs the user nothing; each folder listed also costs VS
Code's watcher an inotify watch, and search reads every file.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foldcheck.repo.doctor.host import glob_regex
from foldcheck.repo.doctor.layers import Layer, effective
from foldcheck.repo.doctor.pylance import pyright_config
from foldcheck.repo.doctor.result import Result
from foldcheck.repo.vscode import PYLANCE_DEFAULT_EXCLUDE, SETTINGS

LIMIT = 10_000
SETTING = "python.analysis.exclude"
_ENV_FILES = ("pyvenv.cfg", "conda-meta")
_ENV_SCRIPTS = (("bin", "activate"), ("Scripts", "activate"))


@dataclass(frozen=True)
class Excludes:
    patterns: tuple[str, ...]  # what the winning setting or file lists
    defaults: bool  # Pylance's own excludes apply too
    where: str  # the file and key the patterns come from, "" when none is set
    config: bool  # they come from a pyright configuration file
    include: tuple[str, ...] = ()  # the folders walked, relative; () is the whole workspace


def excludes(repo: Path, layers: list[Layer]) -> Excludes:
    config, name = pyright_config(repo)
    use_defaults = effective(layers, "python.analysis.useDefaultExcludes")
    defaults = not (use_defaults is not None and use_defaults.value is False)
    include = _winning(config, "include", layers, "python.analysis.include")
    included = tuple(_relative(p, repo) for p in _strings(include or []))
    listed = config.get("exclude")
    if isinstance(listed, list):
        return Excludes(_strings(listed), defaults, f"{name} exclude", True, included)
    setting = effective(layers, SETTING)
    if setting is not None and isinstance(setting.value, list):
        return Excludes(_strings(setting.value), defaults, setting.where, False, included)
    return Excludes((), defaults, "", False, included)


def _winning(config: dict[str, Any], key: str, layers: list[Layer], setting: str) -> Any:
    """A list from the pyright configuration file, which wins, else from the settings."""
    if isinstance(config.get(key), list):
        return config[key]
    found = effective(layers, setting)
    return found.value if found is not None and isinstance(found.value, list) else None


def _strings(values: list[Any]) -> tuple[str, ...]:
    return tuple(v for v in values if isinstance(v, str))


def _relative(pattern: str, repo: Path) -> str:
    pattern = pattern.replace("${workspaceFolder}", str(repo)).replace("\\", "/")
    if os.path.isabs(pattern):
        pattern = os.path.relpath(pattern, repo).replace(os.sep, "/")
    # pyright's "**" at the end also matches the folder itself.
    pattern = pattern.removeprefix("./").rstrip("/")
    return pattern.removesuffix("/**") or pattern


def _rules(repo: Path, found: Excludes) -> list[re.Pattern[str]]:
    patterns = [*found.patterns, *(PYLANCE_DEFAULT_EXCLUDE if found.defaults else ())]
    return [glob_regex(_relative(p, repo)) for p in patterns]


def count_entries(
    repo: Path, rules: list[re.Pattern[str]], include: tuple[str, ...] = ()
) -> tuple[int, Counter[str]]:
    """(entries Pylance lists under ``repo``, or under its ``include`` folders, and how many
    of them lie under each folder one level below where the walk starts: the folders an
    exclude can name). Symbolic links to folders are not followed."""
    total = 0
    by_folder: Counter[str] = Counter()
    folders = [i for i in include if i not in ("", ".")]
    if not include or len(folders) < len(include):  # the workspace's top level is included
        stack = [("", "", str(repo))]
    else:
        stack = [(i, i, str(repo / i)) for i in folders if not any(r.fullmatch(i) for r in rules)]
    while stack:
        start, rel, path = stack.pop()
        try:
            with os.scandir(path) as listing:
                entries = list(listing)
        except OSError:
            continue
        names = {e.name for e in entries}
        if rel != start and _is_environment(path, names):
            continue
        total += len(entries)
        if rel != start:
            below = rel[len(start) :].lstrip("/").split("/", 1)[0]
            by_folder[f"{start}/{below}" if start else below] += len(entries)
        for entry in entries:
            if not entry.is_dir(follow_symlinks=False):
                continue
            child = f"{rel}/{entry.name}" if rel else entry.name
            if not any(r.fullmatch(child) for r in rules):
                stack.append((start, child, entry.path))
    return total, by_folder


def _is_environment(path: str, names: set[str]) -> bool:
    if any(marker in names for marker in _ENV_FILES):
        return True
    return any(
        folder in names and os.path.isfile(os.path.join(path, folder, script))
        for folder, script in _ENV_SCRIPTS
    )


def enumeration_row(repo: Path, layers: list[Layer]) -> Result:
    found = excludes(repo, layers)
    total, by_folder = count_entries(repo, _rules(repo, found), found.include)
    counted = f"Pylance lists {total:,} files and folders under {repo}"
    after = f" after {found.where}" if found.where else ""
    if total <= LIMIT:
        return Result("pylance-files", "ok", f"{counted}{after} (limit {LIMIT:,})")
    largest = by_folder.most_common()
    chosen: list[str] = []
    left = total
    for folder, count in largest:
        if left <= LIMIT:
            break
        chosen.append(folder)
        left -= count
    names = ", ".join(f"{folder}/ ({count:,})" for folder, count in largest[:3])
    problem = (
        f"{counted}{after}, over {LIMIT:,}: its first analysis waits for that walk "
        f"(pyright warns at 10 s). Largest: {names}"
    )
    if left > LIMIT:
        fix = "open a sub-folder as the workspace: the top level alone lists too many files"
        return Result("pylance-files", "fail", problem, fix)
    return Result("pylance-files", "fail", problem, _fix(found, chosen))


def _fix(found: Excludes, folders: list[str]) -> str:
    base = list(found.patterns) if found.where else list(PYLANCE_DEFAULT_EXCLUDE)
    value = json.dumps([*base, *folders])
    if found.config:
        file, _, key = found.where.rpartition(" ")
        return f'set "{key}" in {file} to {value}'
    where = found.where.rpartition(" ")[0] if found.where else SETTINGS
    return (
        f'set in {where}: "{SETTING}": {value} (foldcheck init --editor adds the dataset '
        "folders it knows)"
    )
