"""Time writing the per-fold COCO files against writing the same bytes plainly.

    python bench/export_bench.py MANIFEST.json [--out DIR]

In a fresh interpreter: the manifest's dataset and folds are loaded (untimed), then the K
train/val COCO files are written by foldcheck (``write_fold_files``: spans of the mapped
file, copied record for record) and timed; then the same bytes, read back into memory
(untimed), are written to new files with plain ``write`` calls and timed, and once more
with an ``fsync`` of each file, as foldcheck's staged writes do (a commit is durable before
it is visible). All go through the page cache of one file system; ``ratio`` is foldcheck
against the plain writes, ``ratio_synced`` against the synced ones.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--out", type=Path, default=Path("bench/out/export"))
    args = parser.parse_args(argv)

    from foldcheck.formats.fold_files import open_manifest, write_fold_files

    _, assignment = open_manifest(args.manifest)
    foldcheck_out, plain_out = args.out / "foldcheck", args.out / "plain"
    synced_out = args.out / "synced"
    for folder in (foldcheck_out, plain_out, synced_out):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    start = time.perf_counter()
    paths = write_fold_files(assignment, foldcheck_out, ("coco",), force=True)
    export_s = time.perf_counter() - start
    payloads = [(plain_out / p.name, p.read_bytes()) for p in paths]
    start = time.perf_counter()
    for path, payload in payloads:
        with path.open("wb") as file:
            file.write(payload)
    write_s = time.perf_counter() - start
    start = time.perf_counter()
    for path, payload in payloads:
        with (synced_out / path.name).open("wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
    synced_s = time.perf_counter() - start
    record = {
        "files": len(paths),
        "bytes": sum(len(p) for _, p in payloads),
        "export_s": export_s,
        "plain_write_s": write_s,
        "ratio": export_s / write_s,
        "plain_synced_write_s": synced_s,
        "ratio_synced": export_s / synced_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(record))
    shutil.rmtree(args.out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
