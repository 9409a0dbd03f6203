"""``heap_reused`` inside another (the COCO reader keeps the heap while it reads, and a read
can happen inside a step that keeps it too): the outer block's heap stays kept after the
inner one ends, and glibc's own settings come back only when the outer one does."""

from __future__ import annotations

import sys

import pytest

from foldcheck.io.heap import heap_reused
from tests.test_split_speed import _faults_of_a_fresh_array


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_an_inner_block_leaves_the_outer_heap_kept() -> None:
    fresh = _faults_of_a_fresh_array()
    with heap_reused():
        with heap_reused():
            _faults_of_a_fresh_array()  # the heap grows once
        reused = _faults_of_a_fresh_array()
        assert reused * 4 < fresh
    assert _faults_of_a_fresh_array() * 4 > fresh  # glibc's own settings are back
