"""split --update: the folds stay put while the data grows, and stay balanced and leak-free."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_near_duplicates import COPIES, photos  # noqa: F401 (photos: a fixture)
from tests.yolo_tree import make_tree

CLASSES = [
    {"id": c, "name": name} for c, name in enumerate(["car", "van", "bus", "bike", "cat"], 1)
]


def foldcheck(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "foldcheck", *args], capture_output=True, text=True, cwd=cwd
    )


def _video(rng: random.Random, video: int, frames: int, first_id: int) -> list[dict[str, Any]]:
    return [
        {"id": first_id + f, "file_name": f"v{video:03d}_{f:02d}.jpg", "width": 640,
         "height": 480, "video_id": video}
        for f in range(frames)
    ]  # fmt: skip


def _boxes(rng: random.Random, images: list[dict[str, Any]], first_id: int) -> list[dict[str, Any]]:
    boxes = []
    for image in images:
        for _ in range(rng.randint(0, 6)):
            w, h = rng.choice([(10, 12), (50, 60), (150, 200)])
            boxes.append(
                {"id": first_id + len(boxes), "image_id": image["id"],
                 "category_id": rng.choice([1, 1, 1, 2, 2, 3, 4, 5]),
                 "bbox": [5, 5, w, h], "area": w * h, "iscrowd": 0}
            )  # fmt: skip
    return boxes


def _dataset(videos: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    images: list[dict[str, Any]] = []
    for video in range(videos):
        images += _video(rng, video, rng.randint(2, 8), len(images) + 1)
    return {"images": images, "annotations": _boxes(rng, images, 1), "categories": CLASSES}


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document))
    return path


def _folds(manifest: Path) -> dict[Any, int]:
    document = json.loads(manifest.read_text())
    return {key: fold for fold, keys in enumerate(document["folds"]) for key in keys}


def _grow(old: dict[str, Any], fold_of: dict[Any, int]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The dataset grown by about 10 %: 11 new videos, new frames of 5 old videos, 4 images
    deleted, and one video relabelled as another of a different fold (a join). Returns the
    new document and what was done."""
    rng = random.Random(7)
    images = [dict(image) for image in old["images"]]
    by_video: dict[int, list[dict[str, Any]]] = {}
    for image in images:
        by_video.setdefault(image["video_id"], []).append(image)
    videos = sorted(by_video)
    fold_of_video = {v: fold_of[by_video[v][0]["id"]] for v in videos}
    # The join: the smaller video of a pair in different folds now carries the other's key.
    small, large = next(
        (a, b)
        for a in videos
        for b in videos
        if fold_of_video[a] != fold_of_video[b] and 2 <= len(by_video[a]) < len(by_video[b])
    )
    joined = [image["id"] for image in by_video[small]]
    for image in by_video[small]:
        image["video_id"] = large
    deleted = [by_video[v][0]["id"] for v in videos[10:14]]
    images = [image for image in images if image["id"] not in deleted]
    next_id = max(image["id"] for image in old["images"]) + 1
    added: list[dict[str, Any]] = []
    for video in videos[20:25]:  # new frames of old videos
        frame = {**by_video[video][0], "id": next_id + len(added),
                 "file_name": f"v{video:03d}_new.jpg"}  # fmt: skip
        added.append(frame)
    for video in range(len(videos), len(videos) + 11):
        added += _video(rng, video, rng.randint(2, 8), next_id + len(added))
    kept_boxes = [a for a in old["annotations"] if a["image_id"] not in deleted]
    new_boxes = _boxes(rng, added, max(a["id"] for a in old["annotations"]) + 1)
    grown = {**old, "images": images + added, "annotations": kept_boxes + new_boxes}
    done = {
        "joined": joined, "into_fold": fold_of_video[large], "deleted": deleted,
        "old_frames": {a["id"]: fold_of_video[a["video_id"]] for a in added[:5]},
    }  # fmt: skip
    return grown, done


