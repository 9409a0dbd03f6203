"""Proof with pycocotools itself: each crashing or miscounting defect of the validate fixtures
makes the real ``COCO``/``COCOeval`` crash or miscount, and ``--fix``'s output evaluates
cleanly (AP 1.0 for perfect detections, every record indexed)."""

from __future__ import annotations

import contextlib
import copy
import io
import json
from pathlib import Path
from typing import Any

import pycocotools.coco
import pycocotools.cocoeval
import pycocotools.mask
import pytest

from foldcheck.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "validate"
# pycocotools' bundled stubs are narrower than what it accepts (lists of results, RLE dicts)
COCO: Any = pycocotools.coco.COCO
COCOeval: Any = pycocotools.cocoeval.COCOeval
mask_utils: Any = pycocotools.mask


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((FIXTURES / name).read_text("utf-8"))
    return doc


def perfect(
    doc: dict[str, Any], iou: str, skip: frozenset[int] = frozenset()
) -> list[dict[str, Any]]:
    """One detection per distinct non-crowd object (score 1), its box or its polygon mask."""
    dets, seen = [], set()
    for ann in doc["annotations"]:
        key = (ann["image_id"], ann["category_id"], json.dumps(ann.get("bbox")))
        if key in seen or ann.get("id") in skip:
            continue
        seen.add(key)
        det = {"image_id": ann["image_id"], "category_id": ann["category_id"], "score": 1.0}
        det["bbox"] = ann["bbox"]
        if iou == "segm":
            image = next(i for i in doc["images"] if i["id"] == ann["image_id"])
            rle = mask_utils.merge(
                mask_utils.frPyObjects(ann["segmentation"], image["height"], image["width"])
            )
            rle["counts"] = rle["counts"].decode()
            det["segmentation"] = rle
        dets.append(det)
    return dets


def evaluate(
    doc: dict[str, Any],
    iou: str = "bbox",
    dets: list[dict[str, Any]] | None = None,
    *,
    tmp: Path,
) -> tuple[float, int]:
    """(AP@[.5:.95], number of annotations COCO() indexed) of ``dets`` on ``doc``."""
    path = tmp / "gt.json"
    path.write_text(json.dumps(doc), "utf-8")
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(path))
        dt = gt.loadRes(copy.deepcopy(dets if dets is not None else perfect(doc, iou)))
        ev = COCOeval(gt, dt, iou)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return float(ev.stats[0]), len(gt.anns)


CLEAN = load("clean.json")


def test_clean_fixture_evaluates_to_one(tmp_path: Path) -> None:
    assert evaluate(CLEAN, "bbox", tmp=tmp_path) == (1.0, 8)
    assert evaluate(CLEAN, "segm", tmp=tmp_path) == (1.0, 8)


# What the real pycocotools does with each defect: an exception type, or a miscount check.
CRASHES = {
    "fc502_fail.json": ("bbox", KeyError),  # COCO(): anns[ann['id']]
    "fc503_fail.json": ("bbox", KeyError),
    "fc504_fail.json": ("bbox", Exception),  # "list input can be bounding box (Nx4) or RLEs"
    "fc505_fail.json": ("bbox", KeyError),
    "fc506_fail.json": ("bbox", KeyError),
    "fc514_fail.json": ("segm", TypeError),  # frPyObjects on a 2-point polygon
    "fc517_fail.json": ("segm", TypeError),  # a flat list of numbers
    "fc521_fail.json": ("segm", KeyError),  # annToRLE: img['width']
}


@pytest.mark.parametrize("name", sorted(CRASHES))
def test_defect_crashes_pycocotools(name: str, tmp_path: Path) -> None:
    iou, error = CRASHES[name]
    with pytest.raises(error):
        evaluate(load(name), iou, perfect(CLEAN, iou), tmp=tmp_path)


