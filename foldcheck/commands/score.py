"""Score each fold's predictions on its validation images with COCO's metric: per fold, the
mean and standard deviation over folds, and the pooled out-of-fold score.

FOLDS is a fold manifest (folds.json), a folder of fold files, or a fold file (COCO or YOLO),
as for check. PREDICTIONS are COCO results files (MMDetection, Detectron2, Ultralytics'
predictions.json), one per fold in fold order, or --predictions 'runs/fold{i}/predictions.json'.
Without them, [tool.foldcheck] folds and predictions in pyproject.toml name them (what the
pre-commit hook runs).
The numbers are pycocotools COCOeval's, to the last digit. Predictions that cannot be scored as
promised (on an image the fold's model trained on, unknown images or categories, ...) are
findings FC601-FC609.

Exit codes: 0 no errors (warnings may be printed), 1 errors found, 2 usage or unreadable
input, 3 internal error.
"""

from __future__ import annotations

import argparse

from foldcheck.commands.options import (
    add_findings_output,
    add_rule_selection,
    rule_selection,
    shown_per_rule,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "folds", nargs="?", metavar="FOLDS", help="fold manifest, fold file or folder"
    )
    parser.add_argument(
        "prediction_files", nargs="*", metavar="PREDICTIONS", help="one results file per fold"
    )
    parser.add_argument(
        "--predictions",
        metavar="PATTERN",
        help="the results files as a pattern with {i} for the fold number: "
        "'runs/fold{i}/predictions.json'",
    )
    parser.add_argument(
        "--iou-type", choices=("bbox", "segm"), default="bbox", help="boxes (default) or masks"
    )
    parser.add_argument(
        "--test-predictions",
        nargs="+",
        metavar="FILE",
        help="results on the held-out test set: one file, or one per fold model",
    )
    parser.add_argument(
        "--dataset",
        metavar="DATASET",
        help="the dataset the folds were made from (default: the manifest's)",
    )
    add_rule_selection(parser, "FC601,FC6")
    add_findings_output(parser, per="file")


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from foldcheck.checks.rules import catalogue
    from foldcheck.render.findings import rule_listing

    if args.list_rules:
        for rule in catalogue().values():
            if rule.code.startswith("FC6"):
                print(rule_listing(rule))
        return 0

    from foldcheck.config import load_config
    from foldcheck.core.findings import selected
    from foldcheck.errors import InputError
    from foldcheck.render.score import render_score
    from foldcheck.scoring.run import prediction_files, score_fold_set

    config = load_config()
    folds = Path(args.folds) if args.folds else config.folds
    if folds is None:
        raise InputError(
            "nothing to score: name FOLDS and PREDICTIONS, or set 'folds' and 'predictions' "
            "in [tool.foldcheck] of pyproject.toml"
        )
    pattern = args.predictions
    if pattern is None and not args.prediction_files:
        pattern = config.predictions
    result = score_fold_set(
        folds,
        prediction_files(args.prediction_files, pattern),
        args.iou_type,
        [Path(p) for p in args.test_predictions or []],
        Path(args.dataset) if args.dataset else None,
    )
    select, ignore = rule_selection(args)
    result.findings = [f for f in result.findings if selected(f.code, select, ignore)]
    render_score(
        result,
        args.format,
        sys.stdout,
        color=args.color,
        quiet=args.quiet,
        most=shown_per_rule(args),
    )
    return 1 if any(f.severity == "error" for f in result.findings) else 0