@pytest.fixture
def grown_set(tmp_path: Path) -> tuple[Path, dict[str, Any], dict[Any, int]]:
    """A video dataset split into 5 folds (with COCO and CSV exports), then grown in place."""
    old = _dataset(110, seed=3)
    data = _write(tmp_path / "data.json", old)
    run = foldcheck("split", str(data), "--group-by", "video_id", "--out", str(tmp_path / "folds"),
                    "--export", "coco,csv", "-q")  # fmt: skip
    assert run.returncode == 0, run.stderr
    before = _folds(tmp_path / "folds" / "folds.json")
    grown, done = _grow(old, before)
    _write(data, grown)
    return tmp_path, done, before


def test_update_keeps_every_unaffected_image_and_resolves_the_join_by_fewest_moves(
    grown_set: tuple[Path, dict[str, Any], dict[Any, int]],
) -> None:
    root, done, before = grown_set
    stale = foldcheck("check", str(root / "folds"))
    assert stale.returncode == 1 and "FC301" in stale.stdout
    run = foldcheck("split", str(root / "data.json"), "--out", str(root / "folds"), "--update",
                    "--format", "json")  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    after = _folds(root / "folds" / "folds.json")
    joined = set(done["joined"])
    # Unaffected images: not one moved. Deleted ones are gone.
    for image_id, fold in before.items():
        if image_id in done["deleted"]:
            assert image_id not in after
        elif image_id not in joined:
            assert after[image_id] == fold, image_id
    # The join: the smaller video moved, whole, to the larger one's fold, and nothing else did.
    assert {after[i] for i in joined} == {done["into_fold"]}
    assert sorted(m["image_id"] for m in report["moved"]) == sorted(joined)
    assert all(m["to"] == done["into_fold"] and m["from"] == before[m["image_id"]]
               for m in report["moved"])  # fmt: skip
    # New frames of old videos joined their video's fold.
    for image_id, fold in done["old_frames"].items():
        assert after[int(image_id)] == fold
    grown = json.loads((root / "data.json").read_text())
    assert report["counts"] == {
        "kept": len(before) - len(done["deleted"]) - len(joined),
        "placed": len(grown["images"]) - (len(before) - len(done["deleted"])),
        "moved": len(joined),
        "removed": len(done["deleted"]),
    }
    assert f"kept {report['counts']['kept']}, placed" in run.stderr


def test_updated_folds_pass_check_wherever_a_fresh_split_does(
    grown_set: tuple[Path, dict[str, Any], dict[Any, int]],
) -> None:
    root, _, _ = grown_set
    data = str(root / "data.json")
    fresh = foldcheck("split", data, "--group-by", "video_id", "--out", str(root / "fresh"), "-q")
    assert fresh.returncode == 0, fresh.stderr
    assert foldcheck("check", str(root / "fresh")).returncode == 0  # the bar the update meets
    run = foldcheck("split", data, "--out", str(root / "folds"), "--update", "-q")
    assert run.returncode == 0, run.stderr
    checked = foldcheck("check", str(root / "folds"))
    assert checked.returncode == 0, checked.stdout
    assert "All checks passed (1 fold set)" in checked.stdout  # manifest, pairs and CSV
    # The exports were kept and rewritten: the grown data's images are in them.
    val = json.loads((root / "folds" / "val_fold0.json").read_text())
    assert {i["id"] for i in val["images"]} == set(
        json.loads((root / "folds" / "folds.json").read_text())["folds"][0]
    )


def test_the_same_update_writes_the_same_bytes(
    grown_set: tuple[Path, dict[str, Any], dict[Any, int]],
) -> None:
    root, _, _ = grown_set
    shutil.copytree(root / "folds", root / "twin")
    outputs = []
    for folder in ("folds", "twin"):
        run = foldcheck("split", str(root / "data.json"), "--out", str(root / folder), "--update",
                        "-q")  # fmt: skip
        assert run.returncode == 0, run.stderr
        outputs.append({p.name: p.read_bytes() for p in sorted((root / folder).iterdir())})
    assert outputs[0] == outputs[1]
    assert sorted(outputs[0]) == [".gitignore", "folds.csv", "folds.json", *sorted(
        f"{side}_fold{i}.json" for i in range(5) for side in ("train", "val"))]  # fmt: skip
    # An update of unchanged data changes nothing.
    again = foldcheck("split", str(root / "data.json"), "--out", str(root / "folds"), "--update",
                      "--format", "json")  # fmt: skip
    assert json.loads(again.stdout)["counts"]["moved"] == 0
    assert {p.name: p.read_bytes() for p in sorted((root / "folds").iterdir())} == outputs[0]


