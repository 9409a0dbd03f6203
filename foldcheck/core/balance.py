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
from foldcheck.core.floor import (
    AT_FLOOR_SLACK,
    ClassCells,
    class_cells,
    conflict_floor,
    deviation_floor,
)
from foldcheck.core.overview import OVERVIEW_ROWS, Overview, column_counts


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
    # conflict_floor, from its crowded groups); 0 where nothing is expected
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
    names = dataset.category_names
    # Every count per fold (and the held-out set's) in one pass each: core.overview.
    counts = column_counts(assignment)
    by_image = groups.count == dataset.n_images  # each image its own group
    pair_image, pair_class, per_pair = dataset.image_class_counts
    # The most of a row one group puts in a fold, from the entries in the folds only. One
    # image per group: any numbering of the groups gives the same most, so the image rows
    # stand for the groups (no copy of the group of each entry).
    pair_group = pair_image if by_image else groups.of_image[pair_image]
    in_folds = assignment.fold_of_row >= 0
    image_in = pair_in = None  # every image is in a fold: nothing to leave out
    if not in_folds.all():
        image_in, pair_in = in_folds, in_folds[pair_image]

    def kept(values: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        return values if mask is None else values[mask]

    if by_image:  # the pairs hold the answers: a class's most boxes in one image, and 1
        held, boxes = kept(pair_class, pair_in), kept(per_pair, pair_in)
        most_boxes = np.zeros(dataset.n_classes, np.int64)
        np.maximum.at(most_boxes, held, boxes)
        most_images = np.minimum(np.bincount(held, minlength=dataset.n_classes), 1)
        cells = ClassCells(held, boxes, np.ones(len(held), np.int64))
    else:
        ann_in = None if image_in is None else image_in[dataset.ann_image]
        most_boxes = _largest_group(
            kept(dataset.ann_class, ann_in),
            kept(groups.of_image[dataset.ann_image], ann_in),
            len(names),
            groups.count,
        )
        most_images = _largest_group(
            kept(pair_class, pair_in), kept(pair_group, pair_in), len(names), groups.count
        )
        cells = class_cells(
            kept(pair_group, pair_in),
            kept(pair_class, pair_in),
            kept(per_pair, pair_in),
            len(names),
            by_image=False,
        )
    # Sizes and fold sizes from counts per image and per pair, not from every annotation.
    sizes_in = kept(dataset.image_size_counts, image_in)
    if by_image:  # a group is one image: its most is the most of one image, no count needed
        most_sized = sizes_in.max(axis=0, initial=0)
        fold_images_most = int(len(sizes_in) > 0)
    else:
        group_in = kept(groups.of_image, image_in)
        most_sized = np.array(
            [_most_in_a_group(group_in, sizes_in[:, b]) for b in range(len(SIZE_BUCKETS))]
        )
        fold_images_most = _most_in_a_group(group_in)
    most_in_fold = np.array(
        [fold_images_most, _most_in_a_group(kept(pair_group, pair_in), kept(per_pair, pair_in))]
    )

    def table(
        title: str, rows: tuple[str, ...], per_fold: np.ndarray, largest: np.ndarray
    ) -> Table:
        expected = per_fold.sum(axis=1) / k
        allowed: np.ndarray = np.maximum(tolerance * expected, largest)
        return Table(title, rows, per_fold.astype(np.float64), allowed, largest.astype(np.float64))

    class_table = table("annotations per class", names, counts.class_boxes[:, :k], most_boxes)
    image_table = table("images per class", names, counts.class_images[:, :k], most_images)
    balance = Balance(
        k,
        tolerance,
        class_table,
        image_table,
        table(
            "annotations per box size",
            tuple(name for name, _ in SIZE_BUCKETS),
            counts.size_boxes[:, :k],
            most_sized,
        ),
        table(
            "fold size",
            ("images", "annotations"),
            np.stack([counts.images[:k], counts.boxes[:k]]),
            most_in_fold,
        ),
        conflict_floor(
            class_table.expected,
            image_table.expected,
            cells,
            (class_table.allowed, image_table.allowed),
        ),
        counts.overview(),
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


def _most_in_a_group(group: np.ndarray, weights: np.ndarray | None = None) -> int:
    """The most entries (or the most of their ``weights``) any one group holds; 0 for none."""
    return int(np.bincount(group, weights).max(initial=0))


def _largest_group(row: np.ndarray, group: np.ndarray, n_rows: int, n_groups: int) -> np.ndarray:
    """[rows]: the most entries of a row in one group (a deviation no split can avoid), counted
    in a table of cells when rows x groups is small, else by sorting (group, row) keys, which
    come nearly sorted (annotations follow their images)."""
    largest = np.zeros(n_rows, np.int64)
    if not len(group):
        return largest
    if n_rows * n_groups <= 4 * len(group) + (1 << 20):
        keys = np.multiply(group, n_rows, dtype=np.intp)  # made in place: no second column
        keys += row
        cells = np.bincount(keys, minlength=n_rows * n_groups)
        largest = cells.reshape(n_groups, n_rows).max(axis=0)
    else:
        cells, counts = distinct_counts(group.astype(np.int64) * n_rows + row)
        np.maximum.at(largest, cells % n_rows, counts)
    return largest
