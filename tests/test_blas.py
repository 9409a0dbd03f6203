"""The split step's BLAS thread cap, on the OpenBLAS numpy itself loaded."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import numpy as np
import pytest

from foldcheck.splitter import blas


def _threads() -> list[int]:
    return [int(control.get()) for control in blas._controls()]


def test_numpys_openblas_is_found() -> None:
    if "openblas" not in str(np.__config__.CONFIG["Build Dependencies"]["blas"]).lower():
        pytest.skip("numpy is not built with OpenBLAS here")
    assert blas._controls(), blas.loaded_openblas(Path("/proc/self/maps"))


def test_one_thread_inside_and_the_callers_setting_after() -> None:
    controls = blas._controls()
    if not controls:
        pytest.skip("no OpenBLAS loaded")
    before = _threads()
    controls[0].set(2)
    try:
        with blas.one_blas_thread():
            assert _threads() == [1] * len(controls)
        assert _threads()[0] == 2
        with pytest.raises(RuntimeError), blas.one_blas_thread():
            raise RuntimeError
        assert _threads()[0] == 2
    finally:
        for control, threads in zip(controls, before, strict=True):
            control.set(threads)


def test_maps_parsing(tmp_path: Path) -> None:
    maps = tmp_path / "maps"
    maps.write_text(
        "7f00-7f01 r--p 00000000 08:01 1 /usr/lib/libscipy_openblas64_-abc.so\n"
        "7f01-7f02 r-xp 00001000 08:01 1 /usr/lib/libscipy_openblas64_-abc.so\n"
        "7f02-7f03 rw-p 00000000 00:00 0 \n"
        "7f03-7f04 r--p 00000000 08:01 2 /opt/my libs/libopenblas.so.0\n"
        "7f04-7f05 r--p 00000000 08:01 3 /usr/lib/libm.so.6\n"
        "7f05-7f06 r--p 00000000 08:01 4 /home/openblas/libfoo.so\n"
    )
    assert blas.loaded_openblas(maps) == [
        "/opt/my libs/libopenblas.so.0",
        "/usr/lib/libscipy_openblas64_-abc.so",
    ]
    assert blas.loaded_openblas(tmp_path / "missing") == []


def test_a_library_without_the_symbols_is_left_alone() -> None:
    assert blas._control("libm.so.6") is None
    assert blas._control(str(Path("/nonexistent/libopenblas.so"))) is None
    assert blas._pool_flags(ctypes.CDLL("libm.so.6")) == (None, None)  # then set() is called


def _tasks() -> int:
    """The threads of this process, as the kernel lists them."""
    return len(os.listdir("/proc/self/task"))


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="Linux's /proc only")
def test_after_a_fork_the_cap_starts_no_spinning_thread() -> None:
    # OpenBLAS stops its thread pool before a fork (the COCO reader forks on large files) and
    # starts it again in its set-threads call, whose new thread then spins ~0.1 s beside the
    # split step. The cap must leave the pool down, and OpenBLAS start it on the next product
    # that wants threads.
    controls = blas._controls()
    libraries = blas.loaded_openblas(Path("/proc/self/maps"))
    if not controls or not hasattr(ctypes.CDLL(libraries[0]), "blas_server_avail"):
        pytest.skip("no OpenBLAS with an exported pool flag loaded")
    before = _threads()
    controls[0].set(2)  # a pool of two: one thread besides the caller
    try:
        child = os.fork()
        if child == 0:
            os._exit(0)
        os.waitpid(child, 0)
        threads = _tasks()
        matrix = np.arange(512.0 * 512).reshape(512, 512) % 7
        with blas.one_blas_thread():
            assert _threads() == [1] * len(controls)
            inside = matrix @ matrix
            assert _tasks() == threads
        assert _threads()[0] == 2
        assert _tasks() == threads
        assert np.array_equal(matrix @ matrix, inside)  # the pool started again, same numbers
        assert _tasks() == threads + 1
    finally:
        for control, count in zip(controls, before, strict=True):
            control.set(count)
