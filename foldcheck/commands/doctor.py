"""Show what VS Code did on this server for a repository (any repository), and what it needs.

Run on the server (in the repository): the VS Code server in use and its Python extensions,
the interpreter VS Code selected (from its logs) against the configured one, settings that
turn IntelliSense off or outrank the interpreter setting (each with its file and key),
imports Pylance cannot resolve, every interpreter the picker offers, the pre-commit hook, the
folds.json schema, and whether the host can run the server. With --client, run on your own
machine: the interpreter VS Code has stored for each remote folder, which outranks
python.defaultInterpreterPath. Exit code 1 when a check fails; warnings alone exit 0. Never
uses the network.
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
        help="home folder holding the VS Code server, or with --client VS Code's user "
        "data (default: ~)",
    )
    parser.add_argument(
        "--client",
        action="store_true",
        help="run on your own machine: list the interpreter VS Code stored for each "
        "remote folder (read-only)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: a table for people; json: {results: [{id, status, found, fix}], failed}",
    )


def run(args: argparse.Namespace) -> int:
    from foldcheck.errors import InputError
    from foldcheck.io.git import find_repo
    from foldcheck.render.doctor import render_json, render_text
    from foldcheck.repo.doctor.result import failed
    from foldcheck.repo.doctor.runner import run_checks, run_client

    home = (args.home or Path.home()).expanduser()
    if args.client:
        title, results = "this machine's VS Code", run_client(home)
    else:
        start: Path = args.repo or Path.cwd()
        if not start.is_dir():
            raise InputError("--repo is not a folder", start)
        repo = find_repo(start)
        title, results = str(repo), run_checks(repo, home)
    if args.format == "json":
        print(render_json(results))
    else:
        render_text(results, title)
    return 1 if failed(results) else 0
