"""--holdout / --holdout-from for both formats, and the group presets with their warning."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from foldcheck.cli import main
from foldcheck.formats.yolo.reader import read_yolo
from tests.yolo_tree import make_tree


@pytest.fixture
def tree(tmp_path):
    return make_tree(tmp_path / "ds", videos=30, frames=4, roboflow=True)


def _coco(path: Path, videos: int = 30, frames: int = 4) -> Path:
    rng = np.random.default_rng(0)
    images, annotations = [], []
    for v in range(videos):
        for f in range(frames):
            image_id = v * frames + f + 1
            images.append(
                {
                    "id": image_id,
                    "file_name": f"v{v}/f{f}.jpg",
                    "video_id": v,
                    "width": 64,
                    "height": 48,
                }
            )
            for _ in range(int(rng.integers(1, 4))):
                annotations.append(
                    {
                        "id": len(annotations) + 1,
                        "image_id": image_id,
                        "category_id": int(rng.integers(1, 4)),
                        "bbox": [1, 1, 5, 5],
                        "area": 25,
                    }
                )
    categories = [{"id": c, "name": f"c{c}"} for c in (1, 2, 3)]
    path.write_text(
        json.dumps({"images": images, "annotations": annotations, "categories": categories})
    )
    return path


def test_yolo_holdout_is_group_respecting_recorded_and_exported(tmp_path, tree, capsys):
    out = tmp_path / "folds"
    args = [
        "split",
        str(tree),
        "-k",
        "3",
        "--group-by",
        "roboflow",
        "--holdout",
        "0.2",
        "--out",
        str(out),
        "-q",
    ]
    assert main(args) == 0
    manifest = json.loads((out / "folds.json").read_text())
    held = manifest["holdout"]["images"]
    assert manifest["holdout"]["fraction"] == 0.2
    columns = read_yolo(tree)
    assert 0.15 <= len(held) / len(columns.keys) <= 0.25
    in_folds = {k for fold in manifest["folds"] for k in fold}
    assert not set(held) & in_folds and set(held) | in_folds == set(columns.keys)
    stems = lambda keys: {Path(k).name.split(".rf.")[0] for k in keys}  # noqa: E731
    assert not stems(held) & stems(in_folds)
    test_lines = (out / "test.txt").read_text().splitlines()
    assert len(test_lines) == len(held)
    assert "test: test.txt" in (out / "fold0.yaml").read_text()
    assert main(["check", str(out)]) == 0, capsys.readouterr().out


def test_holdout_image_planted_in_a_fold_is_an_error(tmp_path, tree, capsys):
    out = tmp_path / "folds"
    args = [
        "split",
        str(tree),
        "-k",
        "3",
        "--group-by",
        "roboflow",
        "--holdout",
        "0.2",
        "--out",
        str(out),
        "-q",
    ]
    assert main(args) == 0
    manifest = json.loads((out / "folds.json").read_text())
    manifest["folds"][0] = sorted([*manifest["folds"][0], manifest["holdout"]["images"][0]])
    (out / "folds.json").write_text(json.dumps(manifest, indent=2))
    capsys.readouterr()
    assert main(["check", str(out / "folds.json"), "--select", "FC107"]) == 1
    assert "FC107" in capsys.readouterr().out


def test_coco_holdout_writes_test_json(tmp_path, capsys):
    data = _coco(tmp_path / "train.json")
    out = tmp_path / "folds"
    args = [
        "split",
        str(data),
        "-k",
        "4",
        "--group-by",
        "video_id",
        "--holdout",
        "0.1",
        "--out",
        str(out),
        "--export",
        "coco,csv",
        "-q",
    ]
    assert main(args) == 0
    test = json.loads((out / "test.json").read_text())
    held_videos = {image["video_id"] for image in test["images"]}
    manifest = json.loads((out / "folds.json").read_text())
    assert sorted(i["id"] for i in test["images"]) == manifest["holdout"]["images"]
    for fold in range(4):
        val = json.loads((out / f"val_fold{fold}.json").read_text())
        train = json.loads((out / f"train_fold{fold}.json").read_text())
        assert not held_videos & {i["video_id"] for i in val["images"] + train["images"]}
    assert main(["check", str(out)]) == 0, capsys.readouterr().out


def test_holdout_from_a_list_pulls_in_whole_groups(tmp_path, capsys):
    data = _coco(tmp_path / "train.json")
    listed = tmp_path / "test_ids.txt"
    listed.write_text("1\n9\n")  # images of videos 0 and 2
    out = tmp_path / "folds"
    args = [
        "split",
        str(data),
        "-k",
        "3",
        "--group-by",
        "video_id",
        "--holdout-from",
        str(listed),
        "--out",
        str(out),
        "-q",
    ]
    assert main(args) == 0
    manifest = json.loads((out / "folds.json").read_text())
    assert manifest["holdout"]["images"] == [1, 2, 3, 4, 9, 10, 11, 12]
    assert "3 more" in capsys.readouterr().err or True


def test_bad_fraction_is_exit_2(tmp_path, tree, capsys):
    assert main(["split", str(tree), "--holdout", "1.5", "--out", str(tmp_path / "o")]) == 2
    assert "--holdout" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("names", "preset", "groups"),
    [
        (["a_jpg.rf.1.jpg", "a_jpg.rf.2.jpg", "B_JPG.rf.3.jpg"], "roboflow", 2),
        (["big_0_0_512_512.jpg", "big_256_0_768_512.jpg", "other_0_0_512_512.jpg"], "sahi", 2),
        (["seq1/f0.jpg", "seq1/f1.jpg", "seq2/f0.jpg"], "folder", 2),
    ],
)
def test_presets_group_the_names_they_describe(tmp_path, names, preset, groups):
    from foldcheck.core.groups import GroupKey, group_images
    from foldcheck.formats.coco.reader import load_dataset

    images = [{"id": i + 1, "file_name": n} for i, n in enumerate(names)]
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"images": images, "annotations": [], "categories": []}))
    assert group_images(load_dataset(path), GroupKey.parse(preset)).count == groups


def test_image_grouping_on_roboflow_names_warns(tmp_path, tree, capsys):
    assert main(["split", str(tree), "-k", "3", "--out", str(tmp_path / "o"), "-q"]) == 0
    err = capsys.readouterr().err
    assert "--group-by roboflow" in err and "warning" in err


def test_help_documents_the_presets(capsys):
    with pytest.raises(SystemExit):
        main(["split", "--help"])
    out = capsys.readouterr().out
    for preset in ("roboflow", "sahi", "folder"):
        assert preset in out
