"""Per-fold balance: counts, shares and deviations, with the tolerance applied.

Tolerance T is relative: the validation fold of class c should hold e_c = n_c / K of it,
give or take T * e_c. Rare classes and coarse groups would fail any such test (3 boxes cannot
be spread over 5 folds; a video of 40 boxes moves all 40 at once), so the allowed deviation is
never tighter than one group's worth: max(T * e_c, the largest count of c in a single group).
The same rule applies to annotation counts, image counts per class, box-size buckets and fold
sizes.

A held-out test set is in no fold, so it is judged by no tolerance; each table shows it beside
the folds (``Table.held``): its count of the row and the deviation from its share, the share of
the images it holds (a test set of 20 % of the images should hold about 20 % of each class).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from foldcheck.core.assignment import FoldAssignment
from foldcheck.core.dataset import SIZE_BUCKETS
from foldcheck.core.distinct import distinct_counts
from foldcheck.core.floor import AT_FLOOR_SLACK, conflict_floor, deviation_floor, most_crowded
from foldcheck.core.overview import OVERVIEW_ROWS, Overview, fold_overview


@dataclass(frozen=True, eq=False)
class HeldColumn:
    """The held-out test set's column of a table: in no fold, judged by no tolerance."""

    counts: np.ndarray  # float64 [rows]
    share: float  # the test set's share of the images: what it should hold of each row

    def expected(self, fold_totals: np.ndarray) -> np.ndarray:
        """[rows]: the test set's share of each row's count over the folds and the test set."""
        expected: np.ndarray = (fold_totals + self.counts) * self.share
        return expected

    def deviation(self, fold_totals: np.ndarray) -> np.ndarray:
        """[rows]: the relative deviation from ``expected`` (0 where nothing is expected)."""
        expected = self.expected(fold_totals)
        deviation: np.ndarray = np.divide(
            self.counts - expected, expected, out=np.zeros_like(expected), where=expected > 0
        )
        return deviation


@dataclass(frozen=True, eq=False)
class Table:
    """One quantity counted per row (class, bucket or fold size) and fold, and in the
    held-out test set (``held``, None without one)."""

    title: str
    rows: tuple[str, ...]
    counts: np.ndarray  # float64 [rows, k]
    allowed: np.ndarray  # float64 [rows]: the absolute deviation tolerated
    largest: np.ndarray  # float64 [rows]: the most of a row in one group
    held: HeldColumn | None = None

    @property
    def totals(self) -> np.ndarray:
        totals: np.ndarray = self.counts.sum(axis=1)
        return totals

    @property
    def expected(self) -> np.ndarray:
        expected: np.ndarray = self.totals / self.counts.shape[1]
        return expected

    @property
    def deviation(self) -> np.ndarray:
        """Relative deviation from the expected count, [rows, k] (0 where nothing expected)."""
        expected = self.expected[:, None]
        deviation: np.ndarray = np.divide(
            self.counts - expected, expected, out=np.zeros_like(self.counts), where=expected > 0
        )
        return deviation

    @property
    def worst(self) -> np.ndarray:
        """[rows]: the largest relative deviation over the folds."""
        worst: np.ndarray = np.abs(self.deviation).max(axis=1, initial=0.0)
        return worst

    @property
    def floor(self) -> np.ndarray:
        """[rows]: the least worst deviation any group-respecting split can reach
        (``core.floor``)."""
        return deviation_floor(self.expected, self.largest)

    @property
    def at_floor(self) -> np.ndarray:
        """[rows]: rows as even as any group-respecting split could make them."""
        at: np.ndarray = self.worst <= self.floor + AT_FLOOR_SLACK
        return at

    def floor_summary(self) -> dict[str, Any]:
        """How many rows are at the floor, and the row furthest above it (by worst / floor)."""
        worst, floor = self.worst, self.floor
        gap = worst - floor
        # no row is furthest above the floor when every row is at it
        row = int(gap.argmax()) if not self.at_floor.all() else -1
        return {
            "rows": len(self.rows),
            "at_floor": int(self.at_floor.sum()),
            "furthest_row": self.rows[row] if row >= 0 else None,
            "furthest_deviation": round(float(worst[row]), 4) if row >= 0 else None,
            "furthest_floor": round(float(floor[row]), 4) if row >= 0 else None,
        }

    @property
    def out_of_tolerance(self) -> np.ndarray:
        beyond: np.ndarray = np.abs(self.counts - self.expected[:, None]) > self.allowed[:, None]
        return beyond

    def to_dict(self) -> dict[str, Any]:
        rows = self._rows_dict()
        if self.held is not None:
            expected, deviation = self.held.expected(self.totals), self.held.deviation(self.totals)
            for row, count, share, off in zip(
                rows, self.held.counts, expected, deviation, strict=True
            ):
                row["held_out"] = {
                    "count": int(count),
                    "expected": round(float(share), 3),
                    "deviation": round(float(off), 4),
                }
        return {"title": self.title, "rows": rows, "floor_summary": self.floor_summary()}

    def _rows_dict(self) -> list[dict[str, Any]]:
        return [
            {
                "name": name,
                "total": int(total),
                "expected": round(float(expected), 3),
                "allowed_deviation": round(float(allowed), 3),
                "counts": [int(c) for c in counts],
                "deviation": [round(float(d), 4) for d in deviation],
                "out_of_tolerance": [bool(o) for o in out],
                "worst_deviation": round(float(worst), 4),
                "floor": round(float(floor), 4),
                "at_floor": bool(at),
            }
            for name, total, expected, allowed, counts, deviation, out, worst, floor, at in zip(
                self.rows,
                self.totals,
                self.expected,
                self.allowed,
                self.counts,
                self.deviation,
                self.out_of_tolerance,
                self.worst,
                self.floor,
                self.at_floor,
                strict=True,
            )
        ]