def test_duplicate_annotation_id_is_indexed_once(tmp_path: Path) -> None:
    ap, indexed = evaluate(load("fc501_fail.json"), tmp=tmp_path)
    assert indexed == 7 and ap < 1.0  # 8 records, 7 indexed; a perfect detection is a "false"


def test_zero_width_box_cannot_be_matched(tmp_path: Path) -> None:
    ap, _ = evaluate(load("fc508_fail.json"), tmp=tmp_path)
    assert ap < 0.9  # 0.81: a perfect detection of it is a false positive and a miss


@pytest.mark.parametrize("name", ["fc507_fail.json", "fc512_fail.json"])
def test_hidden_object_makes_a_miss_free(name: str, tmp_path: Path) -> None:
    """iscrowd "0" and a negative area hide annotation 4: a detector that misses it keeps
    AP 1.0, where on the clean file the miss costs AP."""
    missing_four = perfect(CLEAN, "bbox", skip=frozenset({4}))
    assert evaluate(CLEAN, "bbox", missing_four, tmp=tmp_path)[0] < 1.0
    assert evaluate(load(name), "bbox", missing_four, tmp=tmp_path)[0] == 1.0


def test_odd_polygon_is_another_mask(tmp_path: Path) -> None:
    """pycocotools drops the last coordinate: the 20x30 rectangle drawn is evaluated as a
    triangle, so perfect rectangle masks no longer match."""
    ap, _ = evaluate(load("fc515_fail.json"), "segm", perfect(CLEAN, "segm"), tmp=tmp_path)
    assert ap < 1.0


def test_transposed_rle_size_is_another_mask() -> None:
    """The same counts read as the image's 80x100 mask would be another region."""
    rle = load("fc516_fail.json")["annotations"][2]["segmentation"]
    image = dict(rle, size=[80, 100])
    as_written = mask_utils.toBbox(mask_utils.frPyObjects(rle, 100, 80)).tolist()
    as_the_image = mask_utils.toBbox(mask_utils.frPyObjects(image, 80, 100)).tolist()
    assert as_written == [8.0, 10.0, 2.0, 2.0]
    assert as_the_image != as_written


def test_duplicate_box_scores_a_miss(tmp_path: Path) -> None:
    ap, indexed = evaluate(load("fc518_fail.json"), tmp=tmp_path)
    assert indexed == 9 and ap < 0.95


def test_duplicate_category_name_gives_two_ids(tmp_path: Path) -> None:
    """MMDetection's get_cat_ids(cat_names=classes) is pycocotools' getCatIds."""
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(load("fc531_fail.json")), "utf-8")
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(path))
    assert coco.getCatIds(catNms=["a"]) == [1, 2]


FIXED = ["fc501", "fc502", "fc505", "fc506", "fc508", "fc509", "fc510", "fc511", "fc512",
         "fc518", "fc541"]  # fmt: skip


@pytest.mark.parametrize("stem", FIXED)
def test_fixed_copy_evaluates_cleanly(stem: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "fixed.json"
    main(["validate", str(FIXTURES / f"{stem}_fail.json"), "--fix", str(out), "-q"])
    printed = capsys.readouterr().out
    assert f": {stem.upper()} " in printed and " applied; wrote " in printed
    fixed = out.read_bytes()
    doc = json.loads(fixed)
    for iou in ("bbox", "segm"):
        ap, indexed = evaluate(doc, iou, tmp=tmp_path)
        assert (ap, indexed) == (1.0, len(doc["annotations"])), iou
    assert main(["validate", str(out), "--select", stem.upper()]) == 0
    assert "All checks passed (1 file)." in capsys.readouterr().out
    # every record the fix did not touch is there byte for byte, in order
    before = (FIXTURES / f"{stem}_fail.json").read_text("utf-8").splitlines()
    after = fixed.decode().splitlines()
    untouched = [line for line in before if line in after]
    assert len(untouched) >= len(before) - 2
    assert [line for line in after if line in before] == untouched
