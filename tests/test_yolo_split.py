"""foldcheck split on a YOLO data.yaml: fold YAMLs and lists Ultralytics trains from."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml

from foldcheck.cli import main
from foldcheck.formats.yolo.data_yaml import read_data_yaml
from foldcheck.formats.yolo.images import list_images
from foldcheck.formats.yolo.reader import read_yolo
from tests.yolo_tree import make_tree


def _val_keys(out: Path, k: int, root: Path) -> list[list[str]]:
    """What each fold YAML validates on, resolved by Ultralytics' rules."""
    keys = []
    for fold in range(k):
        data = read_data_yaml(out / f"fold{fold}.yaml")
        keys.append([os.path.relpath(item.path, root) for item in list_images(data.sources["val"])])
    return keys


@pytest.fixture
def tree(tmp_path):
    return make_tree(tmp_path / "ds", videos=20, frames=5, roboflow=True)


def test_fold_yamls_resolve_from_any_folder_and_validate_each_image_once(
    tmp_path, tree, monkeypatch
):
    out = tmp_path / "folds"
    assert (
        main(["split", str(tree), "-k", "4", "--group-by", "roboflow", "--out", str(out), "-q"])
        == 0
    )
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(
        [
            ".gitignore",
            "folds.json",
            "folds.fingerprints",
            *(f"fold{i}{s}" for i in range(4) for s in (".yaml", "_train.txt", "_val.txt")),
        ]
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    root = tree.parent
    val = _val_keys(out, 4, root)
    columns = read_yolo(tree)
    assert Counter(k for fold in val for k in fold) == Counter(columns.keys)
    stem = lambda key: Path(key).name.split(".rf.")[0]  # noqa: E731
    for fold in range(4):
        data = read_data_yaml(out / f"fold{fold}.yaml")
        train = {stem(os.path.relpath(i.path, root)) for i in list_images(data.sources["train"])}
        assert not train & {stem(k) for k in val[fold]}
        assert data.names == columns.data.names
    manifest = json.loads((out / "folds.json").read_text())
    assert manifest["dataset"]["path"] == "../ds/data.yaml"
    assert manifest["folds"][0] == sorted(manifest["folds"][0])
    assert all(isinstance(key, str) for fold in manifest["folds"] for key in fold)


def test_same_inputs_same_bytes(tmp_path, tree):
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        assert main(["split", str(tree), "--group-by", "roboflow", "--out", str(out), "-q"]) == 0
    for name in ("fold0_val.txt", "fold3_train.txt", "folds.json"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes()


def test_classes_are_balanced_like_a_coco_split(tmp_path, tree):
    out = tmp_path / "folds"
    assert (
        main(["split", str(tree), "-k", "5", "--group-by", "roboflow", "--out", str(out), "-q"])
        == 0
    )
    columns = read_yolo(tree)
    fold_of = {}
    for fold, keys in enumerate(_val_keys(out, 5, tree.parent)):
        fold_of.update(dict.fromkeys(keys, fold))
    folds = np.array([fold_of[k] for k in columns.keys])
    counts = np.zeros((5, len(columns.data.names)))
    np.add.at(counts, (folds[columns.ann_image], columns.ann_class), 1)
    share = counts / counts.sum(axis=0)
    assert np.abs(share - 0.2).max() < 0.12


def test_fold_yaml_copies_names_and_other_keys_but_not_download(tmp_path, tree):
    text = tree.read_text() + "download: https://example.com/ds.zip\nchannels: 3\n"
    tree.write_text(text)
    out = tmp_path / "folds"
    assert main(["split", str(tree), "--group-by", "roboflow", "--out", str(out), "-q"]) == 0
    body = yaml.safe_load((out / "fold0.yaml").read_text())
    assert "path" not in body  # Ultralytics' root is then the YAML's folder, wherever it is
    assert (body["train"], body["val"]) == ("fold0_train.txt", "fold0_val.txt")
    assert body["names"] == {0: "car", 1: "person", 2: "bike"}
    assert body["channels"] == 3 and "download" not in body


def test_list_lines_are_relative_to_the_list_inside_and_outside_the_output_folder(tmp_path, tree):
    outside = tmp_path / "folds"
    inside = tree.parent  # the dataset's own root holds the images
    for out in (outside, inside):
        assert main(["split", str(tree), "--group-by", "roboflow", "--out", str(out), "-q"]) == 0
    lines = (outside / "fold0_val.txt").read_text().splitlines()
    assert lines and all(line.startswith("./../ds/images/") for line in lines)
    lines = (inside / "fold0_val.txt").read_text().splitlines()
    assert lines and all(line.startswith("./images/") for line in lines)


def test_coco_export_of_a_yolo_dataset_is_refused(tmp_path, tree, capsys):
    assert main(["split", str(tree), "--export", "coco", "--out", str(tmp_path / "o")]) == 2
    assert "coco" in capsys.readouterr().err
