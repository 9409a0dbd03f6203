"""Faults injected for real into a real process: a SIGKILL, SIGINT or SIGTERM delivered by
the process to itself just before its Nth file-system call, or a pause before each rename.

``sweep`` forks one child per point (no interpreter start-up per point, so every point of a
run can be tried); ``python tests/faults.py ARGS...`` runs the foldcheck CLI with the faults
named by FC_FAULT_AT / FC_FAULT_SIGNAL / FC_FAULT_SLOW, for tests that need a separate
program (two concurrent writers, an outside ``kill -9``).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable

# The calls that change what is on disk, or lead up to a change.
COUNTED = ("open", "write", "fsync", "replace", "unlink", "mkdir", "rmdir", "ftruncate")


class Injector:
    def __init__(self, at: int = 0, sig: int = signal.SIGKILL, slow: float = 0.0) -> None:
        self.at, self.sig, self.slow = at, sig, slow
        self.log: list[tuple[str, str]] = []  # (call, path) of every counted call

    def install(self) -> None:
        for name in COUNTED:
            setattr(os, name, self._counted(name, getattr(os, name)))

    def _counted(self, name: str, real: Callable[..., object]) -> Callable[..., object]:
        def counted(*args: object, **kwargs: object) -> object:
            self.log.append((name, str(args[0]) if args else ""))
            if len(self.log) == self.at:
                os.kill(os.getpid(), self.sig)
            if self.slow and name == "replace":
                time.sleep(self.slow)
            return real(*args, **kwargs)

        return counted


def forked(
    job: Callable[[], int], at: int = 0, sig: int = signal.SIGKILL
) -> tuple[int, list[tuple[str, str]]]:
    """Run ``job`` in a forked child with the fault at call ``at`` (0: none). Returns the
    child's exit code (negative: the signal that ended it) and its log of counted calls."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        injector = Injector(at, sig)
        code = 70
        try:
            injector.install()
            code = job()
        except SystemExit as exc:
            code = int(exc.code or 0)
        finally:
            with os.fdopen(write_end, "w") as out:
                out.write("\n".join(f"{n}\t{p}" for n, p in injector.log))
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        log = [tuple(line.split("\t", 1)) for line in pipe.read().splitlines() if line]
    _, status = os.waitpid(pid, 0)
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return code, log  # type: ignore[return-value]


def warm_up() -> None:
    """Import what a command would import lazily, before faults are counted: a forked child
    of the tests and this program then count the same calls."""
    import foldcheck.api
    import foldcheck.checks.runner
    import foldcheck.commands.report
    import foldcheck.formats.fold_files  # noqa: F401


if __name__ == "__main__":
    warm_up()
    Injector(
        int(os.environ.get("FC_FAULT_AT", "0")),
        getattr(signal, os.environ.get("FC_FAULT_SIGNAL", "SIGKILL")),
        float(os.environ.get("FC_FAULT_SLOW", "0")),
    ).install()
    from foldcheck.cli import main

    sys.exit(main(sys.argv[1:]))
