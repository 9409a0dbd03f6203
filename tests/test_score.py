"""foldcheck score against pycocotools' COCOeval itself, run as a user runs it: folds made by
foldcheck split, predictions made from the ground truth with noise, misses and false
positives, every stat of every fold, the out-of-fold pool and the per-class AP compared."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import foldcheck
from foldcheck.cli import main
from tests.cocoeval_reference import (
    PYCOCOTOOLS_WARNING,
    reference_eval,
    yolo_as_coco,
)
from tests.conftest import SAMPLE, real_dataset
from tests.predictions import noisy_predictions

pytest.importorskip("pycocotools")
pytestmark = PYCOCOTOOLS_WARNING
STATS = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")


def _split(dataset: Path, out: Path, *extra: str) -> dict[str, Any]:
    assert main(["split", str(dataset), "-k", "3", "--out", str(out), "-q", *extra]) == 0
    manifest: dict[str, Any] = json.loads((out / "folds.json").read_text())
    return manifest


def _score_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["score", *args, "--format", "json"])
    out, err = capsys.readouterr()
    assert err == ""
    document: dict[str, Any] = json.loads(out)
    return code, document


def _write_fold_predictions(
    gt: dict[str, Any], folds: list[list[int]], tmp: Path, segm: bool, seed: int
) -> list[list[dict[str, Any]]]:
    rng = np.random.default_rng(seed)
    every = noisy_predictions(gt, rng, segm=segm)
    per_fold = []
    for index, fold in enumerate(folds):
        mine = set(fold)
        predictions = [p for p in every if p["image_id"] in mine]
        per_fold.append(predictions)
        (tmp / f"fold{index}").mkdir()
        (tmp / f"fold{index}" / "predictions.json").write_text(json.dumps(predictions))
    return per_fold


def _assert_same(
    document: dict[str, Any],
    gt: dict[str, Any],
    folds: list[list[int]],
    per_fold: list[list[dict[str, Any]]],
    iou_type: str,
) -> None:
    names = [c["name"] for c in sorted(gt["categories"], key=lambda c: c["id"])]
    for index, fold in enumerate(folds):
        reference = reference_eval(gt, per_fold[index], iou_type, images=fold)
        got = document["folds"][index]
        assert got["images"] == len(fold) and got["predictions"] == len(per_fold[index])
        assert [got["stats"][s] for s in STATS] == pytest.approx(list(reference.stats), abs=1e-12)
        precision = reference.eval["precision"][:, :, :, 0, 2]
        for k, row in enumerate(document["per_class"]):
            defined = precision[:, :, k][precision[:, :, k] > -1]
            want = float(np.mean(defined)) if len(defined) else -1
            assert row["class"] == names[k] and row["AP"][index] == pytest.approx(want, abs=1e-12)
    pooled = [p for fold in per_fold for p in fold]
    everything = sorted({i for fold in folds for i in fold})
    reference = reference_eval(gt, pooled, iou_type, images=everything)
    assert [document["oof"]["stats"][s] for s in STATS] == pytest.approx(
        list(reference.stats), abs=1e-12
    )
    for stat in STATS:
        values = [f["stats"][stat] for f in document["folds"] if f["stats"][stat] != -1]
        assert document["mean"][stat] == pytest.approx(np.mean(values), abs=1e-12)
        assert document["std"][stat] == pytest.approx(np.std(values, ddof=1), abs=1e-12)


def test_coco_folds_score_as_cocoeval(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = _split(SAMPLE, tmp_path / "folds", "--group-by", "video_id")
    gt = json.loads(SAMPLE.read_text())
    per_fold = _write_fold_predictions(gt, manifest["folds"], tmp_path, False, 0)
    code, document = _score_json(
        capsys,
        str(tmp_path / "folds" / "folds.json"),
        "--predictions",
        str(tmp_path / "fold{i}" / "predictions.json"),
    )
    assert code == 0, document["findings"]
    assert document["iou_type"] == "bbox" and document["mapping"] is None
    assert {f["code"] for f in document["findings"]} <= {"FC608"}  # images without predictions
    _assert_same(document, gt, manifest["folds"], per_fold, "bbox")
    # The Python API returns the same data.
    result = foldcheck.score(
        tmp_path / "folds" / "folds.json", str(tmp_path / "fold{i}" / "predictions.json")
    )
    assert result.to_dict() == document
    assert result.folds[1].stats["AP"] == document["folds"][1]["stats"]["AP"]


def test_real_roboflow_masks_score_as_cocoeval(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Real published polygons (car-damage), ids from 0: segm as COCOeval, and FC609 says
    why annotation 0 is never found."""
    dataset = real_dataset("car-damage", "valid")
    manifest = _split(dataset, tmp_path / "folds", "--group-by", "roboflow")
    gt = json.loads(dataset.read_text())
    per_fold = _write_fold_predictions(gt, manifest["folds"], tmp_path, True, 1)
    files = [str(tmp_path / f"fold{i}" / "predictions.json") for i in range(3)]
    code, document = _score_json(
        capsys, str(tmp_path / "folds" / "folds.json"), *files, "--iou-type", "segm"
    )
    assert code == 0
    assert "FC609" in {f["code"] for f in document["findings"]}
    assert document["per_class"][0]["AP"] == [-1, -1, -1]  # the placeholder category
    _assert_same(document, gt, manifest["folds"], per_fold, "segm")


