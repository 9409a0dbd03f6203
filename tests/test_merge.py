"""foldcheck merge: one COCO file from several, as pycocotools and the splitter read it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import real_dataset, write_coco


def foldcheck(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "foldcheck", *args], capture_output=True, text=True, cwd=cwd
    )


def _by_file_name(document: dict[str, Any]) -> dict[str, Counter[tuple[Any, ...]]]:
    """Each image's annotations as (category name, bbox) by the image's file name."""
    names = {c["id"]: c["name"] for c in document["categories"]}
    name_of = {image["id"]: image["file_name"] for image in document["images"]}
    boxes: dict[str, Counter[tuple[Any, ...]]] = {name: Counter() for name in name_of.values()}
    for a in document["annotations"]:
        boxes[name_of[a["image_id"]]][(names[a["category_id"]], tuple(a["bbox"]))] += 1
    return boxes


def test_roboflow_splits_merge_into_one_file_pycocotools_loads_whole(tmp_path: Path) -> None:
    from pycocotools.coco import COCO

    parts = [real_dataset("chess", part) for part in ("train", "valid", "test")]
    out = tmp_path / "all.json"
    run = foldcheck("merge", *map(str, parts), "-o", str(out))
    assert run.returncode == 0, run.stderr
    documents = [json.loads(p.read_text()) for p in parts]
    coco = COCO(str(out))
    assert len(coco.imgs) == sum(len(d["images"]) for d in documents)
    assert len(coco.anns) == sum(len(d["annotations"]) for d in documents)
    merged = json.loads(out.read_text())
    expected: dict[str, Counter[tuple[Any, ...]]] = {}
    for document in documents:
        expected.update(_by_file_name(document))
    assert _by_file_name(merged) == expected  # every box on its own image, its class by name
    # The placeholder category (id 0, no annotations) is kept, and so are info and licenses.
    assert merged["categories"] == documents[0]["categories"]
    assert merged["info"] == documents[0]["info"]
    assert merged["licenses"] == documents[0]["licenses"]
    # train.json's ids are kept; the others' collided, so they were renumbered.
    assert [i["id"] for i in merged["images"][:202]] == [i["id"] for i in documents[0]["images"]]
    assert len({i["id"] for i in merged["images"]}) == len(merged["images"])


def test_merging_a_file_with_itself_changes_nothing(tmp_path: Path) -> None:
    train = real_dataset("chess", "train")
    out = tmp_path / "same.json"
    run = foldcheck("merge", str(train), str(train), "-o", str(out))
    assert run.returncode == 0, run.stderr
    original, merged = json.loads(train.read_text()), json.loads(out.read_text())
    for key in ("images", "annotations", "categories", "info", "licenses"):
        assert merged[key] == original[key], key


def test_merge_then_split_holding_the_test_file_out_then_check_passes(tmp_path: Path) -> None:
    """The README's Roboflow walk-through: merge -> split -> check, as a user types it."""
    parts = [real_dataset("chess", part) for part in ("train", "valid", "test")]
    steps = [
        ["merge", *map(str, parts), "-o", "all.json"],
        ["split", "all.json", "--group-by", "roboflow", "--holdout-from", str(parts[2]),
         "--out", "folds", "-q"],
        ["check", "folds"],
    ]  # fmt: skip
    for step in steps:
        run = foldcheck(*step, cwd=tmp_path)
        assert run.returncode == 0, (step, run.stdout, run.stderr)
    manifest = json.loads((tmp_path / "folds" / "folds.json").read_text())
    merged = json.loads((tmp_path / "all.json").read_text())
    name_of = {image["id"]: image["file_name"] for image in merged["images"]}
    held = {name_of[i] for i in manifest["holdout"]["images"]}
    assert held == {i["file_name"] for i in json.loads(parts[2].read_text())["images"]}


def _image(i: int, name: str) -> dict[str, Any]:
    return {"id": i, "file_name": name, "width": 100, "height": 100}


def _box(i: int, image: int, category: int, x: float = 1) -> dict[str, Any]:
    return {"id": i, "image_id": image, "category_id": category, "bbox": [x, 2, 3, 4]}


