"""The HTML report of an Open Images-shaped set (600 long-tailed classes) against the split
that made it: time beyond reading the dataset, and the page's size.

    python bench/html_report_bench.py [SCALE] [--seeds 0,1,2] [--profile] [--data DIR]

For each seed: the synthetic set (``openimages:SCALE``, that seed), split by the CLI into a
folder as a user would, then, in this process, each side timed beyond its read of the
dataset, back to back:
- split: ``api.split`` on the loaded dataset (K = 5, the seed);
- report: what ``report FOLDS --html`` does after its one read: resolving the folds against
  the dataset, every check rule (the page shows check's findings), the balance and fold
  tables and the page (``commands.report_html.report_page``, given the dataset read).
Both run with the garbage collector paused, as the CLI runs them, after a warm-up on the
bundled sample (imports are not timed on either side), and each is timed in wall and in CPU
time (this process's user and system time: what other processes on a loaded machine move
less than the wall). The ratio of the seed is
report / split; the worst seed is the one to quote. The whole commands' wall times (their
read included) are printed too, with the report's peak RSS (its own process); and, run right
after the split command, the same command with ``--html`` (the page made from the split's
own dataset and folds), run by this script (``--child``) with the page's own time taken
inside it: that time over the plain split command's is the ratio quoted for ``split --html``
(the two commands' difference is printed too, but on a loaded machine the noise of a 20 s
command is larger than the page). ``--profile``
prints the report's top functions. ``--data DIR`` keeps each seed's set in DIR
(``openimages-SCALE-SEED.json``, 1.84 GB at full size) and uses it again when there, in place
of one made in a scratch folder and deleted.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth_text
from foldcheck import api
from foldcheck.cli import build_parser
from foldcheck.commands.report_html import report_page
from foldcheck.formats.datasets import read_dataset
from foldcheck.io.gcpause import gc_paused


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        return page_in_split(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scale", nargs="?", default="0.01")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--data", type=Path, help="keep the generated sets here, and reuse them")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:  # imports and first-call costs, both sides
        warm_up(Path(scratch))
    ratios = []
    for seed in [int(s) for s in options.seeds.split(",")]:
        with tempfile.TemporaryDirectory() as scratch:
            ratios.append(
                one_seed(options.scale, seed, Path(scratch), options.profile, options.data)
            )
    worst = max(ratios)
    print(f"worst of seeds: report {worst:.1%} of split")
    return 0


def one_seed(scale: str, seed: int, scratch: Path, profile: bool, kept: Path | None) -> float:
    data = (kept or scratch) / f"openimages-{scale}-{seed}.json"
    if not data.is_file():
        synth_text.write(f"openimages:{scale}", data, seed=seed)
    folds = scratch / "folds"
    split_wall, split_cpu, _ = _run(
        "split", str(data), "--out", str(folds), "--seed", str(seed), "-q"
    )
    page_folds, split_page = scratch / "folds-page", scratch / "split.html"
    html_wall, html_cpu, _ = _run(
        "split", str(data), "--out", str(page_folds), "--seed", str(seed), "-q",
        "--html", str(split_page), child=True,
    )  # fmt: skip
    page_wall, page_cpu = json.loads(split_page.with_suffix(".json").read_text())
    page_file = scratch / "report.html"
    report_wall, report_rss = _wall("report", str(folds), "--html", str(page_file), "-q")

    dataset = api.load_dataset(data)
    images, boxes, classes = dataset.n_images, dataset.n_annotations, dataset.n_classes
    with gc_paused():
        start, start_cpu = time.perf_counter(), time.process_time()
        api.split(dataset, k=5, seed=seed)
        split_s, split_step_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    del dataset
    args = build_parser().parse_args(["report", str(folds), "--html", str(page_file), "-q"])
    read = {data.resolve(): read_dataset(data)}
    profiler = cProfile.Profile() if profile else None
    with gc_paused():
        start, start_cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        page = report_page(args, folds / "folds.json", read)
        if profiler:
            profiler.disable()
        report_s, report_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    size = len(page.encode("utf-8"))
    print(
        f"openimages:{scale} seed {seed}: {images} images, {boxes} boxes, {classes} classes, "
        f"K = 5; split {split_s:.3f} s, report {report_s:.3f} s ({report_s / split_s:.1%} of "
        f"split; CPU {split_step_cpu:.3f} and {report_cpu:.3f} s, "
        f"{report_cpu / split_step_cpu:.1%}); page {size / 1e6:.2f} MB; whole commands: "
        f"split {split_wall:.2f} s, "
        f"report {report_wall:.2f} s (peak RSS {report_rss / 1e6:.0f} MB); split command "
        f"{split_wall:.2f} s wall, {split_cpu:.2f} s CPU; with --html {html_wall:.2f} s wall, "
        f"{html_cpu:.2f} s CPU: the page +{html_wall - split_wall:.2f} s wall "
        f"({(html_wall - split_wall) / split_wall:.1%}), +{html_cpu - split_cpu:.2f} s CPU "
        f"({(html_cpu - split_cpu) / split_cpu:.1%}); the page's own time in it {page_wall:.2f} s "
        f"wall ({page_wall / split_wall:.1%} of the plain split command), {page_cpu:.2f} s CPU "
        f"({page_cpu / split_cpu:.1%})",
        flush=True,
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return report_s / split_s


def warm_up(scratch: Path) -> None:
    sample = Path(api.__file__).parent / "data" / "sample.json"
    api.split(api.load_dataset(sample), k=5, seed=0)
    subprocess.run(
        [sys.executable, "-m", "foldcheck", "split", str(sample), "--out", str(scratch), "-q"],
        check=True,
    )
    args = build_parser().parse_args(["report", str(scratch), "--html", "unused.html", "-q"])
    report_page(args, scratch / "folds.json")


def _wall(*argv: str) -> tuple[float, int]:
    """The command's wall time, and its peak RSS in bytes (Linux: ru_maxrss in KiB)."""
    wall, _, rss = _run(*argv)
    return wall, rss


def page_in_split(argv: list[str]) -> int:
    """The split command ``argv`` (with ``--html FILE``) in this process, as the command line
    runs it, with the page's own wall and CPU time written beside the page (FILE.json):
    ``split_page.write_page`` wrapped with a timer, the command itself unchanged."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as cli.entry sets them
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    from foldcheck import cli
    from foldcheck.commands import split_page

    write_page, spent = split_page.write_page, []

    def timed(*args: Any) -> Path:
        start, start_cpu = time.perf_counter(), time.process_time()
        written = write_page(*args)
        spent[:] = [time.perf_counter() - start, time.process_time() - start_cpu]
        return written

    split_page.write_page = timed
    code = cli.main(argv)
    page = Path(argv[argv.index("--html") + 1])
    page.with_suffix(".json").write_text(json.dumps(spent))
    return code


def _run(*argv: str, child: bool = False) -> tuple[float, float, int]:
    """The command's wall time, its CPU time (user and system: what a loaded machine's
    other processes move less than the wall) and its peak RSS in bytes; ``child``: run by
    this script's ``page_in_split``."""
    start = time.perf_counter()
    command = [__file__, "--child"] if child else ["-m", "foldcheck"]
    process = subprocess.Popen([sys.executable, *command, *argv])
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, argv)
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - start, cpu, usage.ru_maxrss * 1024


if __name__ == "__main__":
    raise SystemExit(main())
