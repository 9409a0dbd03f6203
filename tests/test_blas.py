"""The split step's BLAS thread cap, on the OpenBLAS numpy itself loaded."""

from __future__ import annotations

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
