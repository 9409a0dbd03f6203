"""Can any split reach the bar where foldcheck does not? An exact solver's answer.

    pip install ortools   # for this analysis only: foldcheck never imports it
    python bench/solver_bound.py DATA.json [--group-by video_id] [--k 5] [--seconds 600]
    python bench/solver_bound.py --test-video SEED ...   # tests/test_split_video.py's draw

It asks OR-tools' CP-SAT for folds of DATA whose every cell (a class's boxes or images in a
fold, a fold's size) is within the goal foldcheck's splitter aims for (``splitter.goals``: a
class's bar, as bench/scoring.py defines it, times 1.25, and check's allowance), starting from
foldcheck's own folds. Each goal is soft: the model minimises the total count by which cells
miss theirs. It prints that total, the cells that miss, and scoring.py's over-target ratio of
each kind, for foldcheck's folds and for the best CP-SAT found in the time given. An optimum
of 0 means the bar is reachable on this dataset; a proven optimum above 0, that no split
keeping the groups whole reaches it. CP-SAT holds one variable per group and fold: meant for
datasets of a few thousand groups, the ones the splitter's exhaustive search handles.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

import procs  # noqa: F401  (puts this checkout first on sys.path)
import scoring
from columns import Columns


class Problem(NamedTuple):
    counts: np.ndarray  # int64 [groups, columns]: each group's count of each column
    low: np.ndarray  # int64 [columns]: the least count a fold may hold and meet the goal
    high: np.ndarray  # int64 [columns]: the most
    goal_columns: np.ndarray  # intp: the columns that have a goal
    fold_of_group: np.ndarray  # intp [groups]: foldcheck's split
    image_group: np.ndarray  # intp [images]: group of each image, foldcheck's numbering


def foldcheck_problem(path: Path, group_by: str, k: int, seed: int) -> Problem:
    """The splitter's own view of the dataset: its group profiles, goals and folds."""
    import foldcheck
    from foldcheck.core.groups import GroupKey, group_images
    from foldcheck.splitter.descent import dense_profiles
    from foldcheck.splitter.goals import goals
    from foldcheck.splitter.greedy import assign_folds
    from foldcheck.splitter.profiles import build_profiles

    dataset = foldcheck.load_dataset(path)
    groups = group_images(dataset, GroupKey.parse(group_by))
    profiles = build_profiles(dataset, groups, k, "both")
    dense = dense_profiles(profiles)
    counts = np.rint(dense).astype(np.int64)
    if not np.array_equal(counts, dense):
        raise SystemExit(f"{path}: a profile column is not a count; this model needs counts")
    above, below = goals(profiles, k, scoring.CHECK_TOLERANCE)
    with np.errstate(invalid="ignore"):  # infinite goals: no bound, dropped below
        low = np.ceil(profiles.targets - below - 1e-9)
        high = np.floor(profiles.targets + above + 1e-9)
    goal_columns = np.flatnonzero(np.isfinite(above) | np.isfinite(below))
    fold_of_group = assign_folds(profiles, k, seed, tolerance=scoring.CHECK_TOLERANCE)
    return Problem(
        counts,
        np.nan_to_num(low, nan=0, neginf=0).astype(np.int64),
        np.nan_to_num(high, nan=0, posinf=counts.sum()).astype(np.int64),
        goal_columns,
        fold_of_group,
        groups.of_image,
    )


def misses(problem: Problem, fold_of_group: np.ndarray, k: int) -> list[tuple[int, int, int]]:
    """(column, fold, count outside the goal) of every cell outside its goal."""
    loads = np.stack([problem.counts[fold_of_group == f].sum(axis=0) for f in range(k)])
    found = []
    for column in problem.goal_columns.tolist():
        for fold in range(k):
            load = int(loads[fold, column])
            excess = max(problem.low[column] - load, load - problem.high[column], 0)
            if excess:
                found.append((column, fold, int(excess)))
    return found


def solve(problem: Problem, k: int, seconds: float, workers: int) -> tuple[str, np.ndarray, int]:
    """CP-SAT's status, best folds and their total miss, warm-started from foldcheck's."""
    from ortools.sat.python import cp_model

    n_groups = len(problem.counts)
    model = cp_model.CpModel()
    placed = [[model.new_bool_var(f"g{g}f{f}") for f in range(k)] for g in range(n_groups)]
    for g in range(n_groups):
        model.add_exactly_one(placed[g])
        for f in range(k):
            model.add_hint(placed[g][f], int(problem.fold_of_group[g]) == f)
    # The folds are interchangeable: the first group's fold is foldcheck's, which keeps the
    # hint a solution of the model.
    model.add(placed[0][int(problem.fold_of_group[0])] == 1)
    slack = []
    for column in problem.goal_columns.tolist():
        holders = np.flatnonzero(problem.counts[:, column])
        total = int(problem.counts[:, column].sum())
        for f in range(k):
            load = sum(int(problem.counts[g, column]) * placed[g][f] for g in holders.tolist())
            over, under = model.new_int_var(0, total, ""), model.new_int_var(0, total, "")
            model.add_linear_constraint(
                load - over + under, int(problem.low[column]), int(problem.high[column])
            )
            slack += [over, under]
    model.minimize(sum(slack))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solver.status_name(status), problem.fold_of_group, -1
    chosen = np.array([[solver.value(v) for v in row] for row in placed]).argmax(axis=1)
    return solver.status_name(status), chosen, int(solver.objective_value)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, nargs="?")
    parser.add_argument("--test-video", type=int, help="draw tests' video_frames with this seed")
    parser.add_argument("--group-by", default="video_id")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="foldcheck's seed")
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--save", type=Path, help="write both folds of every group (.npz)")
    args = parser.parse_args(argv)
    if args.test_video is not None:
        from tests.test_split_video import video_frames

        folder = Path(tempfile.mkdtemp(prefix="solver-bound-"))
        args.data = video_frames(folder / "dataset.json", 2000, args.test_video)
    elif args.data is None:
        parser.error("give DATA or --test-video SEED")
    problem = foldcheck_problem(args.data, args.group_by, args.k, args.seed)
    columns = Columns.from_file(args.data, args.group_by)
    started = time.perf_counter()
    status, best, total = solve(problem, args.k, args.seconds, args.workers)
    elapsed = time.perf_counter() - started
    if args.save is not None:
        np.savez(args.save, foldcheck=problem.fold_of_group, cpsat=best)
    for name, folds in (("foldcheck", problem.fold_of_group), (f"CP-SAT ({status})", best)):
        scores = scoring.score(columns, folds[problem.image_group], args.k)
        missed = misses(problem, folds, args.k)
        print(
            f"{name}: {len(missed)} cells miss their goal by {sum(m[2] for m in missed)} in all; "
            f"over target: ann {scores.ann_over_target:.2f}x, img {scores.img_over_target:.2f}x"
        )
        for column, fold, excess in missed:
            print(
                f"  column {column} fold {fold}: {excess} outside [{problem.low[column]}, "
                f"{problem.high[column]}]"
            )
    print(f"CP-SAT: {elapsed:.0f} s, {args.workers} workers, objective {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
