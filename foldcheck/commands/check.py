"""Check existing fold files for leakage, coverage, staleness and balance.

PATH is a fold manifest (folds.json: with the exports beside it, which it governs), a COCO
train/val fold file (train_fold0.json, fold0/val.json, val_0.json: the whole set beside it is
checked), a folder of such files, or a CSV with a fold column keyed by image_id or file_name
(and holdout.csv beside it). With no PATH, the fold set named by
[tool.foldcheck] in pyproject.toml is checked (what the pre-commit hook runs).

Exit codes: 0 no errors (warnings may be printed), 1 errors found, 2 usage or unreadable
input, 3 internal error. Rule codes: --list-rules, or docs/rules in the docs site.
"""

from __future__ import annotations

import argparse

from foldcheck.commands.options import (
    GROUP_BY_HELP,
    add_findings_output,
    add_near_distance,
    add_rule_selection,
    progress_off,
    rule_selection,
    shown_per_rule,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="fold files or folders")
    parser.add_argument(
        "--dataset",
        metavar="DATASET.json",
        help="the full COCO dataset to check against (default: the manifest's, "
        "else [tool.foldcheck] dataset)",
    )
    parser.add_argument(
        "--group-by",
        metavar="KEY",
        help=GROUP_BY_HELP.replace("(default)", "") + " (default: the manifest's key, else image)",
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        metavar="T",
        help="relative deviation of a fold's share tolerated (default: the "
        "manifest's, else [tool.foldcheck], else 0.1)",
    )
    parser.add_argument(
        "--images-dir",
        metavar="DIR",
        help="also find byte-identical (FC105) and near-duplicate (FC106) image files on "
        "different sides; FC106 needs Pillow (pip install Pillow)",
    )
    add_near_distance(parser)
    parser.add_argument(
        "--train",
        nargs="+",
        metavar="FILE",
        help="train files, in fold order (for layouts the names do not reveal)",
    )
    parser.add_argument("--val", nargs="+", metavar="FILE", help="val files, in fold order")
    add_rule_selection(parser, "FC1,FC301")
    add_findings_output(parser, per="fold set")
    parser.add_argument(
        "--show-table", action="store_true", help="also print each fold set's balance table"
    )


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from foldcheck.checks.rules import catalogue
    from foldcheck.render.findings import rule_listing

    if args.list_rules:
        for rule in catalogue().values():
            print(rule_listing(rule))
        return 0

    from foldcheck.checks.runner import run_checks
    from foldcheck.core.findings import capped, tally
    from foldcheck.render.findings import render_findings, use_color
    from foldcheck.render.progress import status

    named = " ".join([*args.paths, *(args.train or []), *(args.val or [])])
    select, ignore = rule_selection(args)
    with status(f"reading and checking {named}", progress_off(args)):
        result = run_checks(
            [Path(p) for p in args.paths],
            dataset=Path(args.dataset) if args.dataset else None,
            group_by=args.group_by,
            tolerance=args.tolerance,
            images_dir=Path(args.images_dir) if args.images_dir else None,
            train=[Path(p) for p in args.train or []],
            val=[Path(p) for p in args.val or []],
            select=select,
            ignore=ignore,
            near_distance=args.near_distance,
        )
    if args.show_table and args.format == "text":
        from foldcheck.render.balance import make_console, print_balance, shown_text

        console = make_console(sys.stdout, args.color)
        for report in result.reports:
            if report.balance is not None:
                console.print(shown_text(str(report.fold_set.origin)), style="bold")
                print_balance(console, report.balance)
    for report in result.reports:  # how the files were read: stderr, so stdout stays parseable
        for note in report.fold_set.notes:
            print(f"note: {note}", file=sys.stderr)
    findings = result.findings
    most = shown_per_rule(args)
    render_findings(
        findings if most is None else capped((r.findings for r in result.reports), most),
        args.format,
        sys.stdout,
        color=use_color(args.color, sys.stdout),
        quiet=args.quiet,
        fold_sets=result.fold_set_count,
        found=tally(findings),
    )
    return 1 if any(f.severity == "error" for f in findings) else 0
