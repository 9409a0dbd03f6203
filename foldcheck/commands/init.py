"""Set up a repository so that every commit checks its cross-validation folds.

Adds the foldcheck hook to .pre-commit-config.yaml, records the fold set and its settings in
[tool.foldcheck] of pyproject.toml (taken from the fold manifest when there is one), and maps
folds.json to foldcheck's JSON schema in .vscode/settings.json; with --editor also keeps the
dataset's image, label and fold folders, environments and caches out of Pylance, the file
watcher and search, names the interpreter when it lives in the repository, and recommends the
Python extensions in .vscode/extensions.json, which is what `foldcheck doctor` then expects.
Edits are textual: comments and layout survive, what is already there is left alone, and
running it twice changes nothing. A file that cannot be edited safely is refused and then
nothing is written. No file it writes for committing holds a path of this machine only.

Hook modes: 'system' (default) runs the foldcheck you run now, from any process that can
commit (VS Code's Source Control panel, a GUI client, a bare PATH): as .venv/bin/python -m
foldcheck when its environment is in the repository, else as `git foldcheck`, an alias this
clone records in .git/config (each clone runs init once). No network, and the version your
team runs by hand. 'python' lets pre-commit install foldcheck==VERSION from your package index
into its own environment (refused when this foldcheck did not come from an index). 'remote'
pins this release of foldcheck's published hook (pre-commit clones its repository).
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--manifest",
        metavar="PATH",
        help="the fold manifest (default: FOLDS/folds.json, else "
        "folds/folds.json, else the one folds.json in the repository)",
    )
    parser.add_argument(
        "--hook",
        choices=("system", "python", "remote"),
        default="system",
        help="how pre-commit gets foldcheck (default: system; see above)",
    )
    parser.add_argument(
        "--dataset", metavar="DATASET.json", help="the COCO dataset (default: the manifest's)"
    )
    parser.add_argument(
        "--folds", metavar="DIR", help="where the folds are or will be written (default: folds)"
    )
    parser.add_argument(
        "--images-dir",
        metavar="DIR",
        help="the dataset's image folder, for --editor's excludes (default: the COCO file's "
        "folder, the YOLO root)",
    )
    parser.add_argument(
        "--validate-hook",
        action="store_true",
        help="also add the foldcheck-validate-coco hook on the dataset: its lint rules "
        "(FC5xx) run whenever the dataset changes",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--no-vscode", action="store_true", help="leave .vscode/ alone")
    where.add_argument(
        "--editor",
        action="store_true",
        help="also set up VS Code for this repository: the dataset's folders kept out of "
        "Pylance, the file watcher and search; the interpreter when it is in the repository; "
        "recommended extensions",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the changes as a unified diff and write nothing",
    )


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from foldcheck import __version__
    from foldcheck.io.git import git_root
    from foldcheck.repo.init.plan import apply_plan, plan_init
    from foldcheck.repo.init.source import hook_source_url
    from foldcheck.repo.launcher import (
        ALIAS_KEY,
        entry_problem,
        record_alias,
        recorded_alias,
        runs_alias,
    )

    def path(value: str | None) -> Path | None:
        return None if value is None else Path(value).resolve()

    url = hook_source_url(args.hook, __version__)
    root = git_root(Path.cwd())
    plan = plan_init(
        root,
        mode=args.hook,
        version=__version__,
        url=url,
        manifest=path(args.manifest),
        dataset=path(args.dataset),
        folds=path(args.folds),
        vscode=not args.no_vscode,
        validate=args.validate_hook,
        editor=args.editor,
        images=path(args.images_dir),
    )
    here = plan.launcher
    alias = None
    if any(runs_alias(entry) for _, entry in plan.entries):
        alias = recorded_alias(root)
        alias = here.alias if alias is None or entry_problem(root, "git foldcheck") else None
    if args.dry_run:
        diff = plan.diff()
        print(diff if diff else "foldcheck init: nothing to change", end="" if diff else "\n")
        if alias is not None:
            print(f"would record in .git/config (this clone only): {ALIAS_KEY} = {alias}")
        return 0
    apply_plan(plan)
    for edit in plan.edits:
        print(f"{'created' if edit.old is None else 'updated'} {edit.path}: {edit.summary}")
    for note in plan.kept:
        print(f"unchanged {note}")
    if alias is not None and record_alias(root, alias):
        print(f"recorded in .git/config (this clone only): {ALIAS_KEY} = {alias}")
    for hook_id, entry in plan.entries:
        problem = entry_problem(root, entry)
        if problem is None:
            print(f"the {hook_id} hook runs `{entry}`, which starts from any PATH")
        else:
            print(f"warning: the {hook_id} hook cannot start from a bare PATH here: {problem}")
    for note in plan.notes:
        print(f"note: {note}")
    install = f"{here.interpreter} -m pre_commit install"
    if plan.manifest is None:
        dataset = plan.settings.dataset or "DATASET.json"
        print(f"next: foldcheck split {dataset} --out {plan.settings.folds}, then {install}")
    else:
        print(f"next: {install} (then every commit checks the folds)")
    return 0
