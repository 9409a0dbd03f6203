"""Which JSON parser should read COCO files? The same job done by each, side by side.

    python bench/parsers.py FILE.json [FILE.json ...] [--tasks json,orjson,...] [--out DIR]

The job is what ``foldcheck split`` needs from a COCO file: the image ids, the category ids and
names, and each annotation's image id, category id and area, as numpy columns. Each parser
runs in a fresh interpreter (this script with ``--child``); the parent records the wall time
from spawn to exit and the child's peak RSS, and prints one markdown table per file.

- ``json``: ``json.load``, then the columns by list comprehension (what a user writes).
- ``orjson``: ``orjson.loads`` of the bytes with the garbage collector paused, then the same
  comprehensions: foldcheck's reader before this change.
- ``simdjson``: pysimdjson's lazy document; each field read through its proxy objects.
- ``yyjson``: yyjson's document, converted to Python objects, then the comprehensions.
- ``msgspec``: msgspec typed decoding into ``Struct`` types that declare only the wanted
  fields (the rest, polygons included, is skipped in C without making objects).
- ``foldcheck``: ``foldcheck.load_dataset`` of the checkout on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from operator import attrgetter
from pathlib import Path
from typing import Any

TASKS = ("json", "orjson", "simdjson", "yyjson", "msgspec", "foldcheck")


def _columns_from_document(document: dict[str, Any]) -> tuple[Any, ...]:
    import numpy as np

    images, annotations = document["images"], document["annotations"]
    categories = document["categories"]
    return (
        np.array([r["id"] for r in images], np.int64),
        np.array([r["id"] for r in categories], np.int64),
        [str(r["name"]) for r in categories],
        np.array([a["image_id"] for a in annotations], np.int64),
        np.array([a["category_id"] for a in annotations], np.int64),
        np.array([a.get("area", float("nan")) for a in annotations], np.float64),
    )


def run_json(path: Path) -> tuple[Any, ...]:
    with path.open(encoding="utf-8") as file:
        return _columns_from_document(json.load(file))


def run_orjson(path: Path) -> tuple[Any, ...]:
    import orjson

    gc.disable()
    return _columns_from_document(orjson.loads(path.read_bytes()))


def run_yyjson(path: Path) -> tuple[Any, ...]:
    import yyjson

    gc.disable()
    document = yyjson.Document(path.read_bytes())
    return _columns_from_document(document.as_obj)


def run_simdjson(path: Path) -> tuple[Any, ...]:
    import numpy as np
    import simdjson

    gc.disable()
    document = simdjson.Parser().parse(path.read_bytes())
    images, annotations = document["images"], document["annotations"]
    categories = document["categories"]
    n = len(annotations)
    return (
        np.fromiter((r["id"] for r in images), np.int64, len(images)),
        np.fromiter((r["id"] for r in categories), np.int64, len(categories)),
        [str(r["name"]) for r in categories],
        np.fromiter((a["image_id"] for a in annotations), np.int64, n),
        np.fromiter((a["category_id"] for a in annotations), np.int64, n),
        np.fromiter((a.get("area", float("nan")) for a in annotations), np.float64, n),
    )


import msgspec  # noqa: E402  (the Struct types below need it at import)


class Image(msgspec.Struct, gc=False):
    id: int


class Category(msgspec.Struct, gc=False):
    id: int
    name: str = ""


class Annotation(msgspec.Struct, gc=False):
    image_id: int
    category_id: int
    area: float = float("nan")


class Coco(msgspec.Struct, gc=False):
    images: list[Image]
    annotations: list[Annotation]
    categories: list[Category]


def run_msgspec(path: Path) -> tuple[Any, ...]:
    import mmap

    import numpy as np

    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as text:
        coco = msgspec.json.decode(text, type=Coco)
    n = len(coco.annotations)
    return (
        np.fromiter(map(attrgetter("id"), coco.images), np.int64, len(coco.images)),
        np.fromiter(map(attrgetter("id"), coco.categories), np.int64, len(coco.categories)),
        [c.name for c in coco.categories],
        np.fromiter(map(attrgetter("image_id"), coco.annotations), np.int64, n),
        np.fromiter(map(attrgetter("category_id"), coco.annotations), np.int64, n),
        np.fromiter(map(attrgetter("area"), coco.annotations), np.float64, n),
    )


def run_foldcheck(path: Path) -> tuple[Any, ...]:
    from foldcheck import load_dataset

    gc.disable()
    dataset = load_dataset(path)
    return (
        dataset.image_ids,
        dataset.category_ids,
        dataset.category_names,
        dataset.image_ids[dataset.ann_image],
        dataset.category_ids[dataset.ann_class],
        dataset.ann_area,
    )


RUNNERS: dict[str, Callable[[Path], tuple[Any, ...]]] = {
    "json": run_json,
    "orjson": run_orjson,
    "simdjson": run_simdjson,
    "yyjson": run_yyjson,
    "msgspec": run_msgspec,
    "foldcheck": run_foldcheck,
}


def child(task: str, path: Path, record: Path) -> int:
    start = time.perf_counter()
    columns = RUNNERS[task](path)
    seconds = time.perf_counter() - start
    checksum = [int(columns[3].sum()), int(columns[4].sum()), len(columns[0])]
    record.write_text(json.dumps({"seconds": seconds, "checksum": checksum}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--child", nargs=2, metavar=("TASK", "RECORD"))
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child[0], args.files[0], Path(args.child[1]))

    from procs import git_revision, python_command, run_timed

    args.out.mkdir(parents=True, exist_ok=True)
    lines = [f"parsers at {git_revision()}: wall s (in-process s) / peak RSS MB", ""]
    for path in args.files:
        size = path.stat().st_size / 2**20
        lines += [f"### {path.name} ({size:,.0f} MB)", "", "| parser | whole | peak RSS |"]
        lines.append("|---|---|---|")
        checksums = set()
        for task in args.tasks.split(","):
            record = args.out / f"parser-{task}.json"
            record.unlink(missing_ok=True)
            timed = run_timed(python_command("parsers.py", path, "--child", task, record))
            if not timed.ok:
                lines.append(f"| {task} | failed: {timed.failure()} | |")
                continue
            result = json.loads(record.read_text())
            checksums.add(tuple(result["checksum"]))
            lines.append(
                f"| {task} | {timed.wall_s:.2f} s ({result['seconds']:.2f} s) "
                f"| {timed.peak_rss_mb:,.0f} MB |"
            )
            print(lines[-1], file=sys.stderr, flush=True)
        if len(checksums) > 1:
            lines.append(f"\nthe parsers disagree: {sorted(checksums)}")
        lines.append("")
    text = "\n".join(lines)
    print(text)
    (args.out / "parsers.md").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
