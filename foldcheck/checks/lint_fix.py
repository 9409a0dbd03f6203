"""``validate --fix``: what to change, for the defects that have one mechanical fix.

Boxes reaching past the image are clipped to it (and the area with them, when it was the
box's); boxes under a pixel, degenerate or clipped to nothing, are dropped; exact duplicates
lose their copies; a missing or non-positive ``area`` is taken from the mask (polygons or an
RLE), else the box; a missing ``iscrowd`` becomes 0; repeated or missing annotation ids get
new ones after the largest; a missing ``info`` becomes ``{}``. Only the rules that ran
(``--select`` / ``--ignore``) are fixed. The edit itself is ``formats.coco.edit``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from foldcheck.checks.lint import Result
from foldcheck.checks.rules.lint_annotations import (
    AREA_SLACK,
    ann_name,
    box_repeats,
    fmt_box,
    repeats,
)
from foldcheck.formats.coco.edit import Edits
from foldcheck.formats.coco.lint import OK, SEG_POLYGONS, SEG_RLE, SEG_RLE_COMPRESSED, LintTable

_INT64_MAX = 2**63 - 1
FIXABLE = frozenset(
    [
        "FC501",
        "FC502",
        "FC505",
        "FC506",
        "FC508",
        "FC509",
        "FC510",
        "FC511",
        "FC512",
        "FC518",
        "FC541",
    ]
)


@dataclass(frozen=True)
class Change:
    code: str
    row: int  # annotation row; -1 for the file itself
    what: str


@dataclass
class FixPlan:
    edits: Edits
    changes: list[Change] = field(default_factory=list)

    def set(self, row: int, key: str, value: float | int | str, code: str, what: str) -> None:
        self.edits.members.setdefault(row, {})[key] = _json(value)
        self.changes.append(Change(code, row, what))

    def drop(self, row: int, code: str, what: str) -> None:
        self.edits.drop[row] = True
        self.changes.append(Change(code, row, what))


def _json(value: float | int | str) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _clean(value: float) -> float:
    return round(float(value), 6)  # clipping arithmetic leaves 1e-14 noise


def plan_fixes(t: LintTable, result: Result) -> FixPlan:
    rows = {
        check.rule.code: hits.rows
        for check, hits in result
        if check.rule.code in FIXABLE and len(hits.rows)
    }
    ran = {check.rule.code for check, _ in result}
    c = t.lint
    n = len(c.ann_id)
    p = FixPlan(Edits(np.zeros(n, bool)))
    box = _clipped(t, rows, p)
    _drop_degenerate(t, rows, box, p)
    # Boxes clipped to one box are copies now: found in this run, or the next --fix would.
    if "FC518" in rows or ("FC518" in ran and ("FC510" in rows or "FC511" in rows)):
        _drop_duplicates(t, box, p)
    _fill_area(t, rows, box, p)
    for row in rows.get("FC506", np.zeros(0, np.intp)).tolist():
        if not p.edits.drop[row]:
            p.set(row, "iscrowd", 0, "FC506", f'{ann_name(t, row)}: set "iscrowd" to 0')
    if "FC501" in rows or "FC502" in rows:
        _renumber(t, rows, p)
    if "FC541" in rows:
        p.edits.add_info = True
        p.changes.append(Change("FC541", -1, 'added "info": {}'))
    return p


def _clipped(t: LintTable, rows: dict[str, np.ndarray], p: FixPlan) -> np.ndarray:
    """Every box, those of FC510/FC511 clipped to their image (sides inside keep their
    exact numbers)."""
    c = t.lint
    box: np.ndarray = c.bbox.copy()
    clip = np.union1d(rows.get("FC510", []), rows.get("FC511", [])).astype(np.intp)
    if not len(clip):
        return box
    width = c.image_width[t.ann_image[clip]]
    height = c.image_height[t.ann_image[clip]]
    x, y, w, h = c.bbox[clip].T
    x1, y1 = np.maximum(x, 0), np.maximum(y, 0)
    new_w = np.where((x >= 0) & (x + w <= width), w, np.minimum(x + w, width) - x1)
    new_h = np.where((y >= 0) & (y + h <= height), h, np.minimum(y + h, height) - y1)
    box[clip] = np.stack([x1, y1, np.maximum(new_w, 0), np.maximum(new_h, 0)], axis=1)
    centre_outside = set(rows.get("FC510", np.zeros(0, np.intp)).tolist())
    for row in clip.tolist():
        if box[row, 2] < 1 or box[row, 3] < 1:
            continue  # nothing worth keeping: dropped below
        new = [_clean(v) for v in box[row]]
        box[row] = new
        code = "FC510" if row in centre_outside else "FC511"
        what = f"{ann_name(t, row)}: clipped box {fmt_box(c.bbox[row])} to {fmt_box(box[row])}"
        p.set(row, "bbox", "[" + ", ".join(map(_json, new)) + "]", code, what)
        box_area = _clean(new[2] * new[3])
        if c.area_state[row] == OK and c.area[row] > box_area * (1 + AREA_SLACK) + 1:
            what = f'{ann_name(t, row)}: "area" {_json(float(c.area[row]))} -> {_json(box_area)}'
            p.set(row, "area", box_area, code, what + " (the clipped box's)")
    return box


def _drop_degenerate(
    t: LintTable, rows: dict[str, np.ndarray], box: np.ndarray, p: FixPlan
) -> None:
    c = t.lint
    flagged = np.zeros(len(box), bool)
    for code in ("FC508", "FC509", "FC510", "FC511"):
        flagged[rows.get(code, np.zeros(0, np.intp))] = True
    with np.errstate(invalid="ignore"):
        flagged &= (box[:, 2] < 1) | (box[:, 3] < 1)
    for row in np.flatnonzero(flagged).tolist():
        w, h = c.bbox[row, 2], c.bbox[row, 3]
        code = "FC508" if w <= 0 or h <= 0 else "FC509" if w < 1 or h < 1 else "FC510"
        p.drop(row, code, f"dropped {ann_name(t, row)} (box {fmt_box(c.bbox[row])})")


def _drop_duplicates(t: LintTable, box: np.ndarray, p: FixPlan) -> None:
    """Copies among the boxes that stay, as they will be written (clipping can make one)."""
    kept = ~p.edits.drop & (t.lint.bbox_state == OK)
    later, first = box_repeats(t.ann_image, t.ann_class, box, kept)
    for row, original in zip(later.tolist(), first.tolist(), strict=True):
        p.drop(row, "FC518", f"dropped {ann_name(t, row)}, a copy of {ann_name(t, original)}")


def _fill_area(t: LintTable, rows: dict[str, np.ndarray], box: np.ndarray, p: FixPlan) -> None:
    c = t.lint
    refill = np.zeros(len(box), bool)
    for code in ("FC505", "FC512"):
        refill[rows.get(code, np.zeros(0, np.intp))] = True
    for row in np.flatnonzero(refill & ~p.edits.drop).tolist():
        if c.seg_kind[row] == SEG_POLYGONS and c.poly_area[row] > 0:
            value, source = float(c.poly_area[row]), "its polygons"
        elif c.seg_kind[row] in (SEG_RLE, SEG_RLE_COMPRESSED) and c.rle_area[row] > 0:
            value, source = float(c.rle_area[row]), "its mask (RLE)"
        else:
            value, source = float(box[row, 2] * box[row, 3]), "its box"
        if not np.isfinite(value) or value <= 0:
            continue  # neither a mask nor a box to take it from: the user's to fix
        value = round(value, 3)
        code = "FC505" if c.area_state[row] != OK else "FC512"
        what = f'{ann_name(t, row)}: set "area" to {_json(value)} ({source})'
        p.set(row, "area", value, code, what)


def _renumber(t: LintTable, rows: dict[str, np.ndarray], p: FixPlan) -> None:
    """Repeats (among the records that stay) and missing ids get ids no record keeps."""
    c = t.lint
    valid = (c.ann_id_state == OK) & ~p.edits.drop
    renumber = np.zeros(len(valid), bool)
    if "FC501" in rows:
        renumber[repeats(c.ann_id, valid)[0]] = True
    if "FC502" in rows:
        renumber |= (c.ann_id_state != OK) & ~p.edits.drop
    targets = np.flatnonzero(renumber).tolist()
    for row, new_id in zip(targets, fresh_ids(c.ann_id[valid], len(targets)), strict=True):
        code = "FC501" if c.ann_id_state[row] == OK else "FC502"
        p.set(row, "id", new_id, code, f"{ann_name(t, row)}: new id {new_id}")


def fresh_ids(used: np.ndarray, count: int) -> list[int]:
    """``count`` ids not in ``used``: after the largest, as files number them; where that
    would pass 2**63 - 1 (the largest id every reader holds), the smallest free positive
    ones. Either way within int64, so the fixed file reads back and a second --fix has
    nothing to do."""
    top = int(used.max()) if len(used) else 0
    if top <= _INT64_MAX - count:
        return list(range(top + 1, top + 1 + count))
    taken = np.unique(used[used > 0])
    candidates = np.arange(1, len(taken) + count + 1, dtype=np.int64)
    free: list[int] = candidates[~np.isin(candidates, taken)][:count].tolist()
    return free