def test_yolo_folds_with_ultralytics_ids_score_as_cocoeval(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--yolo", "--out", str(tmp_path / "demo"), "--color", "never"]) == 0
    capsys.readouterr()
    manifest = json.loads((tmp_path / "demo" / "folds.json").read_text())
    gt, keys = yolo_as_coco(tmp_path / "demo" / "data" / "data.yaml")
    rank = {key: i for i, key in enumerate(keys)}
    folds = [[rank[k] for k in fold] for fold in manifest["folds"]]
    per_fold = _write_fold_predictions(gt, folds, tmp_path, False, 2)
    for index, predictions in enumerate(per_fold):  # as Ultralytics writes them
        written = [
            {**p, "image_id": Path(keys[p["image_id"]]).stem, "category_id": p["category_id"] + 1}
            for p in predictions
        ]
        (tmp_path / f"fold{index}" / "predictions.json").write_text(json.dumps(written))
    code, document = _score_json(
        capsys,
        str(tmp_path / "demo" / "folds.json"),
        "--predictions",
        str(tmp_path / "fold{i}" / "predictions.json"),
    )
    assert code == 0, document["findings"]
    assert "ultralytics" in document["mapping"]
    _assert_same(document, gt, folds, per_fold, "bbox")
    code = main(
        [
            "score",
            str(tmp_path / "demo" / "folds.json"),
            "--predictions",
            str(tmp_path / "fold{i}" / "predictions.json"),
            "--color",
            "never",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "mapped: ultralytics" in out.replace("\n", " ") and "out-of-fold" in out


@pytest.mark.parametrize("per_model", [False, True], ids=["one-file", "one-per-fold-model"])
def test_held_out_test_set_scored_apart(
    per_model: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--test-predictions: the held-out images scored as COCOeval scores them, one file, or
    one per fold model (then "stats" is their mean and "models" each one)."""
    manifest = _split(SAMPLE, tmp_path / "folds", "--group-by", "video_id", "--holdout", "0.2")
    test_ids = manifest["holdout"]["images"]
    gt = json.loads(SAMPLE.read_text())
    _write_fold_predictions(gt, manifest["folds"], tmp_path, False, 4)
    rng = np.random.default_rng(5)
    models = 3 if per_model else 1
    expected = []
    for model in range(models):
        predictions = [p for p in noisy_predictions(gt, rng) if p["image_id"] in set(test_ids)]
        (tmp_path / f"test{model}.json").write_text(json.dumps(predictions))
        expected.append(list(reference_eval(gt, predictions, images=test_ids).stats))
    code, document = _score_json(
        capsys,
        str(tmp_path / "folds" / "folds.json"),
        "--predictions",
        str(tmp_path / "fold{i}" / "predictions.json"),
        "--test-predictions",
        *(str(tmp_path / f"test{m}.json") for m in range(models)),
    )
    assert code == 0, document["findings"]
    test = document["test"]
    assert test["images"] == len(test_ids)
    assert [test["stats"][s] for s in STATS] == pytest.approx(
        list(np.mean(expected, axis=0)), abs=1e-12
    )
    if per_model:
        for model, stats in enumerate(expected):
            got = test["models"][model]["stats"]
            assert [got[s] for s in STATS] == pytest.approx(stats, abs=1e-12)
    # Test images are in no fold: the folds and the out-of-fold pool never score them.
    assert document["oof"]["images"] == sum(len(f) for f in manifest["folds"])
