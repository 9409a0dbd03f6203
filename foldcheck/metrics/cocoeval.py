"""COCO's box and mask AP/AR, number for number as pycocotools' ``COCOeval`` computes them,
from numpy columns instead of one Python dict per box.

``COCOeval`` matches each image's detections of a class to its ground truth greedily, best
score first, at each of ten IoU thresholds and four area ranges, then sweeps all images'
detections of a class by score into a precision/recall curve. Its loops are over images and
classes; here every (image, class) pair advances together, one detection rank at a time,
and the curve is built with cumulative sums: the same operations in the same order, so the
same floating-point numbers. Its quirks are kept, since the point is to agree with it:

- detections with equal scores keep their input order (it sorts with a stable mergesort);
- a ground truth whose annotation id is 0 is matched but never counted as found (it stores
  matches by id, and 0 means "none");
- at most 100 detections per image *and class* are kept (``maxDets`` applies per pair);
- a detection's area, which decides the area ranges, is its box's w*h whenever the results
  file's first detection has a box, even for mask IoU (``COCO.loadRes``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from foldcheck.metrics.masks import Runs

# Exactly pycocotools' Params.setDetParams expressions, so the floats are its floats.
IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
RECALL_THRESHOLDS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
MAX_DETECTIONS = (1, 10, 100)
AREA_RANGES = ((0.0, 1e5**2), (0.0, 32.0**2), (32.0**2, 96.0**2), (96.0**2, 1e5**2))
AREA_NAMES = ("all", "small", "medium", "large")
STAT_NAMES = (
    "AP",
    "AP50",
    "AP75",
    "APs",
    "APm",
    "APl",
    "AR1",
    "AR10",
    "AR100",
    "ARs",
    "ARm",
    "ARl",
)
_LOWEST_IOU = float(min(IOU_THRESHOLDS[0], 1 - 1e-10))  # no match below it at any threshold


@dataclass(frozen=True, eq=False)
class Objects:
    """Ground truth or detections of the images scored, in file order (it breaks ties)."""

    image: np.ndarray  # intp: row of the image (images are in increasing id order)
    cls: np.ndarray  # intp: row of the class (classes in increasing id order)
    boxes: np.ndarray  # float64 [n, 4]: x, y, w, h
    area: np.ndarray  # float64: what the area ranges compare
    scores: np.ndarray | None = None  # float64: detections only
    crowd: np.ndarray | None = None  # bool: ground truth only
    ids: np.ndarray | None = None  # int64 annotation ids: ground truth only
    masks: list[Runs] | None = field(default=None, repr=False)  # for mask IoU

    def __len__(self) -> int:
        return len(self.image)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """COCOeval.eval's arrays: precision [T, R, K, A, M] and recall [T, K, A, M], -1 where
    undefined (a class with no ground truth to find)."""

    precision: np.ndarray
    recall: np.ndarray

    def stats(self) -> dict[str, float]:
        """``COCOeval.summarize()``'s twelve numbers, by name."""
        p, r = self.precision, self.recall
        values = [
            _mean(p[:, :, :, 0, 2]),
            _mean(p[np.where(IOU_THRESHOLDS == 0.5)[0]][:, :, :, 0, 2]),
            _mean(p[np.where(IOU_THRESHOLDS == 0.75)[0]][:, :, :, 0, 2]),
            *(_mean(p[:, :, :, a, 2]) for a in (1, 2, 3)),
            *(_mean(r[:, :, 0, m]) for m in (0, 1, 2)),
            *(_mean(r[:, :, a, 2]) for a in (1, 2, 3)),
        ]
        return dict(zip(STAT_NAMES, values, strict=True))

    def class_ap(self) -> list[float]:
        """AP per class (all areas, 100 detections), -1 where undefined."""
        return [_mean(self.precision[:, :, k, 0, 2]) for k in range(self.precision.shape[2])]


def _mean(values: np.ndarray) -> float:
    defined = values[values > -1]
    return -1.0 if len(defined) == 0 else float(np.mean(defined))


