"""Score a fold set's predictions: each fold on its validation images, the mean and sample
standard deviation over folds, the pooled out-of-fold score, per-class AP, the held-out test
set when given; and the prediction lint findings. Data only, nothing printed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from foldcheck.checks.context import CheckContext, SideRows, build_context
from foldcheck.checks.rules.predictions import PredictionFile, annotation_id_zero, lint_predictions
from foldcheck.core.findings import Finding
from foldcheck.errors import InputError
from foldcheck.formats.datasets import read_dataset
from foldcheck.formats.fold_set import FoldSet
from foldcheck.formats.foldsets import discover
from foldcheck.formats.predictions import read_predictions
from foldcheck.metrics.cocoeval import STAT_NAMES, Evaluation, Objects, evaluate
from foldcheck.metrics.masks import Runs, runs_from_polygons, runs_from_rle
from foldcheck.scoring.matching import STEMS, ULTRALYTICS, Matched, match
from foldcheck.scoring.result import ClassAP, FoldScore, ScoreResult
from foldcheck.scoring.truth import Truth, truth_of

IOU_TYPES = ("bbox", "segm")


def score_fold_set(
    folds: Path,
    predictions: list[Path] | str,
    iou_type: str = "bbox",
    test_predictions: list[Path] | None = None,
    dataset: Path | None = None,
) -> ScoreResult:
    _check_iou_type(iou_type)
    fold_set = _one_set(folds)
    manifest = fold_set.manifest
    dataset = dataset or (manifest.dataset_file if manifest else None)
    reference = read_dataset(dataset) if dataset is not None else None
    held_keys = manifest.holdout["images"] if manifest and manifest.holdout else None
    ctx = build_context(fold_set, reference, "image", "own", 0.1, None, held_keys)
    return score_context(ctx, predictions, iou_type, test_predictions)


def score_context(
    ctx: CheckContext,
    predictions: list[Path] | str,
    iou_type: str = "bbox",
    test_predictions: list[Path] | None = None,
) -> ScoreResult:
    """The score of a fold set already resolved against its dataset (what ``check`` saw:
    ``report --html`` scores the set it checked without reading the dataset again)."""
    _check_iou_type(iou_type)
    fold_set = ctx.fold_set
    if isinstance(predictions, str):
        predictions = [Path(predictions.replace("{i}", str(i))) for i in range(fold_set.k)]
    if len(predictions) != fold_set.k:
        raise InputError(
            f"{len(predictions)} prediction files for {fold_set.k} folds: give one per fold, "
            "in fold order (or --predictions 'runs/fold{i}/predictions.json')",
            fold_set.origin,
        )
    files = [ctx.reference.path] if ctx.reference_given else [s.path for s in fold_set.val]
    if ctx.holdout is not None and fold_set.holdout is not None and not ctx.reference_given:
        files.append(fold_set.holdout.path)
    truth = truth_of(
        ctx.reference, [f for f in files if f.suffix.lower() == ".json"], iou_type == "segm"
    )
    return _score(ctx, truth, predictions, iou_type, test_predictions or [])


def _check_iou_type(iou_type: str) -> None:
    if iou_type not in IOU_TYPES:
        raise InputError(f"--iou-type must be one of {', '.join(IOU_TYPES)}, not {iou_type!r}")


def prediction_files(files: list[str], pattern: str | None) -> list[Path] | str:
    """The command line's PREDICTIONS or --predictions PATTERN (expanded once K is known)."""
    if pattern is not None:
        if files:
            raise InputError("give PREDICTIONS files or --predictions PATTERN, not both")
        if "{i}" not in pattern:
            raise InputError(f"--predictions {pattern!r} has no {{i}} for the fold number")
        return pattern
    if not files:
        raise InputError("no predictions: give one results file per fold, or --predictions PATTERN")
    return [Path(f) for f in files]


def _one_set(path: Path) -> FoldSet:
    """The fold set to score. A manifest governs the files exported beside it (``check``
    holds them to it), so where it is among the sets, its folds are the folds."""
    sets = discover([path])
    governing = [s for s in sets if s.kind == "manifest"]
    if len(governing) == 1:
        return governing[0]
    if len(sets) > 1:
        kinds = ", ".join(s.kind for s in sets)
        raise InputError(f"several fold sets here ({kinds}): name the one to score", path)
    return sets[0]


