"""One BLAS thread for the split step, whatever the process asked for.

The splitter's matrix products are small (a batch of 128 groups, a sample of 64 against 128);
OpenBLAS still spreads them over its threads, which then spin between calls, and on a shared
machine the spinning costs ten times the work (coco's assignment: 0.4 s on one thread, 5 s on
two). So the step runs with OpenBLAS capped at one thread, and the caller's setting comes back
after. The library is found among the process's mapped files (Linux); elsewhere, or with
another BLAS, this does nothing. One thread also makes the products' rounding independent of
the machine's core count.

After a fork (the COCO reader forks to decode large files) OpenBLAS's thread pool is down, and
its set-threads call first starts it again: the new thread then spins for about 0.1 s of CPU
waiting for work that never comes, beside the split step (on a busy 2-core machine, 40-50 ms of
coco's step). While the pool is down (its ``blas_server_avail`` flag, where the library exports
it) the count is written as that call would write it, without the restart; OpenBLAS starts the
pool itself, as after any fork, when a product next wants threads.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import NamedTuple

# (get, set) symbol names: numpy's wheels (scipy-openblas, 64-bit ints), then plain OpenBLAS.
_SYMBOLS = (
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
    ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    ("openblas_get_num_threads", "openblas_set_num_threads"),
)
_MAPS = Path("/proc/self/maps")


class _Control(NamedTuple):
    get: Callable[[], int]
    set: Callable[[int], None]
    # OpenBLAS's pool-started flag and the thread count ``set`` writes, where the library
    # exports them (its pthreads build)
    pool_up: ctypes.c_int | None = None
    cpu_number: ctypes.c_int | None = None

    def set_threads(self, threads: int) -> None:
        """``set``, except that a pool that is down stays down: the count is written as
        ``set`` writes it once it has restarted the pool (for a count the pool was made for,
        that write is all ``set`` does besides the restart)."""
        if self.pool_up is not None and self.cpu_number is not None and not self.pool_up.value:
            self.cpu_number.value = threads
        else:
            self.set(threads)


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the body with every loaded OpenBLAS at one thread, then restore each one."""
    controls = _controls()
    before = [int(control.get()) for control in controls]
    for control in controls:
        control.set_threads(1)
    try:
        yield
    finally:
        for control, threads in zip(controls, before, strict=True):
            control.set_threads(threads)


@cache
def _controls() -> tuple[_Control, ...]:
    return tuple(
        control for path in loaded_openblas(_MAPS) if (control := _control(path)) is not None
    )


def loaded_openblas(maps: Path) -> list[str]:
    """The OpenBLAS libraries among a process's mapped files (none if ``maps`` is unreadable)."""
    try:
        lines = maps.read_text().splitlines()
    except OSError:
        return []
    fields = [line.split(maxsplit=5) for line in lines]
    paths = {field[5].strip() for field in fields if len(field) == 6}
    return sorted(path for path in paths if "openblas" in Path(path).name.lower())


def _control(path: str) -> _Control | None:
    try:
        library = ctypes.CDLL(path)  # already mapped: this only takes another reference
    except OSError:
        return None
    for get_name, set_name in _SYMBOLS:
        if hasattr(library, get_name) and hasattr(library, set_name):
            get, set_ = getattr(library, get_name), getattr(library, set_name)
            get.restype, get.argtypes = ctypes.c_int, []
            set_.restype, set_.argtypes = None, [ctypes.c_int]
            return _Control(get, set_, *_pool_flags(library))
    return None


def _pool_flags(library: ctypes.CDLL) -> tuple[ctypes.c_int | None, ctypes.c_int | None]:
    """(blas_server_avail, blas_cpu_number) of an OpenBLAS library, or (None, None)."""
    try:
        return ctypes.c_int.in_dll(library, "blas_server_avail"), ctypes.c_int.in_dll(
            library, "blas_cpu_number"
        )
    except ValueError:  # not exported: an OpenMP build or another version
        return None, None