def evaluate(truth: Objects, found: Objects, n_images: int, n_classes: int) -> Evaluation:
    """Score detections ``found`` against ``truth`` over ``n_images`` images and
    ``n_classes`` classes (objects of other rows must be left out by the caller)."""
    assert found.scores is not None and truth.crowd is not None and truth.ids is not None
    n_pairs = n_images * n_classes
    gt_pair = truth.image * n_classes + truth.cls
    dt_pair = found.image * n_classes + found.cls
    gt_order = np.argsort(gt_pair, kind="stable")
    # Within a pair, detections by descending score, ties in file order; the first 100 kept.
    dt_order = np.lexsort((-found.scores, dt_pair))
    rank = _rank_in_group(dt_pair[dt_order])
    kept = dt_order[rank < MAX_DETECTIONS[-1]]
    rank = rank[rank < MAX_DETECTIONS[-1]]

    det, gt, iou = _candidates(truth, found, gt_pair, gt_order, dt_pair, kept, n_pairs)
    det_rank = np.full(len(found), -1, np.int64)
    det_rank[kept] = rank
    matched_id = np.zeros((len(AREA_RANGES), len(IOU_THRESHOLDS), len(found)), bool)
    ignored = np.zeros_like(matched_id)
    counted = np.zeros((len(AREA_RANGES), n_classes), np.int64)  # ground truth to find
    for a, (low, high) in enumerate(AREA_RANGES):
        gt_ignored = truth.crowd | (truth.area < low) | (truth.area > high)
        match = _match(det, gt, iou, det_rank, gt_ignored, truth.crowd, len(found), len(truth))
        hit = match >= 0
        target = np.where(hit, match, 0)
        # COCOeval's dtMatches holds the gt's id: 0 (an id of 0, too) counts as no match.
        matched_id[a] = hit & (truth.ids[target] != 0)
        outside = (found.area < low) | (found.area > high)
        ignored[a] = (hit & gt_ignored[target]) | (~matched_id[a] & outside)
        counted[a] = np.bincount(truth.cls[~gt_ignored], minlength=n_classes)
    return _accumulate(found, kept, rank, matched_id, ignored, counted, dt_pair, n_classes)


def _rank_in_group(sorted_groups: np.ndarray) -> np.ndarray:
    """Position of each item within its run of equal values in a sorted array."""
    if not len(sorted_groups):
        return np.zeros(0, np.int64)
    starts = np.flatnonzero(np.concatenate([[True], sorted_groups[1:] != sorted_groups[:-1]]))
    lengths = np.diff(np.append(starts, len(sorted_groups)))
    return np.arange(len(sorted_groups)) - np.repeat(starts, lengths)


