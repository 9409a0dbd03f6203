"""Segmentation masks as pycocotools sees them, without pycocotools: each mask is the sorted,
disjoint runs of set pixels in column-major order (``Runs``), made from polygons exactly as
``maskApi.c``'s ``rleFrPoly`` rasterises them, from uncompressed or compressed RLE, and
merged (a union) as ``maskUtils.merge`` does. Mask IoU then needs only the runs' overlaps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from foldcheck.formats.coco.rle import decompress

_SCALE = 5.0  # rleFrPoly upsamples the outline 5x before walking it
_INT_MIN = -(2**31)


@dataclass(frozen=True, eq=False)
class Runs:
    """Set pixels of an h x w mask: [starts[i], ends[i]) in column-major pixel order."""

    height: int
    width: int
    starts: np.ndarray  # int64, sorted, disjoint and not touching
    ends: np.ndarray

    @property
    def area(self) -> int:
        return int((self.ends - self.starts).sum())

    def overlap(self, other: Runs) -> int:
        """Pixels set in both masks."""
        if not len(self.starts) or not len(other.starts):
            return 0
        covered = np.concatenate([[0], np.cumsum(other.ends - other.starts)])

        def before(x: np.ndarray) -> np.ndarray:  # pixels of ``other`` below each x
            j = np.searchsorted(other.starts, x, side="right")
            spill = np.maximum(other.ends[np.maximum(j - 1, 0)] - x, 0) * (j > 0)
            result: np.ndarray = covered[j] - spill
            return result

        return int((before(self.ends) - before(self.starts)).sum())


def runs_from_counts(counts: Sequence[int] | np.ndarray, height: int, width: int) -> Runs:
    """An RLE's alternating run lengths (0s first) as runs of set pixels."""
    bounds = np.cumsum(np.asarray(counts, dtype=np.int64))
    starts, ends = bounds[0:-1:2], bounds[1::2]
    keep = ends > starts
    return _merged(starts[keep], ends[keep], height, width)


def runs_from_rle(rle: dict[str, Any]) -> Runs | None:
    """A COCO RLE object (``counts`` a list or pycocotools' compressed string); None when it
    is neither. Compressed runs wrap at 32 bits, as pycocotools stores them."""
    size = rle.get("size")
    counts = rle.get("counts")
    if not (isinstance(size, list) and len(size) == 2 and all(_natural(v) for v in size)):
        return None
    height, width = int(size[0]), int(size[1])
    if isinstance(counts, str):
        runs = decompress(counts)
        if runs is None:
            return None
        return runs_from_counts(runs & 0xFFFFFFFF, height, width)
    if isinstance(counts, list) and all(_natural(v) for v in counts):
        return runs_from_counts(counts, height, width)
    return None


def runs_from_polygons(polygons: list[Any], height: int, width: int) -> Runs:
    """``maskUtils.merge(maskUtils.frPyObjects(polygons, h, w))`` for polygons of three
    points or more (pycocotools fails on a first polygon of fewer: the caller refuses it)."""
    parts = [_polygon(np.asarray(p, dtype=np.float64), height, width) for p in polygons]
    starts = np.concatenate([p.starts for p in parts])
    ends = np.concatenate([p.ends for p in parts])
    order = np.argsort(starts, kind="stable")
    return _merged(starts[order], ends[order], height, width)


def _natural(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _merged(starts: np.ndarray, ends: np.ndarray, height: int, width: int) -> Runs:
    """Runs sorted by start, joined where they overlap or touch."""
    if not len(starts):
        return Runs(height, width, starts.astype(np.int64), ends.astype(np.int64))
    reach = np.maximum.accumulate(ends)
    new = np.concatenate([[True], starts[1:] > reach[:-1]])
    first = np.flatnonzero(new)
    last = np.concatenate([first[1:] - 1, [len(starts) - 1]])
    return Runs(height, width, starts[first].astype(np.int64), reach[last].astype(np.int64))


def _polygon(xy: np.ndarray, h: int, w: int) -> Runs:
    """One polygon rasterised as ``rleFrPoly`` does (C int truncation included)."""
    k = len(xy) // 2
    if k == 0:
        return runs_from_counts([h * w], h, w)
    x = np.trunc(_SCALE * xy[0 : 2 * k : 2] + 0.5).astype(np.int64)
    y = np.trunc(_SCALE * xy[1 : 2 * k : 2] + 0.5).astype(np.int64)
    x, y = np.append(x, x[0]), np.append(y, y[0])
    us: list[np.ndarray] = []
    vs: list[np.ndarray] = []
    for j in range(k):  # walk each edge one upsampled step at a time along its longer axis
        xs, xe, ys, ye = int(x[j]), int(x[j + 1]), int(y[j]), int(y[j + 1])
        dx, dy = abs(xe - xs), abs(ys - ye)
        flip = (dx >= dy and xs > xe) or (dx < dy and ys > ye)
        if flip:
            xs, xe, ys, ye = xe, xs, ye, ys
        d = np.arange((dx if dx >= dy else dy) + 1, dtype=np.int64)
        if dx >= dy:
            s = (ye - ys) / dx if dx else math.nan
            t = dx - d if flip else d
            us.append(t + xs)
            # A repeated vertex: C divides 0 by 0 and casts the NaN to INT_MIN.
            vs.append(np.trunc(ys + s * t + 0.5).astype(np.int64) if dx else t * 0 + _INT_MIN)
        else:
            s = (xe - xs) / dy
            t = dy - d if flip else d
            vs.append(t + ys)
            us.append(np.trunc(xs + s * t + 0.5).astype(np.int64))
    u, v = np.concatenate(us), np.concatenate(vs)
    # Where the walk changes column: the boundary points, downsampled back to pixels.
    change = np.flatnonzero(u[1:] != u[:-1]) + 1
    uj, up, vj, vp = u[change], u[change - 1], v[change], v[change - 1]
    xd = (np.where(uj < up, uj, uj - 1).astype(np.float64) + 0.5) / _SCALE - 0.5
    keep = (np.floor(xd) == xd) & (xd >= 0) & (xd <= w - 1)
    yd = (np.minimum(vj, vp).astype(np.float64) + 0.5) / _SCALE - 0.5
    yd = np.ceil(np.clip(yd, 0, h))
    a = (xd[keep].astype(np.int64) * h + yd[keep].astype(np.int64)) & 0xFFFFFFFF
    a = np.sort(np.append(a, h * w))
    gaps = np.diff(np.concatenate([[0], a]))
    # Zero-length runs are folded into the run after the next, as rleFrPoly folds them.
    counts: list[int] = [int(gaps[0])]
    j = 1
    while j < len(gaps):
        if gaps[j] > 0:
            counts.append(int(gaps[j]))
            j += 1
        else:
            j += 1
            if j < len(gaps):
                counts[-1] += int(gaps[j])
                j += 1
    return runs_from_counts(counts, h, w)
