"""Run one benchmark task in this fresh interpreter and record its time and memory.

    python bench/_worker.py TASK DATA.json --out DIR [--k 5] [--seed 0] [--group-by image]

Writes DIR/TASK.json (the measurements) and, for the splitting tasks, DIR/TASK.npy: the fold of
every image in file order, -1 for an image the method placed in no fold. The ``columns`` task
writes DIR/columns.npz, the arrays the parent scores against. Only the standard library is
imported before the clock starts; each task times its own imports, load and split.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from columns import Columns

MB = 1024 * 1024


class Job(NamedTuple):
    data: Path
    out: Path
    k: int
    seed: int
    group_by: str


class Stopwatch:
    """Seconds per named phase, each measured from the end of the previous one."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = now - self._last
        self._last = now


class Memory(NamedTuple):
    rss_mb: float  # resident now
    peak_mb: float  # high-water mark so far


class Outcome(NamedTuple):
    fold_of_image: Any  # np.ndarray of int, or None for the parse-only tasks
    after_parse: Memory  # right after the JSON parse


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_now() -> Memory:
    with open("/proc/self/statm") as file:
        rss = int(file.read().split()[1]) * resource.getpagesize() / MB
    return Memory(rss, peak_rss_mb())


def json_load(path: Path) -> Any:
    """As a user would: the standard library, garbage collector on."""
    with path.open(encoding="utf-8") as file:
        return json.load(file)


def task_json(job: Job, watch: Stopwatch) -> Outcome:
    watch.lap("import")
    document = json_load(job.data)
    watch.lap("load")
    memory = memory_now()
    del document
    return Outcome(None, memory)


def task_orjson(job: Job, watch: Stopwatch) -> Outcome:
    import orjson

    watch.lap("import")
    document = orjson.loads(job.data.read_bytes())
    watch.lap("load")
    memory = memory_now()
    del document
    return Outcome(None, memory)


def task_columns(job: Job, watch: Stopwatch) -> Outcome:
    from columns import Columns

    watch.lap("import")
    columns = Columns.from_file(job.data, job.group_by)
    watch.lap("load")
    memory = memory_now()
    columns.save(job.out / "columns.npz")
    watch.lap("prep")
    return Outcome(None, memory)


def task_foldcheck(job: Job, watch: Stopwatch) -> Outcome:
    import numpy as np

    import foldcheck

    split = foldcheck.split  # imports foldcheck.api now, inside the import phase
    watch.lap("import")
    dataset = foldcheck.load_dataset(job.data)
    watch.lap("load")
    # The parse baseline excludes foldcheck's own numpy columns: those count as its overhead.
    columns_mb = (
        sum(value.nbytes for value in vars(dataset).values() if isinstance(value, np.ndarray)) / MB
    )
    memory = memory_now()
    memory = memory._replace(rss_mb=memory.rss_mb - columns_mb)
    result = split(dataset, k=job.k, group_by=job.group_by, stratify="both", seed=job.seed)
    fold_of_image = np.asarray(result.fold_of_image)
    watch.lap("split")
    return Outcome(fold_of_image, memory)


def _baseline_columns(job: Job, watch: Stopwatch) -> tuple[Columns, Memory]:
    """What a baseline user does first: json.load the file, then pull out its columns."""
    from columns import Columns

    watch.lap("import")
    document = json_load(job.data)
    watch.lap("load")
    memory = memory_now()
    return Columns.from_document(document, job.group_by), memory


def task_sgkf(job: Job, watch: Stopwatch) -> Outcome:
    """scikit-learn's StratifiedGroupKFold over annotations, as the community uses it."""
    import numpy as np
    from sklearn.model_selection import StratifiedGroupKFold

    columns, memory = _baseline_columns(job, watch)
    samples = np.zeros((columns.n_annotations, 1))
    groups = columns.image_group[columns.ann_image]
    watch.lap("prep")
    splitter = StratifiedGroupKFold(n_splits=job.k, shuffle=True, random_state=job.seed)
    ann_fold = np.full(columns.n_annotations, -1, dtype=np.intp)
    for fold, (_, test) in enumerate(splitter.split(samples, columns.ann_class, groups)):
        ann_fold[test] = fold
    # An image's fold is its annotations' fold; an image without annotations gets none.
    fold_of_image = np.full(columns.n_images, -1, dtype=np.intp)
    fold_of_image[columns.ann_image] = ann_fold
    watch.lap("split")
    return Outcome(fold_of_image, memory)


def task_iterstrat(job: Job, watch: Stopwatch) -> Outcome:
    """iterative-stratification over images with class presence as labels; it knows no groups."""
    import numpy as np
    from iterstrat.ml_stratifiers import MultilabelStratifiedKFold

    columns, memory = _baseline_columns(job, watch)
    presence = np.zeros((columns.n_images, columns.n_classes), dtype=bool)
    presence[columns.ann_image, columns.ann_class] = True
    samples = np.zeros((columns.n_images, 1))
    watch.lap("prep")
    splitter = MultilabelStratifiedKFold(n_splits=job.k, shuffle=True, random_state=job.seed)
    fold_of_image = np.full(columns.n_images, -1, dtype=np.intp)
    for fold, (_, test) in enumerate(splitter.split(samples, presence)):
        fold_of_image[test] = fold
    watch.lap("split")
    return Outcome(fold_of_image, memory)


TASKS: dict[str, Callable[[Job, Stopwatch], Outcome]] = {
    "json": task_json,
    "orjson": task_orjson,
    "columns": task_columns,
    "foldcheck": task_foldcheck,
    "sgkf": task_sgkf,
    "iterstrat": task_iterstrat,
}


def main(argv: Sequence[str] | None = None) -> int:
    rss_at_start = peak_rss_mb()  # inherited from the parent on Linux: a sanity check
    watch = Stopwatch()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("data", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--group-by", default="image")
    args = parser.parse_args(argv)
    job = Job(args.data, args.out, args.k, args.seed, args.group_by)
    watch.lap("start")
    outcome = TASKS[args.task](job, watch)
    record = {
        "task": args.task,
        "seconds": watch.phases,
        "rss_at_start_mb": rss_at_start,
        "rss_after_parse_mb": outcome.after_parse.rss_mb,
        "peak_after_parse_mb": outcome.after_parse.peak_mb,
        "peak_rss_mb": peak_rss_mb(),
    }
    if outcome.fold_of_image is not None:
        import numpy as np

        np.save(job.out / f"{args.task}.npy", outcome.fold_of_image.astype(np.int64))
    (job.out / f"{args.task}.json").write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
