"""split meets its goal on more draws of video-grouped data than the ones it was tuned on.

``test_split_video`` pins four seeds of its generator; here are the others that the splitter
meets, among them seed 1, where settling the worst class (its boxes and images each within an
item of their shares) pushed cells of other classes a box or two past their goals and was
therefore undone, leaving that class at 1.56x its bar (``splitter/guided.py``). Seed 5 is not
met (2.58x, docs/algorithm.md), so it is not asserted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import foldcheck
from tests.test_split_video import K, over_bar, video_frames


@pytest.mark.parametrize("seed", [1, 7, 8])
def test_video_folds_within_1_25x_their_bar_on_more_draws(tmp_path: Path, seed: int) -> None:
    data = video_frames(tmp_path / "videos.json", 2_000, seed)
    folds = foldcheck.split(data, k=K, group_by="video_id", seed=0)
    balance = foldcheck.report(folds)
    assert over_bar(balance.annotations, balance.conflict_floor) <= 1.25
    assert over_bar(balance.images, balance.conflict_floor) <= 1.25
