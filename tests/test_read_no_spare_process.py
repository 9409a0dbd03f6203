"""A user on a server whose process limit is spent (a container's pids limit, a shared
account's ulimit -u): the read can start neither its encoding thread nor its second
decoding process, and reads in one, writing the folds a read with both writes, where it
used to exit 3 ("can't start new thread", then the failed fork). Run as nobody, since root
ignores the limit."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_unprivileged_writes import _unprivileged_env, nobody, scratch

__all__ = ["nobody", "scratch"]  # the fixtures, used by name

REAL = Path(__file__).resolve().parent.parent / ".." / "shared" / "data" / "real"

# Every array read in two processes (as a large one is), then the CLI, with at most one
# task (thread or process) for the user.
LIMITED = """
import resource, sys
from foldcheck.formats.coco import forked
forked.FORK_BYTES = 0
forked._can_fork = lambda: True
resource.setrlimit(resource.RLIMIT_NPROC, (1, 1))
from foldcheck.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(not REAL.is_dir(), reason="the shared real exports are not here")
def test_no_thread_or_process_to_spare_reads_in_one_and_writes_the_same_folds(
    nobody: list[str], scratch: Path
) -> None:
    data = scratch / "data" / "car-damage.json"
    shutil.copyfile(REAL / "car-damage" / "train.json", data)
    data.chmod(0o644)
    scratch.chmod(0o777)
    python = nobody[: nobody.index("-m")]
    env = {**_unprivileged_env(scratch), "OPENBLAS_NUM_THREADS": "1"}
    split = ["split", "data/car-damage.json", "-k", "3", "-q", "--out"]
    limited = subprocess.run(
        [*python, "-c", LIMITED, *split, "limited"], cwd=scratch, env=env,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert limited.returncode == 0, limited.stderr
    free = subprocess.run(
        [sys.executable, "-m", "foldcheck", *split, "free"], cwd=scratch,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert free.returncode == 0, free.stderr
    written = (scratch / "limited" / "folds.json").read_bytes()
    assert written == (scratch / "free" / "folds.json").read_bytes()
