"""FC518 and its --fix find exactly the repeated (image, class, box) rows: the hash only picks
the candidates, so a collision neither makes a duplicate nor hides one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from foldcheck.checks.rules import lint_annotations
from foldcheck.checks.rules.lint_annotations import box_repeats
from foldcheck.cli import main


def _reference(image: np.ndarray, klass: np.ndarray, box: np.ndarray, valid: np.ndarray) -> Any:
    """The same, one row at a time in Python: each later row and the first with its values."""
    first_of: dict[tuple[Any, ...], int] = {}
    later, first = [], []
    for row in range(len(image)):
        if not valid[row]:
            continue
        key = (int(image[row]), int(klass[row]), *(float(v) + 0.0 for v in box[row]))
        if key in first_of:
            later.append(row)
            first.append(first_of[key])
        else:
            first_of[key] = row
    return later, first


def _rows(seed: int) -> tuple[np.ndarray, ...]:
    """Whole-pixel boxes on few images and classes, with copies (and -0.0 for 0.0) planted."""
    rng = np.random.default_rng(seed)
    n = 3000
    image, klass = rng.integers(0, 5, n), rng.integers(0, 3, n)
    box = rng.integers(0, 40, (n, 4)).astype(np.float64)
    copies = rng.integers(0, n, 300)
    box[copies[:150]] = box[copies[150:]]
    image[copies[:150]], klass[copies[:150]] = image[copies[150:]], klass[copies[150:]]
    flat = box.reshape(-1)
    flat[np.flatnonzero(flat == 0.0)[::2]] = -0.0  # equal to 0.0, other bits
    valid = rng.random(n) > 0.05
    return image, klass, box, valid


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("collide", [False, True], ids=["hash", "every-row-collides"])
def test_repeated_boxes_are_found_exactly(
    seed: int, collide: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    image, klass, box, valid = _rows(seed)
    if collide:  # the worst hash there is: every row a candidate of every other
        monkeypatch.setattr(
            lint_annotations, "row_hash", lambda i, k, b: np.zeros(len(i), np.uint64)
        )
    later, first = box_repeats(image, klass, box, valid)
    expected_later, expected_first = _reference(image, klass, box, valid)
    assert later.tolist() == expected_later and first.tolist() == expected_first
    assert len(expected_later) > 100


def test_a_copy_is_reported_and_dropped_whatever_comes_before_it(tmp_path: Path, capsys) -> None:
    """Three whole-pixel boxes of one class on one image, the last a copy of the second (a
    multiply-add hash of the float bits made the first and second collide)."""
    boxes = [[140, 83, 259, 221], [76, 297, 221, 107], [76, 297, 221, 107]]
    document = {
        "info": {},
        "images": [{"id": 1, "file_name": "a.jpg", "width": 1000, "height": 1000}],
        "categories": [{"id": 1, "name": "c"}],
        "annotations": [
            {
                "id": i + 1,
                "image_id": 1,
                "category_id": 1,
                "bbox": b,
                "area": b[2] * b[3],
                "iscrowd": 0,
            }
            for i, b in enumerate(boxes)
        ],
    }
    data, fixed = tmp_path / "d.json", tmp_path / "fixed.json"
    data.write_text(json.dumps(document))
    assert main(["validate", str(data), "--select", "FC518"]) == 0  # a warning
    assert (
        "FC518 annotation 3 repeats annotation 2's box [76, 297, 221, 107]"
        in capsys.readouterr().out
    )
    assert main(["validate", str(data), "--fix", str(fixed)]) == 0
    assert [a["id"] for a in json.loads(fixed.read_text())["annotations"]] == [1, 2]