@dataclass(frozen=True, eq=False)
class Balance:
    """The per-fold balance of a fold set (``foldcheck.report``): four :class:`Table` s, each
    with ``rows`` (names), ``counts`` (a rows x k array), ``expected`` and ``deviation``:
    ``annotations`` per class, ``images`` containing each class, ``box_sizes`` (COCO's size
    buckets) and ``fold_sizes``; ``k`` and the ``tolerance`` they are judged with. With a
    held-out test set each table's ``held`` is its column; ``overview`` holds the counts per
    fold and test set that column comes from (the HTML report's)."""

    k: int
    tolerance: float
    annotations: Table  # per class
    images: Table  # images containing each class
    box_sizes: Table  # annotations per COCO size bucket
    fold_sizes: Table  # images and annotations per fold
    # [classes]: what no split can bring both of a class's deviations under (core.floor's
    # conflict_floor, from its most crowded group); 0 where nothing is expected
    conflict_floor: np.ndarray
    overview: Overview

    @property
    def tables(self) -> tuple[Table, ...]:
        """The four tables, in the order a report shows them."""
        return (self.annotations, self.images, self.box_sizes, self.fold_sizes)

    def conflicts(self) -> list[Conflict]:
        """Classes whose boxes and image presence cannot both reach their own floors, most
        severe first: which kind gave way in this split, and by how much."""
        ann, img = self.annotations, self.images
        joint = self.conflict_floor
        rows = np.flatnonzero(joint > np.maximum(ann.floor, img.floor) + AT_FLOOR_SLACK)
        found = [
            Conflict(
                name=ann.rows[row],
                joint_floor=float(joint[row]),
                annotations=(float(ann.worst[row]), float(ann.floor[row])),
                images=(float(img.worst[row]), float(img.floor[row])),
            )
            for row in rows.tolist()
        ]
        return sorted(found, key=lambda conflict: -conflict.joint_floor)

    def to_dict(self) -> dict[str, Any]:
        """The balance as ``foldcheck report --format json`` writes it."""
        held = self.annotations.held
        return {
            "k": self.k,
            "tolerance": self.tolerance,
            **({"held_out_share": round(held.share, 4)} if held is not None else {}),
            "tables": [table.to_dict() for table in self.tables],
            "conflicts": [conflict.to_dict() for conflict in self.conflicts()],
        }


@dataclass(frozen=True)
class Conflict:
    """A class where one group packs many boxes into few images, so that no split keeping the
    groups whole has both its annotation and its image deviation under ``joint_floor``."""

    name: str
    joint_floor: float
    annotations: tuple[float, float]  # this split's worst deviation, and the kind's own floor
    images: tuple[float, float]

    @property
    def gave_way(self) -> str:
        """The kind this split let go further above its own floor."""
        ann_worst, ann_floor = self.annotations
        img_worst, img_floor = self.images
        return "annotations" if ann_worst - ann_floor >= img_worst - img_floor else "images"

    def to_dict(self) -> dict[str, Any]:
        return {
            "class": self.name,
            "joint_floor": round(self.joint_floor, 4),
            "gave_way": self.gave_way,
            **{
                kind: {"worst_deviation": round(worst, 4), "floor": round(floor, 4)}
                for kind, (worst, floor) in (
                    ("annotations", self.annotations),
                    ("images", self.images),
                )
            },
        }


