"""Ultralytics itself loads every fold YAML foldcheck writes and sees what foldcheck counted.

Runs only when FOLDCHECK_ULTRALYTICS_PYTHON names an interpreter with ultralytics installed
(``.ci/run``'s Ultralytics job makes one outside the clone); the loader runs in that
interpreter, from another working folder, through ``tests/ultralytics_probe.py``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from foldcheck.cli import main
from foldcheck.formats.yolo.reader import read_yolo
from tests.ultralytics_run import needs_ultralytics, run_in_ultralytics
from tests.yolo_tree import make_tree

pytestmark = needs_ultralytics
PROBE = Path(__file__).with_name("ultralytics_probe.py")
TRAIN = Path(__file__).with_name("ultralytics_train.py")
FOLDCHECK = str(Path(sys.executable).with_name("foldcheck"))


def _probe(tmp_path: Path, yamls: list[Path]) -> dict[str, Any]:
    out = tmp_path / "probe.json"
    run_in_ultralytics(PROBE, tmp_path, out, yamls)
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def _sorted(boxes: object) -> np.ndarray:
    """Boxes (cx, cy, w, h) in a fixed order; Ultralytics' float32 passes differ by ~1e-5."""
    table = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return table[np.lexsort(np.round(table, 3).T[::-1])]


@pytest.mark.parametrize("holdout", [False, True])
def test_ultralytics_loads_every_fold_as_foldcheck_counted(tmp_path, monkeypatch, holdout):
    data = make_tree(tmp_path / "ds", videos=15, frames=4, roboflow=True)
    out = tmp_path / "folds"
    monkeypatch.chdir(tmp_path)
    args = ["split", str(data), "-k", "3", "--group-by", "roboflow", "--out", str(out), "-q"]
    assert main(args + (["--holdout", "0.2"] if holdout else [])) == 0
    yamls = sorted(out.glob("fold*.yaml"))
    assert len(yamls) == 3
    report = _probe(tmp_path, yamls)

    columns = read_yolo(data)
    path_of = {
        str(Path(p).resolve()): key for p, key in zip(columns.paths, columns.keys, strict=True)
    }
    boxes_of: Counter[str] = Counter(columns.keys[i] for i in columns.ann_image.tolist())
    val_seen: Counter[str] = Counter()
    test_keys: set[str] = set()
    for yaml_path in yamls:
        sides = report[str(yaml_path)]
        names = {int(k): v for k, v in sides["names"].items()}  # JSON keys are strings
        assert names == dict(enumerate(columns.data.names))
        keys = {}
        for split in ("train", "val") + (("test",) if holdout else ()):
            seen = sides[split]
            keys[split] = [path_of[str(Path(str(im)).resolve())] for im, _, _ in seen]
            assert len(set(keys[split])) == len(keys[split])
            for (_, classes, boxes), key in zip(seen, keys[split], strict=True):
                assert len(classes) == boxes_of[key], key
                rows = np.flatnonzero(np.asarray(columns.keys)[columns.ann_image] == key)
                assert np.allclose(_sorted(boxes), _sorted(columns.ann_xywh[rows]), atol=1e-4)
        assert not set(keys["train"]) & set(keys["val"])
        val_seen.update(keys["val"])
        if holdout:
            test_keys = set(keys["test"])
            assert not test_keys & (set(keys["train"]) | set(keys["val"]))
        assert len(keys["train"]) + len(keys["val"]) + len(test_keys) == len(columns.keys)
    # Every image is validated exactly once, bar the held-out ones, validated never.
    assert set(val_seen.values()) == {1}
    assert set(val_seen) | test_keys == set(columns.keys)
    # Groups (one photo's Roboflow copies) never straddle train and val.
    stem = {key: Path(key).name.split(".rf.")[0] for key in columns.keys}
    for yaml_path in yamls:
        sides = report[str(yaml_path)]
        val_stems = {stem[path_of[str(Path(str(im)).resolve())]] for im, _, _ in sides["val"]}
        train_stems = {stem[path_of[str(Path(str(im)).resolve())]] for im, _, _ in sides["train"]}
        assert not val_stems & train_stems


def _movable_tree(root: Path) -> Path:
    """A dataset with its own test split and, like a Roboflow export, no ``path:``: the
    data.yaml's folder is its root wherever the tree goes."""
    data = make_tree(root, videos=12, frames=4, roboflow=True, test_videos=2)
    body = yaml.safe_load(data.read_text())
    del body["path"]
    data.write_text(yaml.safe_dump(body, sort_keys=False))
    return data


@pytest.mark.parametrize("holdout", [False, True])
def test_ultralytics_trains_from_a_moved_copy_of_dataset_and_folds(tmp_path, holdout):
    """A teammate clones the repository elsewhere: the dataset and the folds move together, and
    Ultralytics loads every fold YAML and trains an epoch from the moved copy."""
    project = tmp_path / "project"
    data = _movable_tree(project / "data")
    split = ["split", str(data), "-k", "3", "--group-by", "roboflow", "--out", "folds", "-q"]
    done = subprocess.run(
        [FOLDCHECK, *split, *(["--holdout", "0.2"] if holdout else [])], cwd=project
    )
    assert done.returncode == 0
    moved = tmp_path / "clone" / "elsewhere"
    moved.parent.mkdir()
    shutil.move(project, moved)  # nothing is left where the split ran
    folds = moved / "folds"
    yamls = sorted(folds.glob("fold*.yaml"))
    report = _probe(tmp_path, yamls)

    root = (moved / "data").resolve()
    every = {p.relative_to(root).as_posix() for p in root.glob("images/*/*.jpg")}
    own_test = {key for key in every if key.startswith("images/test/")}
    for yaml_path in yamls:
        sides = report[str(yaml_path)]
        seen = {
            split: {Path(str(im)).resolve().relative_to(root).as_posix() for im, _, _ in rows}
            for split, rows in sides.items()
            if split != "names"
        }
        assert seen["train"] | seen["val"] | seen["test"] == every
        assert not seen["train"] & seen["val"]
        assert not seen["test"] & (seen["train"] | seen["val"])
        # The dataset's own test split is kept, beside the held-out images if any.
        assert (seen["test"] == own_test) if not holdout else (seen["test"] > own_test)

    out = tmp_path / "train.json"
    run_in_ultralytics(TRAIN, tmp_path, out, yamls[:1])
    epoch = json.loads(out.read_text())
    assert epoch["epochs_done"] == 1
    train0 = report[str(yamls[0])]["train"]
    assert len(epoch["train"]) == len(train0) > 0
    assert all(Path(im).resolve().is_relative_to(moved.resolve()) for im in epoch["train"])

    checked = subprocess.run(
        [FOLDCHECK, "check", "folds"], cwd=moved, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
