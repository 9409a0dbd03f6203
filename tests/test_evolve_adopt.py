"""split --from FOLDFILES [--repair]: folds made elsewhere become a foldcheck manifest."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.test_evolve_update import _dataset, _folds, _write, foldcheck
from tests.test_yolo_check import _guide_layout
from tests.yolo_tree import make_tree


def _fold_by_video(document: dict[str, Any], k: int = 5) -> dict[int, int]:
    """A notebook's group k-fold: videos dealt round-robin."""
    return {image["id"]: image["video_id"] % k for image in document["images"]}


def _kaggle_csv(path: Path, document: dict[str, Any], fold_of: dict[int, int], base: int) -> Path:
    """One row per box, as Kaggle notebooks write them (image_id, bbox columns, kfold)."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["image_id", "x", "y", "w", "h", "source", "kfold"])
        for box in document["annotations"]:
            image = box["image_id"]
            writer.writerow([image, *box["bbox"], "cam", fold_of[image] + base])
        boxed = {box["image_id"] for box in document["annotations"]}
        for image in document["images"]:  # images without boxes get a row of their own
            if image["id"] not in boxed:
                writer.writerow([image["id"], "", "", "", "", "cam", fold_of[image["id"]] + base])
    return path


def test_a_kaggle_csv_is_adopted_with_every_assignment(tmp_path: Path) -> None:
    document = _dataset(60, seed=11)
    data = _write(tmp_path / "data.json", document)
    fold_of = _fold_by_video(document)
    folds_csv = _kaggle_csv(tmp_path / "train_folds.csv", document, fold_of, base=0)
    out = tmp_path / "adopted"
    run = foldcheck("split", str(data), "--from", str(folds_csv), "--group-by", "video_id",
                    "--out", str(out), "-q")  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert _folds(out / "folds.json") == fold_of
    assert f"{out}: kept {len(fold_of)}, placed 0, moved 0, removed 0" in run.stderr
    manifest = json.loads((out / "folds.json").read_text())
    assert manifest["group_by"] == "video_id" and manifest["k"] == 5
    assert foldcheck("check", str(out), "--select", "FC1,FC2,FC3").returncode == 0


def test_coco_pairs_numbered_from_one_are_adopted_and_said_so(tmp_path: Path) -> None:
    document = _dataset(40, seed=12)
    data = _write(tmp_path / "data.json", document)
    fold_of = _fold_by_video(document, k=4)
    pairs = tmp_path / "cv"
    pairs.mkdir()
    for fold in range(4):
        for side, keep in (("train", lambda f, g=fold: f != g), ("val", lambda f, g=fold: f == g)):
            images = [i for i in document["images"] if keep(fold_of[i["id"]])]
            ids = {i["id"] for i in images}
            boxes = [a for a in document["annotations"] if a["image_id"] in ids]
            _write(pairs / f"{side}_{fold + 1}.json", {**document, "images": images,
                                                        "annotations": boxes})  # fmt: skip
    out = tmp_path / "adopted"
    run = foldcheck("split", str(data), "--from", str(pairs), "--out", str(out), "--export",
                    "coco", "-q")  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert f"note: {pairs} numbers its folds 1..4: read as folds 0..3" in run.stderr
    assert _folds(out / "folds.json") == fold_of
    val0 = json.loads((out / "val_fold0.json").read_text())
    assert val0["images"] == json.loads((pairs / "val_1.json").read_text())["images"]


def test_an_ultralytics_guide_folder_is_adopted_with_every_assignment(tmp_path: Path) -> None:
    data = make_tree(tmp_path / "ds", videos=6, frames=3)
    guide = _guide_layout(tmp_path, data, leak=False)
    out = tmp_path / "adopted"
    run = foldcheck("split", str(data), "--from", str(guide), "--out", str(out), "-q")
    assert run.returncode == 0, run.stderr
    images = sorted((data.parent / "images").rglob("*.jpg"))
    expected = {p.relative_to(data.parent).as_posix(): i % 3 for i, p in enumerate(images)}
    assert _folds(out / "folds.json") == expected
    assert (out / "fold2.yaml").is_file()
    # The guide's folds are kept as they are, balance problems included (reported, not fixed).
    assert "FC401" in run.stderr
    assert foldcheck("check", str(out), "--select", "FC1,FC2,FC3").returncode == 0


def test_a_leak_refuses_adoption_and_repair_moves_exactly_the_minority(tmp_path: Path) -> None:
    document = _dataset(60, seed=13)
    data = _write(tmp_path / "data.json", document)
    fold_of = _fold_by_video(document)
    # The planted leak: two frames of a five-frame-or-longer video put in another fold.
    video = next(v for v in range(60) if sum(i["video_id"] == v for i in document["images"]) >= 5)
    frames = [i["id"] for i in document["images"] if i["video_id"] == video]
    home = fold_of[frames[0]]
    strays = frames[-2:]
    leaky = dict(fold_of)
    for image in strays:
        leaky[image] = (home + 2) % 5
    hole = document["images"][-1]["id"]  # and one image in no fold at all
    del leaky[hole]
    folds_csv = tmp_path / "folds.csv"
    folds_csv.write_text(
        "image_id,fold\n" + "".join(f"{i},{f}\n" for i, f in sorted(leaky.items()))
    )
    out = tmp_path / "adopted"
    args = ["split", str(data), "--from", str(folds_csv), "--group-by", "video_id",
            "--out", str(out), "-q"]  # fmt: skip
    refused = foldcheck(*args)
    assert refused.returncode == 1
    assert "FC101" in refused.stdout and "FC201" in refused.stdout
    assert "not adopted: " in refused.stderr and "nothing written" in refused.stderr
    assert not out.exists()
    repaired = foldcheck(*args, "--repair", "--format", "json")
    assert repaired.returncode == 0, repaired.stderr
    report = json.loads(repaired.stdout)
    assert sorted(report["moved"], key=lambda m: m["image_id"]) == [
        {"image_id": image, "from": (home + 2) % 5, "to": home} for image in sorted(strays)
    ]
    assert report["counts"] == {
        "kept": len(fold_of) - 3, "placed": 1, "moved": 2, "removed": 0,
    }  # fmt: skip
    after = _folds(out / "folds.json")
    assert {image: after[image] for image in leaky} == {
        image: fold_of[image] for image in leaky
    }  # every other image where the CSV had it; the strays back with their video
    assert foldcheck("check", str(out), "--select", "FC1,FC2").returncode == 0
    text = foldcheck(*args, "--repair", "--force")
    assert text.returncode == 0
    for image in strays:
        assert f"moved image {image} from fold {(home + 2) % 5} to fold {home}" in text.stderr


def test_a_yolo_fold_set_beside_its_manifest_is_adopted_from_a_fold_yaml(tmp_path: Path) -> None:
    """Naming fold0.yaml of a foldcheck YOLO set adopts the fold YAMLs (the manifest beside
    them holds the same folds), image for image."""
    data = make_tree(tmp_path / "ds", videos=12, frames=3)
    made = foldcheck("split", str(data), "-k", "3", "--out", str(tmp_path / "folds"), "-q")
    assert made.returncode == 0, made.stderr
    out = tmp_path / "adopted"
    run = foldcheck("split", str(data), "--from", str(tmp_path / "folds" / "fold0.yaml"),
                    "--out", str(out), "-q")  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert _folds(out / "folds.json") == _folds(tmp_path / "folds" / "folds.json")