def compute_balance(assignment: FoldAssignment, tolerance: float) -> Balance:
    """Balance of the images assigned to folds 0..k-1 (images with fold -1 are left out)."""
    dataset, groups, k = assignment.dataset, assignment.groups, assignment.k
    # A fold fits a byte when k < 127: each per-annotation copy is then 1 byte, not 8.
    fold_of_row = assignment.fold_of_row.astype(np.int8 if k < 127 else np.intp)
    names = dataset.category_names
    ann_fold = fold_of_row[dataset.ann_image]
    ann_group = groups.of_image[dataset.ann_image]
    pair_image, pair_class, per_pair = dataset.image_class_counts
    pair_fold = fold_of_row[pair_image]

    def table(
        title: str,
        rows: tuple[str, ...],
        row: np.ndarray | None,  # None: every entry is the one row's
        fold: np.ndarray,
        group: np.ndarray,
        largest: np.ndarray | None = None,  # known already: the most in one group, per row
    ) -> Table:
        inside = fold >= 0
        if not inside.all():  # copies only when some images are in no fold
            fold, group = fold[inside], group[inside]
            row = None if row is None else row[inside]
        cells = fold if row is None else row * k + fold
        counts = np.bincount(cells, minlength=len(rows) * k).reshape(len(rows), k)
        expected = counts.sum(axis=1) / k
        if largest is None:
            largest = _largest_group(row, group, len(rows), groups.count)
        allowed: np.ndarray = np.maximum(tolerance * expected, largest)
        return Table(title, rows, counts.astype(np.float64), allowed, largest.astype(np.float64))

    most_boxes = most_images = None
    inside = pair_fold >= 0
    if groups.count == dataset.n_images:  # one image per group: the pairs hold the answers
        held, boxes = (
            (pair_class, per_pair) if inside.all() else (pair_class[inside], per_pair[inside])
        )
        most_boxes = np.zeros(dataset.n_classes, np.int64)
        np.maximum.at(most_boxes, held, boxes)
        most_images = np.minimum(np.bincount(held, minlength=dataset.n_classes), 1)
    class_table = table(
        "annotations per class", names, dataset.ann_class, ann_fold, ann_group, most_boxes
    )
    image_table = table(
        "images per class",
        names,
        pair_class,
        pair_fold,
        groups.of_image[pair_image],
        most_images,
    )
    crowded_boxes, crowded_images = most_crowded(
        groups.of_image[pair_image[inside]],
        pair_class[inside],
        per_pair[inside],
        len(names),
        by_image=groups.count == dataset.n_images,
    )
    sized = dataset.ann_size >= 0
    every = bool(sized.all())
    images = table("fold size", ("images",), None, fold_of_row, groups.of_image)
    annotations = table("fold size", ("annotations",), None, ann_fold, ann_group)
    overview = fold_overview(assignment)
    balance = Balance(
        k,
        tolerance,
        class_table,
        image_table,
        table(
            "annotations per box size",
            tuple(name for name, _ in SIZE_BUCKETS),
            dataset.ann_size if every else dataset.ann_size[sized],
            ann_fold if every else ann_fold[sized],
            ann_group if every else ann_group[sized],
        ),
        Table(
            "fold size",
            ("images", "annotations"),
            np.concatenate([images.counts, annotations.counts]),
            np.concatenate([images.allowed, annotations.allowed]),
            np.concatenate([images.largest, annotations.largest]),
        ),
        conflict_floor(class_table.expected, image_table.expected, crowded_boxes, crowded_images),
        overview,
    )
    return balance if assignment.holdout is None else _with_held_column(balance)


def _with_held_column(balance: Balance) -> Balance:
    """Each table with the held-out test set's column, from the overview's last column."""
    import dataclasses

    overview = balance.overview
    held = overview.sizes[:, overview.k].astype(np.float64)
    row = {name: index for index, name in enumerate(OVERVIEW_ROWS)}
    images = overview.sizes[row["images"]]
    share = float(images[-1] / images.sum()) if images.sum() else 0.0
    columns = {
        "annotations": overview.held_boxes.astype(np.float64),
        "images": overview.held_images.astype(np.float64),
        "box_sizes": held[[row[f"{name} boxes"] for name in balance.box_sizes.rows]],
        "fold_sizes": held[[row["images"], row["boxes"]]],
    }
    return dataclasses.replace(
        balance,
        **{
            name: dataclasses.replace(getattr(balance, name), held=HeldColumn(counts, share))
            for name, counts in columns.items()
        },
    )


def _largest_group(
    row: np.ndarray | None, group: np.ndarray, n_rows: int, n_groups: int
) -> np.ndarray:
    """[rows]: the most entries of a row in one group (a deviation no split can avoid), counted
    in a table of cells when rows x groups is small, else by sorting (group, row) keys, which
    come nearly sorted (annotations follow their images)."""
    largest = np.zeros(n_rows, np.int64)
    if not len(group):
        return largest
    if row is None:
        largest[0] = np.bincount(group).max()
    elif n_rows * n_groups <= 4 * len(group) + (1 << 20):
        cells = np.bincount(group * n_rows + row, minlength=n_rows * n_groups)
        largest = cells.reshape(n_groups, n_rows).max(axis=0)
    else:
        cells, counts = distinct_counts(group.astype(np.int64) * n_rows + row)
        np.maximum.at(largest, cells % n_rows, counts)
    return largest