def _score(
    ctx: CheckContext, truth: Truth, paths: list[Path], iou_type: str, test_paths: list[Path]
) -> ScoreResult:
    n = ctx.reference.n_images
    val_fold = np.full(n, -1, np.intp)
    for index in reversed(range(ctx.k)):
        val_fold[ctx.val[index].known] = index
    held = ctx.held if ctx.held is not None else np.zeros(n, bool)
    used = np.bincount(truth.objects.cls, minlength=len(truth.class_ids)) > 0
    findings: list[Finding] = []
    matched: list[Matched] = []
    folds: list[FoldScore] = []
    evaluations = []
    mapping: set[str] = set()
    for index, path in enumerate(paths):
        asked = _mask(n, ctx.val[index])
        trained = _mask(n, ctx.train[index]) if ctx.train is not None else (val_fold >= 0) & ~asked
        m = match(read_predictions(path, masks=iou_type == "segm"), truth, asked)
        matched.append(m)
        findings += lint_predictions(
            _lint_view(m, ctx, truth, asked, trained, held, val_fold, used, f"fold {index}")
        )
        mapping |= _mapping(m)
        evaluation = _evaluate(truth, [(m, asked)], asked, iou_type)
        evaluations.append(evaluation)
        folds.append(FoldScore(index, int(asked.sum()), len(m.predictions), evaluation.stats()))
    every_val = val_fold >= 0
    oof_eval = _evaluate(
        truth, [(m, val_fold == i) for i, m in enumerate(matched)], every_val, iou_type
    )
    oof = FoldScore(
        None, int(every_val.sum()), sum(len(m.predictions) for m in matched), oof_eval.stats()
    )
    if truth.id_zero is not None:
        findings.append(annotation_id_zero(*truth.id_zero))
    per_fold_ap = [e.class_ap() for e in evaluations]
    oof_ap = oof_eval.class_ap()
    per_class = [
        ClassAP(
            name,
            [aps[k] for aps in per_fold_ap],
            oof_ap[k],
            _spread([aps[k] for aps in per_fold_ap])[1],
        )
        for k, name in enumerate(truth.class_names)
    ]
    test = (
        _test(ctx, truth, test_paths, held, val_fold, used, iou_type, findings, mapping)
        if test_paths
        else None
    )
    mean, std = {}, {}
    for name in STAT_NAMES:
        mean[name], std[name] = _spread([f.stats[name] for f in folds])
    return ScoreResult(
        iou_type,
        folds,
        mean,
        std,
        oof,
        per_class,
        sorted(findings, key=Finding.sort_key),
        "; ".join(sorted(mapping)) or None,
        test,
    )


def _test(
    ctx: CheckContext,
    truth: Truth,
    paths: list[Path],
    held: np.ndarray,
    val_fold: np.ndarray,
    used: np.ndarray,
    iou_type: str,
    findings: list[Finding],
    mapping: set[str],
) -> dict[str, Any]:
    if not held.any():
        raise InputError(
            "--test-predictions: the fold set has no held-out test set", ctx.fold_set.origin
        )
    if len(paths) not in (1, ctx.k):
        raise InputError(
            f"--test-predictions names {len(paths)} files: give one, "
            f"or one per fold model ({ctx.k})"
        )
    models = []
    for index, path in enumerate(paths):
        m = match(read_predictions(path, masks=iou_type == "segm"), truth, held)
        role = "test" if len(paths) == 1 else f"fold {index}'s test"
        trained = (
            _mask(len(held), ctx.train[index])
            if ctx.train is not None and len(paths) > 1
            else (
                (val_fold >= 0) & (val_fold != index)
                if len(paths) > 1
                else np.zeros(len(held), bool)
            )
        )
        findings += lint_predictions(
            _lint_view(m, ctx, truth, held, trained, np.zeros_like(held), val_fold, used, role)
        )
        mapping |= _mapping(m)
        evaluation = _evaluate(truth, [(m, held)], held, iou_type)
        models.append(
            FoldScore(
                index if len(paths) > 1 else None,
                int(held.sum()),
                len(m.predictions),
                evaluation.stats(),
            )
        )
    if len(models) == 1:
        return models[0].to_dict()
    mean = {name: _spread([m.stats[name] for m in models])[0] for name in STAT_NAMES}
    return {
        "fold": None,
        "images": int(held.sum()),
        "predictions": sum(m.predictions for m in models),
        "stats": mean,
        "models": [m.to_dict() for m in models],
    }


def _mask(n: int, side: SideRows) -> np.ndarray:
    mask = np.zeros(n, bool)
    mask[side.known] = True
    return mask


def _mapping(m: Matched) -> set[str]:
    if m.shifted:
        return {ULTRALYTICS}
    return {STEMS} if m.by_stem else set()