def test_update_keeps_the_holdout_and_its_share_of_new_groups(tmp_path: Path) -> None:
    old = _dataset(110, seed=5)
    data = _write(tmp_path / "data.json", old)
    out = tmp_path / "folds"
    run = foldcheck("split", str(data), "--group-by", "video_id", "--holdout", "0.2",
                    "--out", str(out), "-q")  # fmt: skip
    assert run.returncode == 0, run.stderr
    manifest = json.loads((out / "folds.json").read_text())
    held_before = set(manifest["holdout"]["images"])
    grown, done = _grow(old, _folds(out / "folds.json") | dict.fromkeys(held_before, -1))
    # A new frame of a held-out video, too.
    held_image = next(i for i in grown["images"] if i["id"] in held_before)
    new_id = max(i["id"] for i in grown["images"]) + 1
    grown["images"].append({**held_image, "id": new_id, "file_name": "held_new.jpg"})
    _write(data, grown)
    run = foldcheck("split", str(data), "--out", str(out), "--update", "--format", "json")
    assert run.returncode == 0, run.stderr
    after = json.loads((out / "folds.json").read_text())
    held_after = set(after["holdout"]["images"])
    assert after["holdout"]["fraction"] == 0.2
    assert held_before - set(done["deleted"]) - set(done["joined"]) <= held_after
    assert new_id in held_after
    new_images = (
        {i["id"] for i in grown["images"]}
        - set(manifest["holdout"]["images"])
        - {k for fold in manifest["folds"] for k in fold}
    )
    new_held = len(new_images & held_after) - 1  # the held video's new frame aside
    assert 0 < new_held < len(new_images) / 2  # about a fifth of the new videos' images
    assert foldcheck("check", str(out)).returncode == 0


def test_update_of_a_yolo_set_keeps_folds_and_passes_check(tmp_path: Path) -> None:
    data = make_tree(tmp_path / "ds", videos=40, frames=3, seed=2)
    out = tmp_path / "folds"
    run = foldcheck("split", str(data), "--group-by", "re:(v\\d+)_f", "--out", str(out), "-q")
    assert run.returncode == 0, run.stderr
    before = _folds(out / "folds.json")
    # Grow: 4 new videos and one new frame of an old video; delete one image.
    grown = make_tree(tmp_path / "more", videos=44, frames=3, seed=2)
    for video in range(40, 44):
        for frame in range(3):
            for kind, suffix in (("images", ".jpg"), ("labels", ".txt")):
                for found in (grown.parent / kind).rglob(f"v{video:02d}_f{frame}{suffix}"):
                    target = data.parent / kind / "train" / found.name
                    shutil.copy(found, target)
    first = sorted(before)[0]
    shutil.copy(data.parent / first, (data.parent / first).with_name("v00_f9.jpg"))
    label = Path(str(data.parent / first).replace("images/", "labels/")).with_suffix(".txt")
    shutil.copy(label, label.with_name("v00_f9.txt"))
    deleted = sorted(before)[-1]
    (data.parent / deleted).unlink()
    run = foldcheck("split", str(data), "--out", str(out), "--update", "--format", "json")
    assert run.returncode == 0, run.stderr
    after = _folds(out / "folds.json")
    assert all(after[key] == fold for key, fold in before.items() if key != deleted)
    assert deleted not in after
    assert after[first.replace(Path(first).name, "v00_f9.jpg")] == before[first]
    report = json.loads(run.stdout)
    assert report["counts"] == {"kept": len(before) - 1, "placed": 13, "moved": 0, "removed": 1}
    assert foldcheck("check", str(out)).returncode == 0
    fold0 = yaml.safe_load((out / "fold0.yaml").read_text())
    assert fold0["val"] == "fold0_val.txt"


