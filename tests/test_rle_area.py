"""RLE mask areas (``formats.coco.rle``) against the real ``pycocotools.mask.area``, for
compressed strings and uncompressed counts, and FC513 on an RLE whose area is not its mask's."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pycocotools import mask as _mask_api

from foldcheck.cli import main
from foldcheck.formats.coco.rle import rle_area

mask_api: Any = _mask_api  # its stubs know compressed RLEs only; frPyObjects takes counts too


def _masks() -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    masks = [np.zeros((5, 4), np.uint8), np.ones((3, 9), np.uint8)]
    for i in range(60):
        h, w = (int(v) for v in rng.integers(1, 400, 2))
        mask = (rng.random((h, w)) < rng.random()).astype(np.uint8)
        if i % 2:  # long runs: codes of several characters, and negative differences
            mask[:] = 0
            y, x = (int(v) for v in rng.integers(0, (h, w)))
            mask[y : y + int(rng.integers(1, 300)), x : x + int(rng.integers(1, 300))] = 1
        masks.append(mask)
    return masks


def _runs(mask: np.ndarray) -> list[int]:
    """Uncompressed counts: runs of 0s and 1s in column-major order, starting with 0s."""
    flat = mask.flatten(order="F")
    edges = np.flatnonzero(np.diff(flat)) + 1
    runs = np.diff(np.concatenate([[0], edges, [len(flat)]])).tolist()
    return [0, *runs] if flat[0] else runs


@pytest.mark.parametrize("index", range(62))
def test_areas_are_pycocotools_areas(index: int) -> None:
    mask = _masks()[index]
    h, w = mask.shape
    compressed = mask_api.encode(np.asfortranarray(mask))
    expected = float(mask_api.area(compressed))
    assert expected == float(mask.sum())
    assert rle_area(compressed["counts"].decode("ascii")) == expected
    counts = _runs(mask)
    uncompressed = mask_api.frPyObjects({"counts": counts, "size": [h, w]}, h, w)
    assert float(mask_api.area(uncompressed)) == expected
    assert rle_area(counts) == expected


@pytest.mark.parametrize(
    "counts", ["", "0", "2", [], [3, 2, 1]], ids=["empty", "zero", "one", "none", "short"]
)
def test_small_counts(counts: str | list[int]) -> None:
    h, w = 2, 3
    rle = (
        {"counts": counts.encode(), "size": [h, w]}
        if isinstance(counts, str)
        else mask_api.frPyObjects({"counts": counts, "size": [h, w]}, h, w)
    )
    assert rle_area(counts) == float(mask_api.area(rle))


@pytest.mark.parametrize(
    "counts", ["\u00e9", "0_", "o", "!", "ooooooooooooo0", [1, -2], [1, 2.5], [1, 2**40], {}, None]
)
def test_malformed_counts_have_no_area(counts: object) -> None:
    assert math.isnan(rle_area(counts))


def test_an_rle_area_far_from_its_mask_is_fc513(tmp_path: Path, capsys) -> None:
    mask = np.zeros((40, 50), np.uint8)
    mask[5:25, 10:40] = 1  # 600 pixels in the box [10, 5, 30, 20]
    compressed = mask_api.encode(np.asfortranarray(mask))["counts"].decode("ascii")
    base = {"image_id": 1, "category_id": 1, "bbox": [10, 5, 30, 20], "iscrowd": 1}
    annotations = [
        {**base, "id": 1, "area": 600, "segmentation": {"counts": compressed, "size": [40, 50]}},
        {**base, "id": 2, "area": 600, "segmentation": {"counts": _runs(mask), "size": [40, 50]}},
        # 300: half the mask, and half the box: far from both
        {**base, "id": 3, "area": 300, "segmentation": {"counts": compressed, "size": [40, 50]}},
        {**base, "id": 4, "area": 300, "segmentation": {"counts": _runs(mask), "size": [40, 50]}},
    ]
    document = {
        "info": {},
        "images": [{"id": 1, "file_name": "a.png", "width": 50, "height": 40}],
        "annotations": annotations,
        "categories": [{"id": 1, "name": "a"}],
    }
    path = tmp_path / "rle.json"
    path.write_text(json.dumps(document, indent=1))
    assert main(["validate", str(path), "--select", "FC513"]) == 0  # a warning
    out = capsys.readouterr().out.splitlines()
    assert [line.split(": ", 1)[1] for line in out[:-1]] == [
        f"FC513 annotation {i}: \"area\" 300, but its box's is 600 and its mask's (RLE) 600;"
        " COCO's size buckets (APs/APm/APl) use it"
        for i in (3, 4)
    ]


def test_fix_fills_a_missing_area_with_the_rle_mask_area(tmp_path: Path, capsys) -> None:
    mask = np.zeros((40, 50), np.uint8)
    mask[5:25, 10:40] = 1
    mask[5:9, 10:20] = 0  # 560 pixels, not the box's 600
    compressed = mask_api.encode(np.asfortranarray(mask))
    document = {
        "info": {},
        "images": [{"id": 1, "file_name": "a.png", "width": 50, "height": 40}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "bbox": [10, 5, 30, 20],
                "iscrowd": 1,
                "segmentation": {"counts": compressed["counts"].decode(), "size": [40, 50]},
            }
        ],
        "categories": [{"id": 1, "name": "a"}],
    }
    path, out = tmp_path / "rle.json", tmp_path / "fixed.json"
    path.write_text(json.dumps(document))
    assert main(["validate", str(path), "--fix", str(out)]) == 0
    assert 'set "area" to 560 (its mask (RLE))' in capsys.readouterr().out
    fixed = json.loads(out.read_text())["annotations"][0]
    assert fixed["area"] == float(mask_api.area(compressed)) == 560
