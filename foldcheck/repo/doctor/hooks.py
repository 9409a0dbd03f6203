"""Can the foldcheck hooks start when git is run by something other than your shell?

VS Code's Source Control panel, a GUI client or a cron job commits with whatever PATH it was
started with, often a bare ``/usr/bin:/bin``; a hook that only starts in an activated shell
fails there, and users answer with ``--no-verify``. Each local foldcheck hook's entry is
resolved as pre-commit would resolve it from the repository's top level on that PATH
(``foldcheck.repo.launcher``).
"""

from __future__ import annotations

from pathlib import Path

from foldcheck.io.yamltext import YamlProblem, load_yaml
from foldcheck.repo.doctor.result import Result
from foldcheck.repo.init.precommit import CONFIG, HOOK_ID, VALIDATE_HOOK_ID, system_entries
from foldcheck.repo.launcher import BARE_PATH, entry_problem, launcher, upgraded_entry


def hook_path_rows(repo: Path) -> list[Result]:
    try:
        text = (repo / CONFIG).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    try:
        load_yaml(text, CONFIG)
    except YamlProblem:
        return []  # pre-commit itself says what is wrong with it
    rows = []
    for hook_id, entry in system_entries(text).items():
        if hook_id not in (HOOK_ID, VALIDATE_HOOK_ID):
            continue
        problem = entry_problem(repo, entry)
        if problem is None:
            found = f"the {hook_id} hook runs `{entry}`, which starts from PATH={BARE_PATH}"
            rows.append(Result("hook-path", "ok", found))
            continue
        fixable = entry.startswith("git foldcheck") or upgraded_entry(repo, entry, launcher(repo))
        # init rewrites an entry it wrote itself and records this clone's alias.
        fix = (
            "foldcheck init"
            if fixable
            else f"set the {hook_id} hook's entry in {CONFIG} to one that names foldcheck's "
            "interpreter (foldcheck init --dry-run in a fresh repository shows one)"
        )
        rows.append(Result("hook-path", "fail", f"the {hook_id} hook: {problem}", fix))
    return rows