def test_ids_are_kept_unless_they_collide_and_categories_unify_by_name(tmp_path: Path) -> None:
    a = write_coco(
        tmp_path / "a.json",
        [_image(1, "x.jpg"), _image(2, "y.jpg")],
        [_box(10, 1, 1), _box(11, 2, 2)],
    )
    b = write_coco(
        tmp_path / "b.json",
        [_image(2, "z.jpg"), _image(7, "x.jpg"), _image(9, "w.jpg")],
        [_box(10, 2, 2), _box(3, 7, 1), _box(12, 9, 5)],
        [{"id": 2, "name": "dog"}, {"id": 1, "name": "cat"}, {"id": 5, "name": "bird"}],
    )
    out = tmp_path / "m.json"
    run = foldcheck("merge", str(a), str(b), "-o", str(out))
    assert run.returncode == 0, run.stderr
    merged = json.loads(out.read_text())
    assert [(i["id"], i["file_name"]) for i in merged["images"]] == [
        (1, "x.jpg"), (2, "y.jpg"), (3, "z.jpg"), (9, "w.jpg"),
    ]  # fmt: skip
    # x.jpg is in both with the same box: once. z.jpg's id 2 and annotation id 10 collided.
    assert [(a["id"], a["image_id"], a["category_id"]) for a in merged["annotations"]] == [
        (10, 1, 1), (11, 2, 2), (12, 3, 2), (13, 9, 5),
    ]  # fmt: skip
    assert [(c["id"], c["name"]) for c in merged["categories"]] == [
        (1, "cat"), (2, "dog"), (5, "bird"),
    ]  # fmt: skip
    assert "1 found in several inputs" in run.stderr


def test_the_same_image_with_other_boxes_is_refused_naming_both_places(tmp_path: Path) -> None:
    a = write_coco(tmp_path / "a.json", [_image(1, "x.jpg")], [_box(1, 1, 1)])
    b = write_coco(tmp_path / "b.json", [_image(1, "x.jpg")], [_box(1, 1, 1, x=1.5)])
    out = tmp_path / "m.json"
    run = foldcheck("merge", str(a), str(b), "-o", str(out))
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1
    assert f"{b}: error: $.images[0]: image 'x.jpg' has other annotations" in run.stderr
    assert f"at {a}: $.images[0]" in run.stderr
    assert not out.exists()


def test_equal_numbers_agree_whatever_their_spelling(tmp_path: Path) -> None:
    a = write_coco(tmp_path / "a.json", [_image(1, "x.jpg")], [_box(1, 1, 1, x=2)])
    b = write_coco(tmp_path / "b.json", [_image(1, "x.jpg")], [_box(1, 1, 1, x=2.0)])
    run = foldcheck("merge", str(a), str(b), "-o", str(tmp_path / "m.json"))
    assert run.returncode == 0, run.stderr


def test_one_category_id_naming_two_classes_is_refused(tmp_path: Path) -> None:
    a = write_coco(tmp_path / "a.json", [_image(1, "x.jpg")], [_box(1, 1, 1)])
    b = write_coco(
        tmp_path / "b.json",
        [_image(1, "y.jpg")],
        [_box(1, 1, 1)],
        [{"id": 1, "name": "horse"}, {"id": 2, "name": "dog"}],
    )
    out = tmp_path / "m.json"
    run = foldcheck("merge", str(a), str(b), "-o", str(out))
    assert run.returncode == 2
    assert run.stderr.strip() == (
        f"{b}: error: $.categories[0]: category id 1 is 'horse' here but 'cat' at "
        f"{a}: $.categories[0]: one id cannot name two categories"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"images": []}, '$.annotations: not a COCO file: no "annotations" array'),
        (
            {"images": [{"id": 1}], "annotations": [], "categories": []},
            "$.images[0].file_name: needs a file_name string (images are matched by it)",
        ),
        (
            {"images": [], "annotations": [{"id": 1, "image_id": 4, "category_id": 1}],
             "categories": [{"id": 1, "name": "cat"}]},
            "$.annotations[0].image_id: image_id 4 is not in this file's images",
        ),
    ],
)  # fmt: skip
def test_a_broken_input_is_one_line_at_its_place(
    tmp_path: Path, document: dict[str, Any], message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    good = write_coco(tmp_path / "a.json", [_image(1, "x.jpg")], [_box(1, 1, 1)])
    run = foldcheck("merge", str(good), str(bad), "-o", str(tmp_path / "m.json"))
    assert run.returncode == 2
    assert run.stderr.strip() == f"{bad}: error: {message}"
    assert run.stderr.count("\n") == 1
    assert not (tmp_path / "m.json").exists()


def test_an_existing_output_is_kept_without_force(tmp_path: Path) -> None:
    a = write_coco(tmp_path / "a.json", [_image(1, "x.jpg")], [_box(1, 1, 1)])
    out = tmp_path / "m.json"
    out.write_text("mine")
    run = foldcheck("merge", str(a), "-o", str(out))
    assert run.returncode == 2 and "pass --force" in run.stderr
    assert out.read_text() == "mine"
    assert foldcheck("merge", str(a), "-o", str(out), "--force").returncode == 0
    assert foldcheck("merge", str(a), "-o", str(a)).returncode == 2