def _spread(values: list[float]) -> tuple[float, float]:
    defined = np.asarray([v for v in values if v != -1], dtype=np.float64)
    mean = float(defined.mean()) if len(defined) else -1.0
    std = float(defined.std(ddof=1)) if len(defined) > 1 else -1.0
    return mean, std


def _lint_view(
    m: Matched,
    ctx: CheckContext,
    truth: Truth,
    asked: np.ndarray,
    trained: np.ndarray,
    held: np.ndarray,
    val_fold: np.ndarray,
    used: np.ndarray,
    role: str,
) -> PredictionFile:
    p = m.predictions
    return PredictionFile(
        str(p.path),
        role,
        m.row,
        m.cls,
        p.category_ids,
        p.boxes,
        list(p.image_ids),
        p.place,
        asked,
        trained,
        held,
        val_fold,
        ctx.image_label,
        truth.width,
        truth.height,
        truth.class_ids,
        used,
        m.shifted,
    )


def _evaluate(
    truth: Truth, parts: list[tuple[Matched, np.ndarray]], images: np.ndarray, iou_type: str
) -> Evaluation:
    """COCOeval over the rows ``images``: each part's predictions on its own rows only."""
    rows = np.flatnonzero(images)
    rank = np.full(len(images), -1, np.intp)
    rank[rows[np.argsort(truth.image_ids[rows], kind="stable")]] = np.arange(len(rows))
    gt = truth.objects
    keep = images[gt.image]
    truth_part = Objects(
        rank[gt.image[keep]],
        gt.cls[keep],
        gt.boxes[keep],
        gt.area[keep],
        crowd=gt.crowd[keep] if gt.crowd is not None else None,
        ids=gt.ids[keep] if gt.ids is not None else None,
        masks=[r for r, k in zip(gt.masks, keep.tolist(), strict=True) if k]
        if gt.masks is not None
        else None,
    )
    image, cls, boxes, scores, area, masks = [], [], [], [], [], []
    for m, own in parts:
        p = m.predictions
        ok = (m.row >= 0) & (m.cls >= 0)
        ok[ok] = own[m.row[ok]]
        image.append(rank[m.row[ok]])
        cls.append(m.cls[ok])
        boxes.append(p.boxes[ok])
        scores.append(p.scores[ok])
        area.append(_areas(m, ok, iou_type, truth))
        if iou_type == "segm":
            masks += _masks(m, ok, truth)
    found = Objects(
        np.concatenate(image) if image else np.zeros(0, np.intp),
        np.concatenate(cls) if cls else np.zeros(0, np.intp),
        np.concatenate(boxes) if boxes else np.zeros((0, 4)),
        np.concatenate(area) if area else np.zeros(0),
        scores=np.concatenate(scores) if scores else np.zeros(0),
        masks=masks if iou_type == "segm" else None,
    )
    return evaluate(truth_part, found, len(rows), len(truth.class_ids))


def _areas(m: Matched, ok: np.ndarray, iou_type: str, truth: Truth) -> np.ndarray:
    """COCO.loadRes: w*h of the box when the file's first prediction has a box, else the
    mask's area."""
    p = m.predictions
    if iou_type == "bbox" or (len(p) and np.isfinite(p.boxes[0]).all()):
        area: np.ndarray = p.boxes[ok, 2] * p.boxes[ok, 3]
        return area
    return np.asarray([r.area for r in _masks(m, ok, truth)], dtype=np.float64)


def _masks(m: Matched, ok: np.ndarray, truth: Truth) -> list[Runs]:
    p = m.predictions
    assert p.segmentations is not None
    out = []
    for index in np.flatnonzero(ok).tolist():
        row = int(m.row[index])
        h, w = int(truth.height[row]), int(truth.width[row])
        segmentation = p.segmentations[index]
        if segmentation is None:  # loadRes gives a box-only prediction its box as a polygon
            x, y, bw, bh = p.boxes[index].tolist()
            segmentation = [[x, y, x, y + bh, x + bw, y + bh, x + bw, y]]
        runs = (
            runs_from_rle(segmentation)
            if isinstance(segmentation, dict)
            else runs_from_polygons(segmentation, h, w)
            if isinstance(segmentation, list)
            and segmentation
            and all(isinstance(q, list) and len(q) >= 6 for q in segmentation)
            else None
        )
        if runs is None or (runs.height, runs.width) != (h, w):
            line, col = p.place(index, "segmentation")
            raise InputError(
                f'"segmentation" is not an RLE of its image\'s size {h}x{w} '
                "nor polygons of 3+ points",
                p.path,
                line=line,
                col=col,
            )
        out.append(runs)
    return out