def test_update_refuses_what_would_not_keep_the_set(tmp_path: Path) -> None:
    data = _write(tmp_path / "data.json", _dataset(20, seed=1))
    out = tmp_path / "folds"
    missing = foldcheck("split", str(data), "--out", str(out), "--update")
    assert missing.returncode == 2
    assert f"no folds.json to update here; make the folds first: foldcheck split {data}" in (
        missing.stderr
    )
    assert foldcheck("split", str(data), "--out", str(out), "-q").returncode == 0
    for extra, message in (
        (["-k", "3"], "--update keeps the set's 5 folds"),
        (["--holdout", "0.1"], "--update keeps the set's held-out set"),
        (["--force"], "it needs no --force"),
    ):
        run = foldcheck("split", str(data), "--out", str(out), "--update", *extra)
        assert run.returncode == 2 and message in run.stderr, run.stderr
        assert run.stderr.count("\n") == 1


def test_update_finds_new_near_duplicates_by_the_recorded_settings(
    photos: Path,  # noqa: F811 (the imported fixture)
) -> None:
    """A set made with --group-near-duplicates: a new resized copy of an old photo lands in
    that photo's fold, though the update is given neither the flag nor the images folder."""
    from PIL import Image

    out = photos / "folds"
    run = foldcheck("split", "dataset.json", "-k", "3", "--images-dir", "images",
                    "--group-near-duplicates", "--out", "folds", "-q", cwd=photos)  # fmt: skip
    assert run.returncode == 0, run.stderr
    before = _folds(out / "folds.json")
    document = json.loads((photos / "dataset.json").read_text())
    with Image.open(photos / "images" / "photo7.jpg") as original:
        original.resize((300, 225)).save(photos / "images" / "late_copy.jpg", quality=70)
    photo7 = next(i["id"] for i in document["images"] if i["file_name"] == "photo7.jpg")
    late = max(i["id"] for i in document["images"]) + 1
    document["images"].append({"id": late, "file_name": "late_copy.jpg", "width": 300,
                               "height": 225})  # fmt: skip
    _write(photos / "dataset.json", document)
    run = foldcheck("split", "dataset.json", "--out", "folds", "--update", "-q", cwd=photos)
    assert run.returncode == 0, run.stderr
    after = _folds(out / "folds.json")
    assert after[late] == before[photo7]
    assert all(after[image] == fold for image, fold in before.items())
    manifest = json.loads((out / "folds.json").read_text())
    assert manifest["near_duplicates"]["pairs"] == len(COPIES) + 1
    assert manifest["near_duplicates"]["images_dir"] == "../images"
    checked = foldcheck("check", "folds", "--images-dir", "images", "--select", "FC106", cwd=photos)
    assert checked.returncode == 0, checked.stdout


def test_update_to_an_empty_dataset_is_refused_and_renumbered_ids_are_warned(
    tmp_path: Path,
) -> None:
    document = _dataset(20, seed=2)
    data = _write(tmp_path / "data.json", document)
    out = tmp_path / "folds"
    assert foldcheck("split", str(data), "--out", str(out), "-q").returncode == 0
    manifest = (out / "folds.json").read_bytes()
    _write(data, {**document, "images": [], "annotations": []})
    empty = foldcheck("split", str(data), "--out", str(out), "--update", "-q")
    assert empty.returncode == 2
    assert empty.stderr == f"{data}: error: $.images: the dataset has no images to split\n"
    assert (out / "folds.json").read_bytes() == manifest  # nothing written
    for image in document["images"]:  # a re-export that numbers every image anew
        image["id"] += 1000
    for box in document["annotations"]:
        box["image_id"] += 1000
    _write(data, document)
    renumbered = foldcheck("split", str(data), "--out", str(out), "--update", "-q")
    assert renumbered.returncode == 0, renumbered.stderr
    assert (
        f"warning: none of the {len(document['images'])} images the folds list is in {data} "
        "(were its image ids renumbered?)"
    ) in renumbered.stderr
