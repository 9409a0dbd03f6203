"""Lint COCO files and YOLO data.yaml datasets for what training and evaluation code crashes
on or miscounts.

Each file must parse as strict JSON with images, annotations and categories whose ids are
unique integers the annotations refer to (else one line, exit 2). Then the lint rules
(FC5xx, --list-rules) report each defective record as path:line:col, naming its id: error
for what crashes or silently miscounts in pycocotools, MMDetection, Detectron2, torchvision
or Ultralytics, warning for what is suspicious. --fix OUT.json writes a corrected copy for the
defects with one mechanical fix (--in-place: over the input), one line per change.

Exit codes: 0 no errors (warnings may be printed), 1 errors found, 2 usage or unreadable
input, 3 internal error.

A YOLO data.yaml has every label line and image list checked for what Ultralytics rejects,
drops or misreads (FC560-FC573), one ``labels/train/x.txt:LINE:COL: CODE message`` line each.
"""

from __future__ import annotations

import argparse

from foldcheck.commands.options import (
    add_findings_output,
    add_rule_selection,
    progress_off,
    rule_selection,
    shown_per_rule,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="*", metavar="DATASET", help="COCO files, or YOLO data.yaml files"
    )
    parser.add_argument(
        "--images-dir",
        metavar="DIR",
        help="also check the image files: missing, unreadable, or another size than the "
        "record (read from the header, EXIF orientation applied; needs Pillow)",
    )
    parser.add_argument(
        "--box-tolerance",
        type=float,
        default=1.0,
        metavar="PX",
        help="pixels a box may reach past its image before FC511 (default: 1)",
    )
    add_rule_selection(parser, "FC51,FC522")
    fixing = parser.add_mutually_exclusive_group()
    fixing.add_argument(
        "--fix", metavar="OUT.json", help="write a corrected copy of the (one) file to OUT.json"
    )
    fixing.add_argument(
        "--in-place", action="store_true", help="write the corrected files over the inputs"
    )
    parser.add_argument("--force", action="store_true", help="let --fix overwrite OUT.json")
    add_findings_output(parser, per="file")


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from foldcheck.errors import InputError

    if args.list_rules:
        from foldcheck.checks.lint import LINT_CHECKS
        from foldcheck.checks.rules.yolo_lint import YOLO_RULES
        from foldcheck.checks.validate import FORMATS  # noqa: F401  (registers the rules)
        from foldcheck.render.findings import rule_listing

        rules = [check.rule for check in sorted(LINT_CHECKS, key=lambda c: c.rule.code)]
        for rule in [*rules, *YOLO_RULES]:
            print(rule_listing(rule))
        return 0
    if not args.files:
        raise InputError("name the annotation files to validate (or --list-rules)")
    if args.fix and len(args.files) > 1:
        raise InputError("--fix OUT.json takes one file; use --in-place for several")
    if args.fix and Path(args.fix).resolve() == Path(args.files[0]).resolve():
        raise InputError("--fix names the input itself; use --in-place to overwrite it")
    if args.box_tolerance < 0:
        raise InputError(f"--box-tolerance must be >= 0, got {args.box_tolerance:g}")

    from foldcheck.checks.lint import LintSettings
    from foldcheck.checks.validate import Linted, fix, format_of, lint_file
    from foldcheck.core.findings import Tally
    from foldcheck.io.atomic import refuse_overwrite, write_atomic
    from foldcheck.render.findings import render_findings, use_color
    from foldcheck.render.progress import status as progress

    settings = LintSettings(
        box_tolerance=args.box_tolerance,
        images_dir=Path(args.images_dir) if args.images_dir else None,
    )
    select, ignore = rule_selection(args)
    most = shown_per_rule(args)
    if args.fix:
        refuse_overwrite([Path(args.fix)], args.force)
    # Change lines go to stdout with text output, else to stderr (stdout stays parseable).
    notes = sys.stdout if args.format == "text" else sys.stderr
    findings, status, linted_files, errors, warnings = [], 0, 0, 0, 0
    for name in args.files:
        try:
            if (args.fix or args.in_place) and format_of(Path(name)).no_fix:
                raise InputError(format_of(Path(name)).no_fix, name)
            with progress(f"reading and linting {name}", progress_off(args)):
                linted = lint_file(Path(name), settings, select, ignore)
            if isinstance(linted, Linted) and (args.fix or args.in_place):
                out = Path(args.fix) if args.fix else Path(name)
                fixed = fix(linted)
                if fixed.changes or args.fix:  # written first: a fix is printed once applied
                    write_atomic(out, fixed.payload)
                for change, place in fixed.changes:
                    where = f"{name}:{place[0]}:{place[1]}" if place else name
                    print(f"{where}: {change.code} {change.what}", file=notes)
                count = len(fixed.changes)
                print(
                    f"{count} fix{'es' if count != 1 else ''} applied; wrote {out}"
                    if count or args.fix
                    else f"{name}: nothing to fix",
                    file=notes,
                )
                linted = lint_file(out, settings, select, ignore)  # what remains, in the output
        except InputError as exc:
            print(exc, file=sys.stderr)
            status = 2
            continue
        findings += linted.findings(most)
        found = linted.tally()
        errors, warnings, linted_files = (
            errors + found.errors,
            warnings + found.warnings,
            linted_files + 1,
        )
    if not linted_files:
        return status  # every file was unusable: its error line says so, nothing else
    render_findings(
        findings,
        args.format,
        sys.stdout,
        color=use_color(args.color, sys.stdout),
        quiet=args.quiet,
        fold_sets=linted_files,
        found=Tally(errors, warnings),
        noun="file",
    )
    if status:
        return status
    return 1 if errors else 0
