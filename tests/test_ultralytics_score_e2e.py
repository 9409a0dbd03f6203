"""Ultralytics trains a tiny model per fold foldcheck made, writes its predictions.json with
``model.val(save_json=True)``, and ``foldcheck score`` reads all K files (stem ids and class
index + 1, mapped) and agrees with pycocotools' COCOeval on them.

Runs only when FOLDCHECK_ULTRALYTICS_PYTHON names an interpreter with ultralytics installed
(``.ci/run``'s Ultralytics job); training runs there, through ``tests/ultralytics_train_probe.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foldcheck.cli import main
from tests.cocoeval_reference import PYCOCOTOOLS_WARNING, reference_eval, yolo_as_coco
from tests.ultralytics_run import needs_ultralytics, run_in_ultralytics

pytestmark = [needs_ultralytics, PYCOCOTOOLS_WARNING]
PROBE = Path(__file__).with_name("ultralytics_train_probe.py")
STATS = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")


def test_score_reads_what_ultralytics_trained_and_wrote(tmp_path: Path, capsys) -> None:
    pytest.importorskip("pycocotools")
    demo = tmp_path / "demo"
    assert main(["demo", "--yolo", "--out", str(demo), "--color", "never"]) == 0
    capsys.readouterr()
    yamls = sorted(demo.glob("fold*.yaml"))
    out = tmp_path / "predictions"
    out.mkdir()
    run_in_ultralytics(PROBE, tmp_path, out, yamls)

    code = main(
        [
            "score",
            str(demo / "folds.json"),
            "--predictions",
            str(out / "fold{i}.json"),
            "--format",
            "json",
        ]
    )
    document = json.loads(capsys.readouterr().out)
    assert code == 0, document["findings"]
    assert not {f["code"] for f in document["findings"]} & {"FC601", "FC602", "FC603", "FC604"}
    assert document["mapping"].startswith("ultralytics")

    gt, keys = yolo_as_coco(demo / "data" / "data.yaml")
    rank = {Path(key).stem: i for i, key in enumerate(keys)}
    manifest = json.loads((demo / "folds.json").read_text())
    pooled, every = [], []
    for index, fold in enumerate(manifest["folds"]):
        written = json.loads((out / f"fold{index}.json").read_text())
        assert written and all(isinstance(p["image_id"], str) for p in written)  # stems
        predictions = [
            {**p, "image_id": rank[p["image_id"]], "category_id": p["category_id"] - 1}
            for p in written
        ]
        images = [rank[Path(key).stem] for key in fold]
        reference = reference_eval(gt, predictions, images=images)
        got = document["folds"][index]
        assert got["predictions"] == len(written) and got["images"] == len(fold)
        assert [got["stats"][s] for s in STATS] == pytest.approx(list(reference.stats), abs=1e-12)
        pooled += predictions
        every += images
    reference = reference_eval(gt, pooled, images=every)
    assert [document["oof"]["stats"][s] for s in STATS] == pytest.approx(
        list(reference.stats), abs=1e-12
    )
