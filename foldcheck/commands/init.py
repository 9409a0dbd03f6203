"""Set up a repository so that every commit checks its cross-validation folds.

Adds the foldcheck hook to .pre-commit-config.yaml, records the fold set and its settings in
[tool.foldcheck] of pyproject.toml (taken from the fold manifest when there is one), and maps
folds.json to foldcheck's JSON schema in .vscode/settings.json; with --editor also sets
python.defaultInterpreterPath to the interpreter running foldcheck, excludes environments and
caches from file watching, and recommends the Python extensions in .vscode/extensions.json,
which is what `foldcheck doctor` then expects. Edits are textual: comments
and layout survive, what is already there is left alone, and running it twice changes
nothing. A file that cannot be edited safely is refused and then nothing is written.

Hook modes: 'system' (default) runs the foldcheck installed where you commit: no network,
no second copy to build, and the same version your team runs by hand, which suits a shared
server without outbound access; it needs foldcheck on PATH when committing. 'python' lets
pre-commit install foldcheck==VERSION from the package index into its own environment.
'remote' pins this release of foldcheck's published hook (pre-commit clones its repository).
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
        help="also set up VS Code for this repository: the interpreter running foldcheck, "
        "watcher excludes, recommended extensions",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the changes as a unified diff and write nothing",
    )


def run(args: argparse.Namespace) -> int:
    from importlib import metadata
    from pathlib import Path

    from foldcheck import __version__
    from foldcheck.repo.git import git_root
    from foldcheck.repo.init.plan import apply_plan, plan_init
    from foldcheck.repo.init.precommit import project_url

    def path(value: str | None) -> Path | None:
        return None if value is None else Path(value).resolve()

    url = None
    if args.hook == "remote":
        meta = metadata.metadata("foldcheck")
        url = project_url(
            meta.get_all("Project-URL") or [], (meta.get_all("Home-page") or [None])[0]
        )
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
    )
    if args.dry_run:
        diff = plan.diff()
        print(diff if diff else "foldcheck init: nothing to change", end="" if diff else "\n")
        return 0
    apply_plan(plan)
    for edit in plan.edits:
        print(f"{'created' if edit.old is None else 'updated'} {edit.path}: {edit.summary}")
    for note in plan.kept:
        print(f"unchanged {note}")
    if plan.manifest is None:
        dataset = plan.settings.dataset or "DATASET.json"
        print(
            f"next: foldcheck split {dataset} --out {plan.settings.folds}, then pre-commit install"
        )
    else:
        print("next: pre-commit install (then every commit checks the folds)")
    return 0
