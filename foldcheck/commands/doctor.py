"""Check that this host is ready for editing foldcheck in VS Code, locally or over Remote-SSH.

Checks the interpreter named in .vscode/settings.json (exists, imports foldcheck and its
dependencies), lists the other Pythons a user might pick, looks for the Python and Pylance
extensions on the VS Code server, the pre-commit git hook, and the folds.json schema mapping.
Exit code 1 when any check fails; warnings alone exit 0. Never uses the network.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--repo",
        type=Path,
        default=None,
        metavar="DIR",
        help="a folder in the checkout to check (default: the current one)",
    )
    parser.add_argument(
        "--home",
        type=Path,
        default=None,
        metavar="DIR",
        help="home folder holding the VS Code server (default: ~)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: a table for people; json: for scripts",
    )


def run(args: argparse.Namespace) -> int:
    from foldcheck.errors import InputError
    from foldcheck.render.doctor import render_json, render_text
    from foldcheck.repo.doctor.checks import failed, run_checks
    from foldcheck.repo.git import find_repo

    start: Path = args.repo or Path.cwd()
    if not start.is_dir():
        raise InputError("--repo is not a folder", start)
    repo = find_repo(start)
    results = run_checks(repo, (args.home or Path.home()).expanduser())
    if args.format == "json":
        print(render_json(results))
    else:
        render_text(results, str(repo))
    return 1 if failed(results) else 0
