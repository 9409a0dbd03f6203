"""A user with a YOLO dataset (JPEGs of several sizes, label files, a data.yaml) splits it,
trains a model per fold with Ultralytics, and writes the report with the predictions each
model wrote (`image_id` the file stem, `category_id` the class index + 1), then opens it in a
browser offline: the page's score is `foldcheck score`'s on the same files, to the last
digit, for every fold, the held-out test set and every class."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest

from tests.cocoeval_reference import PYCOCOTOOLS_WARNING, reference_eval, yolo_as_coco
from tests.predictions import noisy_predictions
from tests.test_journey_report_score import STATS, as_shown, assert_row, foldcheck, page_shows_score
from tests.yolo_tree import make_tree

pytest.importorskip("PIL")
pytest.importorskip("pycocotools")
pytestmark = PYCOCOTOOLS_WARNING


class Trained(NamedTuple):
    folds: Path
    test: Path  # the held-out images' predictions
    gt: dict[str, Any]  # the set as COCO, read apart from foldcheck (yolo_as_coco)
    predicted: dict[str, list[dict[str, Any]]]  # "val" (every fold's), "test": in gt's ids
    images: dict[str, list[int]]  # "val", "test": their gt ids


def trained_yolo(tmp_path: Path) -> Trained:
    """The folds of a YOLO set with a held-out test set, and what each fold's model (and
    the model for the test set) wrote, in Ultralytics' ids: predictions.json of each fold's
    validation images, test.json of the held-out images."""
    data = make_tree(
        tmp_path / "ds", videos=24, frames=4, classes=("car", "person", "bike", "truck"), seed=3
    )
    folds = tmp_path / "folds"
    done = foldcheck(
        "split", str(data), "-k", "3", "--group-by", r"re:(v\d+)_", "--holdout", "0.15",
        "--out", str(folds), "-q",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    manifest = json.loads((folds / "folds.json").read_text())
    gt, keys = yolo_as_coco(data)  # read apart from foldcheck: labels and Pillow's sizes
    rank = {key: row for row, key in enumerate(keys)}
    every = noisy_predictions(gt, np.random.default_rng(7))

    def as_ultralytics(predictions: list[dict[str, Any]]) -> str:
        return json.dumps(
            [
                {
                    **p,
                    "image_id": Path(keys[p["image_id"]]).stem,
                    "category_id": p["category_id"] + 1,
                }
                for p in predictions
            ]
        )

    images = {"val": [], "test": [rank[key] for key in manifest["holdout"]["images"]]}
    for fold, keys_of_fold in enumerate(manifest["folds"]):
        run = tmp_path / "runs" / f"fold{fold}"
        run.mkdir(parents=True)
        mine = {rank[key] for key in keys_of_fold}
        (run / "predictions.json").write_text(
            as_ultralytics([p for p in every if p["image_id"] in mine])
        )
        images["val"] += mine
    predicted = {
        part: [p for p in every if p["image_id"] in set(ids)] for part, ids in images.items()
    }
    test = tmp_path / "runs" / "test.json"
    test.write_text(as_ultralytics(predicted["test"]))
    return Trained(folds, test, gt, predicted, images)


def test_the_page_scores_a_yolo_set_as_score_does(tmp_path: Path) -> None:
    trained = trained_yolo(tmp_path)
    folds, test = trained.folds, trained.test
    inputs = [
        "--predictions", str(tmp_path / "runs" / "fold{i}" / "predictions.json"),
        "--test-predictions", str(test),
    ]  # fmt: skip
    page = tmp_path / "report.html"
    done = foldcheck("report", str(folds), "--html", str(page), *inputs)
    assert done.returncode == 0, done.stderr
    scored = foldcheck("score", str(folds), *inputs, "--format", "json")
    assert scored.returncode == 0, scored.stderr
    score: dict[str, Any] = json.loads(scored.stdout)
    assert "ultralytics" in score["mapping"]  # stems and class index + 1 were recognised
    # score's own numbers are pycocotools' on the set read apart (labels, Pillow's sizes)
    for part, stats in (("val", score["oof"]["stats"]), ("test", score["test"]["stats"])):
        reference = reference_eval(trained.gt, trained.predicted[part], images=trained.images[part])
        assert [stats[s] for s in STATS] == pytest.approx(list(reference.stats), abs=1e-12)
    assert score["oof"]["stats"]["AP"] > 0 and score["test"]["images"] > 0

    dom = page_shows_score(page, tmp_path, score)

    per_class = re.search(r'<table class="classap">(.*?)</table>', dom, re.S)
    assert per_class is not None
    class_rows = dict(
        re.findall(r'<tr data-name="([^"]+)"[^>]*><th>[^<]*</th>(.*?)</tr>', per_class[1])
    )
    assert list(class_rows) == ["car", "person", "bike", "truck"]
    assert list(class_rows) == [c["class"] for c in score["per_class"]]
    for c in score["per_class"]:
        assert_row(class_rows[c["class"]], [*c["AP"], c["oof"], c["std"]])
    headline = f"AP {as_shown(score['mean']['AP'])} ± {as_shown(score['std']['AP'])} over 3 folds"
    assert headline in dom
    assert "mapped: ultralytics: image_id is the image&#x27;s file stem" in page.read_text()
