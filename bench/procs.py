"""Child processes for the benchmark: run one, time it, read its peak memory.

Standard library only. The harness keeps its own memory small on purpose: on Linux a child
started with vfork/exec inherits the parent's resident-set high-water mark into its
``ru_maxrss``, so a parent holding a parsed dataset would inflate every child's peak.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
if str(REPO) not in sys.path:  # the scoring imports this checkout's foldcheck (core.floor)
    sys.path.insert(0, str(REPO))


class Timed(NamedTuple):
    returncode: int
    wall_s: float  # from spawn to exit, interpreter start included
    peak_rss_mb: float  # the child's ru_maxrss, from wait4
    stdout: str
    stderr: str
    timed_out: bool

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def failure(self) -> str:
        """One line saying why the run failed: the timeout or the last line of stderr."""
        if self.timed_out:
            return f"timed out after {self.wall_s:.0f} s"
        lines = self.stderr.strip().splitlines()
        return f"exit {self.returncode}: {lines[-1] if lines else '(no output)'}"


def child_env() -> dict[str, str]:
    """The environment with the repository importable, so foldcheck need not be installed,
    and Python's bytecode cache on, as a user's has it (see ``compile_bytecode``)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def compile_bytecode() -> None:
    """Byte-compile foldcheck (into its git-ignored __pycache__ folders) before any timed run.

    A user's foldcheck starts from cached bytecode: pip compiles it on install, and a checkout
    writes it on its first run. Under PYTHONDONTWRITEBYTECODE every child would instead compile
    each of foldcheck's modules at every start, a tenth of a second that no user pays.
    """
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "foldcheck")],
        env=child_env(),
        check=True,
        capture_output=True,
    )


def run_timed(command: Sequence[str], timeout_s: float | None = None) -> Timed:
    """Run ``command`` to completion; wall time and the child's own peak RSS."""
    killed = threading.Event()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(list(command), stdout=out, stderr=err, env=child_env(), cwd=REPO)

        def kill() -> None:
            killed.set()
            process.kill()

        timer = threading.Timer(timeout_s, kill) if timeout_s else None
        if timer:
            timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            if timer:
                timer.cancel()
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Timed(
            process.returncode,
            wall,
            usage.ru_maxrss / 1024,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
            killed.is_set(),
        )


def python_command(script: str, *args: object) -> list[str]:
    return [sys.executable, str(BENCH / script), *map(str, args)]


def foldcheck_command() -> list[str]:
    """The ``foldcheck`` console script next to this interpreter, else ``python -m foldcheck``."""
    script = Path(sys.executable).parent / "foldcheck"
    return [str(script)] if script.exists() else [sys.executable, "-m", "foldcheck"]


def git_revision() -> str:
    """Short commit, with ``+dirty`` if tracked or untracked files differ (read-only git)."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}  # git status must not rewrite the index

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO, env=env, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        return commit + ("+dirty" if git("status", "--porcelain") else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
