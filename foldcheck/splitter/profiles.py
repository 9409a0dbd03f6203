"""Group profiles: each group as a sparse vector over the columns the split balances.

Columns, for C classes: the annotation count of each class, the number of the group's images
containing each class, the group's image count, annotation count, images without annotations
(so those are spread evenly too) and annotations per COCO box-size bucket. Targets are an
equal share per fold; weights make deviations relative.

Built in a few whole-column passes: one sort of (group, class) keys (a second for groupings
coarser than the image), bincounts for the narrow columns, and the rows assembled by scattering
each block into place, so the cost is a sort of the annotations and no work per group.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

from foldcheck.core.dataset import SIZE_BUCKETS, Dataset
from foldcheck.core.distinct import distinct_counts
from foldcheck.core.groups import Groups

# Weight of annotation-count and image-presence columns for each mode; "favours" means the
# other kind still breaks ties rather than being ignored.
_MODE_WEIGHTS = {"both": (1.0, 1.0), "annotations": (1.0, 0.05), "images": (0.05, 1.0)}


@dataclass(frozen=True, eq=False)
class Profiles:
    """Group x column matrix in compressed sparse rows."""

    indptr: np.ndarray  # intp [groups + 1]
    columns: np.ndarray  # intp [nnz]
    values: np.ndarray  # float64 [nnz]
    weights: np.ndarray  # float64 [columns]
    targets: np.ndarray  # float64 [columns]: total / K
    largest: np.ndarray  # float64 [columns]: the largest single group's value

    @property
    def n_groups(self) -> int:
        return len(self.indptr) - 1

    @property
    def n_classes(self) -> int:
        return (len(self.targets) - 3 - len(SIZE_BUCKETS)) // 2

    @property
    def unannotated_column(self) -> int:
        """The images without annotations: the narrow column no ``check`` rule judges."""
        return 2 * self.n_classes + 2

    def column_kinds(self) -> np.ndarray:
        """[columns]: 0 for the class annotation counts, 1 for the class image presences, 2
        for the narrow columns (sizes, box-size buckets), whose balance is judged apart."""
        n_classes = self.n_classes
        return np.repeat([0, 1, 2], [n_classes, n_classes, len(self.targets) - 2 * n_classes])

    def row_of_entries(self) -> np.ndarray:
        """[entries]: each entry's group (read-only)."""
        return self._row_of_entries

    @cached_property
    def _row_of_entries(self) -> np.ndarray:
        # Made once: the placement, the searches and the goals each ask for it, and at Open
        # Images size every repeat writes 150 MB of fresh pages.
        rows = np.repeat(np.arange(self.n_groups), np.diff(self.indptr))
        rows.flags.writeable = False
        return rows

    @cached_property
    def holder_counts(self) -> np.ndarray:
        """[columns]: how many groups have an entry in each column (made once: the goals, the
        holders and the exact split each ask)."""
        counts: np.ndarray = np.bincount(self.columns, minlength=len(self.targets))
        counts.flags.writeable = False
        return counts

    @cached_property
    def column_holders(self) -> tuple[np.ndarray, np.ndarray]:
        """(groups, bounds): the groups with an entry in column c, rising, are
        ``groups[bounds[c]:bounds[c + 1]]``. Made once for the searches that sample them."""
        n_columns = len(self.targets)
        # Grouped by column by a stable sort: a radix sort when the columns fit 16 bits.
        keys = self.columns.astype(np.int16) if n_columns < 2**15 else self.columns
        groups = self.row_of_entries()[np.argsort(keys, kind="stable")]
        bounds = np.zeros(n_columns + 1, dtype=np.intp)
        np.cumsum(self.holder_counts, out=bounds[1:])
        return groups, bounds

    def row_sums(self, per_entry: np.ndarray) -> np.ndarray:
        """Sum of a per-entry quantity over each group's entries."""
        return np.bincount(self.row_of_entries(), weights=per_entry, minlength=self.n_groups)

    def entries(self, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(position of the group in ``groups``, column, value) of the groups' entries."""
        starts = self.indptr[groups]
        lengths = self.indptr[groups + 1] - starts  # O(len(groups)), not O(all groups)
        rows = np.repeat(np.arange(len(groups)), lengths)
        ends = np.cumsum(lengths)
        index = np.arange(ends[-1] if len(ends) else 0) + np.repeat(
            starts - ends + lengths, lengths
        )
        return rows, self.columns[index], self.values[index]

    def compact(self, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The distinct columns among ``columns`` (sorted) and each one's index among them:
        ``np.unique(columns, return_inverse=True)`` without the sort."""
        present = np.bincount(columns, minlength=len(self.targets)) > 0
        used = np.flatnonzero(present)
        position = np.cumsum(present) - 1
        return used, position[columns]

    def dense_pair(
        self, givers: np.ndarray, takers: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(used, give, take): the columns either set of groups has, and each set's profiles
        as dense rows over just those columns (the exchange searches' small matrices)."""
        rows, columns, values = self.entries(np.concatenate([givers, takers]))
        used, local = self.compact(columns)
        both = np.zeros((len(givers) + len(takers), len(used)))
        both[rows, local] = values
        return used, both[: len(givers)], both[len(givers) :]

    def loads(self, fold_of_group: np.ndarray, k: int) -> np.ndarray:
        """[k, columns]: the sum of each fold's profiles."""
        n_columns = len(self.targets)
        # Each entry's cell, fold * columns + column, in one repeat and one in-place add.
        cell = np.repeat(fold_of_group * n_columns, np.diff(self.indptr))
        cell += self.columns
        return np.bincount(cell, weights=self.values, minlength=k * n_columns).reshape(k, -1)

    def shift(self, load: np.ndarray, group: int, source: int, target: int) -> None:
        """Move one group's profile from fold ``source`` to fold ``target`` of ``load``."""
        start, stop = self.indptr[group], self.indptr[group + 1]
        load[source, self.columns[start:stop]] -= self.values[start:stop]
        load[target, self.columns[start:stop]] += self.values[start:stop]

    def cost(self, load: np.ndarray) -> float:
        """J of fold loads: the weighted squared deviations from an equal share."""
        return float(((load - self.targets) ** 2 @ self.weights).sum())

    def objective(self, fold_of_group: np.ndarray, k: int) -> float:
        return self.cost(self.loads(fold_of_group, k))


class _Block(NamedTuple):
    """Entries of one column block, sorted by group."""

    group: np.ndarray
    column: np.ndarray
    value: np.ndarray
    per_group: np.ndarray  # [groups]: entries of each group in this block


def _block(group: np.ndarray, column: np.ndarray, value: np.ndarray, n_groups: int) -> _Block:
    return _Block(group, column, value, np.bincount(group, minlength=n_groups))


def _cells(group: np.ndarray, column: np.ndarray, width: int, n_groups: int) -> _Block:
    """The distinct (group, column) cells of the items and how many items each holds."""
    keys = np.multiply(group, width, dtype=np.int64)
    keys += column
    cells, counts = distinct_counts(keys, reuse=True)
    cell_group, cell_column = np.divmod(cells, width)
    return _block(cell_group, cell_column, counts.astype(np.float64), n_groups)


def build_profiles(dataset: Dataset, groups: Groups, k: int, stratify: str) -> Profiles:
    n_classes, n_groups = dataset.n_classes, groups.count
    ann_weight, image_weight = _MODE_WEIGHTS[stratify]
    if groups.key.is_image:
        # One image per group, numbered as the images: the cells are the dataset's image-class
        # pairs, whose sort the balance table and the notes reuse, and an image holds a class
        # exactly when it has an annotation of it.
        ann_group = dataset.ann_image
        pair_image, pair_class, per_pair = dataset.image_class_counts
        per_class = _block(pair_image, pair_class, per_pair.astype(np.float64), n_groups)
        presence = per_class._replace(value=np.ones(len(per_class.value)))
    else:
        ann_group = groups.of_image[dataset.ann_image]
        per_class = _cells(ann_group, dataset.ann_class, n_classes, n_groups)
        pair_image, pair_class = dataset.image_class_pairs
        presence = _cells(groups.of_image[pair_image], pair_class, n_classes, n_groups)
    # The narrow columns as a dense [groups, 3 + buckets] table: images, annotations, images
    # without annotations, annotations per box-size bucket; zeros are dropped.
    n_buckets = len(SIZE_BUCKETS)
    ann_per_image = np.bincount(dataset.ann_image, minlength=dataset.n_images)
    unannotated = ann_per_image == 0
    sized = dataset.ann_size >= 0
    dense = np.empty((n_groups, 3 + n_buckets))
    dense[:, 0] = np.bincount(groups.of_image, minlength=n_groups)
    dense[:, 1] = (
        ann_per_image if groups.key.is_image else np.bincount(ann_group, minlength=n_groups)
    )
    dense[:, 2] = np.bincount(groups.of_image[unannotated], minlength=n_groups)
    # One (group, bucket) key per sized annotation, made in place: at Open Images size each
    # temporary column is 126 MB of fresh pages.
    cell = np.multiply(ann_group, n_buckets, dtype=np.int64)
    cell += dataset.ann_size
    if not sized.all():
        cell = cell[sized]
    dense[:, 3:] = np.bincount(cell, minlength=n_groups * n_buckets).reshape(n_groups, n_buckets)
    del cell
    # np.nonzero's cells, row by row, as flat positions: one 1-D take instead of a 2-D one.
    flat = np.flatnonzero(dense)
    dense_group, dense_column = np.divmod(flat, dense.shape[1])
    narrow = _block(dense_group, dense_column + 2 * n_classes, dense.ravel()[flat], n_groups)

    # Each group's row holds its class block, then its presence block, then its narrow columns.
    blocks = [(per_class, 0), (presence, n_classes), (narrow, 0)]
    indptr = np.zeros(n_groups + 1, dtype=np.intp)
    np.cumsum(sum(block.per_group for block, _ in blocks), out=indptr[1:])
    columns = np.empty(indptr[-1], dtype=np.intp)
    values = np.empty(indptr[-1])
    next_free = indptr[:-1].copy()
    for block, offset in blocks:
        # A block's entries are sorted by group, so each group's are one run of it: entry i
        # goes to its group's next free place plus its rank in the run, by a repeat of the
        # per-group start rather than gathers by group.
        run_start = np.cumsum(block.per_group) - block.per_group
        place = np.repeat(next_free - run_start, block.per_group)
        place += np.arange(len(block.group))
        columns[place] = block.column + offset
        values[place] = block.value
        next_free += block.per_group

    n_columns = 2 * n_classes + 3 + n_buckets
    targets = np.bincount(columns, weights=values, minlength=n_columns) / k
    largest = np.zeros(n_columns)
    np.maximum.at(largest, columns, values)
    mode = np.concatenate(
        [np.full(n_classes, ann_weight), np.full(n_classes, image_weight), np.ones(3 + n_buckets)]
    )
    # Deviations are relative to what a group-respecting split can reach: a column whose
    # largest group alone exceeds an equal share cannot do better than that group, and must
    # not drown the columns that can be balanced.
    weights = mode / np.maximum.reduce([targets, largest, np.ones(n_columns)]) ** 2
    return Profiles(indptr, columns, values, weights, targets, largest)