def _candidates(
    truth: Objects,
    found: Objects,
    gt_pair: np.ndarray,
    gt_order: np.ndarray,
    dt_pair: np.ndarray,
    kept: np.ndarray,
    n_pairs: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(detection, ground truth, IoU) of every same-pair couple that could match at the
    lowest threshold."""
    first_gt = np.searchsorted(gt_pair[gt_order], np.arange(n_pairs + 1))
    pair = dt_pair[kept]
    count = first_gt[pair + 1] - first_gt[pair]
    det = np.repeat(kept, count)
    offset = np.arange(len(det)) - np.repeat(np.cumsum(count) - count, count)
    gt = gt_order[np.repeat(first_gt[pair], count) + offset]
    crowd = truth.crowd
    assert crowd is not None
    if found.masks is None or truth.masks is None:
        iou = _box_iou(found.boxes[det], truth.boxes[gt], crowd[gt])
    else:
        iou = _mask_iou(found.masks, truth.masks, det, gt, crowd)
    keep = iou >= _LOWEST_IOU
    return det[keep], gt[keep], iou[keep]


def _box_iou(d: np.ndarray, g: np.ndarray, crowd: np.ndarray) -> np.ndarray:
    """maskApi.c's bbIou, operation for operation (a crowd's union is the detection)."""
    det_area = d[:, 2] * d[:, 3]
    gt_area = g[:, 2] * g[:, 3]
    w = np.fmin(d[:, 2] + d[:, 0], g[:, 2] + g[:, 0]) - np.fmax(d[:, 0], g[:, 0])
    h = np.fmin(d[:, 3] + d[:, 1], g[:, 3] + g[:, 1]) - np.fmax(d[:, 1], g[:, 1])
    inter = w * h
    union = np.where(crowd, det_area, det_area + gt_area - inter)
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = inter / union
    result: np.ndarray = np.where((w > 0) & (h > 0), iou, 0.0)
    return result


def _mask_iou(
    found: list[Runs], truth: list[Runs], det: np.ndarray, gt: np.ndarray, crowd: np.ndarray
) -> np.ndarray:
    """maskApi.c's rleIou: set pixels in both over those in either (a crowd: in the
    detection); 0 when nothing overlaps."""
    iou = np.zeros(len(det))
    for n, (d, g) in enumerate(zip(det.tolist(), gt.tolist(), strict=True)):
        a, b = found[d], truth[g]
        if not len(a.starts) or not len(b.starts):
            continue
        if a.starts[0] >= b.ends[-1] or b.starts[0] >= a.ends[-1]:
            continue
        inter = a.overlap(b)
        if inter:
            union = a.area if crowd[g] else a.area + b.area - inter
            iou[n] = inter / union
    return iou


def _match(
    det: np.ndarray,
    gt: np.ndarray,
    iou: np.ndarray,
    det_rank: np.ndarray,
    gt_ignored: np.ndarray,
    crowd: np.ndarray,
    n_found: int,
    n_truth: int,
) -> np.ndarray:
    """COCOeval.evaluateImg's greedy matching for one area range: the matched ground truth
    of each detection at each threshold [T, detections], -1 for none.

    A detection, in score order, takes among the ground truth still free (a crowd is never
    used up) the one with the highest IoU at or above the threshold, preferring ground truth
    that is not ignored, and of equal IoUs the last in file order. All pairs advance a rank
    at a time; within a rank no two candidates share a ground truth (they share its pair)."""
    thresholds = np.minimum(IOU_THRESHOLDS, 1 - 1e-10)
    match = np.full((len(IOU_THRESHOLDS), n_found), -1, np.int64)
    if not len(det):
        return match
    # Candidates by (rank, detection, preference): the best is the last eligible one.
    order = np.lexsort((gt, iou, ~gt_ignored[gt], det, det_rank[det]))
    det, gt, iou = det[order], gt[order], iou[order]
    ranks = det_rank[det]
    bounds = np.searchsorted(ranks, np.arange(ranks.max() + 2))
    taken = np.zeros((len(IOU_THRESHOLDS), n_truth), bool)
    reusable = crowd[gt]
    for r in range(len(bounds) - 1):
        lo, hi = bounds[r], bounds[r + 1]
        if lo == hi:
            continue
        g = gt[lo:hi]
        eligible = (iou[lo:hi, None] >= thresholds) & (~taken[:, g].T | reusable[lo:hi, None])
        position = np.where(eligible, np.arange(hi - lo)[:, None], -1)
        d = det[lo:hi]
        starts = np.flatnonzero(np.concatenate([[True], d[1:] != d[:-1]]))
        best = np.maximum.reduceat(position, starts, axis=0)  # [detections of rank r, T]
        t_index, d_index = np.nonzero(best.T >= 0)
        chosen = best[d_index, t_index]
        match[t_index, d[starts][d_index]] = g[chosen]
        taken[t_index, g[chosen]] = True
    return match


def _accumulate(
    found: Objects,
    kept: np.ndarray,
    rank: np.ndarray,
    matched: np.ndarray,
    ignored: np.ndarray,
    counted: np.ndarray,
    dt_pair: np.ndarray,
    n_classes: int,
) -> Evaluation:
    """COCOeval.accumulate: per class, area range and detection cap, the detections of all
    images swept by score (ties: image order, then rank within the image)."""
    scores = found.scores
    assert scores is not None
    n_t, n_r = len(IOU_THRESHOLDS), len(RECALL_THRESHOLDS)
    shape = (n_t, n_classes, len(AREA_RANGES), len(MAX_DETECTIONS))
    precision = -np.ones((n_t, n_r, *shape[1:]))
    recall = -np.ones(shape)
    image = dt_pair[kept] // n_classes
    cls = dt_pair[kept] % n_classes
    sweep = kept[np.lexsort((rank, image, -scores[kept], cls))]
    sweep_rank = np.empty(len(found), np.int64)
    sweep_rank[kept] = rank
    sweep_cls = found.cls[sweep]
    class_bounds = np.searchsorted(sweep_cls, np.arange(n_classes + 1))
    for k in range(n_classes):
        members = sweep[class_bounds[k] : class_bounds[k + 1]]
        for m, cap in enumerate(MAX_DETECTIONS):
            dets = members[sweep_rank[members] < cap]
            for a in range(len(AREA_RANGES)):
                positives = counted[a, k]
                if positives == 0:  # nothing to find: undefined, as in COCOeval
                    continue
                tps = matched[a][:, dets] & ~ignored[a][:, dets]
                fps = ~matched[a][:, dets] & ~ignored[a][:, dets]
                tp = np.cumsum(tps, axis=1).astype(np.float64)
                fp = np.cumsum(fps, axis=1).astype(np.float64)
                recall[:, k, a, m] = tp[:, -1] / positives if len(dets) else 0
                rc = tp / positives
                pr = tp / (fp + tp + np.spacing(1))
                pr = np.maximum.accumulate(pr[:, ::-1], axis=1)[:, ::-1]
                for t in range(n_t):
                    at = np.searchsorted(rc[t], RECALL_THRESHOLDS, side="left")
                    inside = at < len(dets)
                    q = np.zeros(n_r)
                    q[inside] = pr[t, at[inside]]
                    precision[t, :, k, a, m] = q
    return Evaluation(precision, recall)
