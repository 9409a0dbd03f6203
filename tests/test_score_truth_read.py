"""score (and report --predictions) take the ground truth from the dataset they read once:
the reader's columns and the few fields COCOeval needs, decoded from the mapped file, not a
second parse of the whole file. A file whose annotations have another shape (an iscrowd
written as false) is read the general way. Either way the scores are pycocotools', the
findings are at the same places, and a bad annotation is one line naming its place."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from foldcheck.cli import main
from tests.cocoeval_reference import PYCOCOTOOLS_WARNING, reference_eval
from tests.conftest import SAMPLE, real_dataset
from tests.test_score import (
    STATS,
    _assert_same,
    _score_json,
    _split,
    _write_fold_predictions,
)

pytest.importorskip("pycocotools")
pytestmark = PYCOCOTOOLS_WARNING


def test_real_export_with_ids_from_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Roboflow's chess export (annotation ids from 0): every stat as COCOeval's, and FC609
    at the annotation whose id is 0, in the dataset file."""
    dataset = real_dataset("chess")
    manifest = _split(dataset, tmp_path / "folds")
    gt = json.loads(dataset.read_text())
    per_fold = _write_fold_predictions(gt, manifest["folds"], tmp_path, False, 3)
    code, document = _score_json(
        capsys, str(tmp_path / "folds"), "--predictions", str(tmp_path / "fold{i}/predictions.json")
    )
    assert code == 0
    for index, fold in enumerate(manifest["folds"]):
        reference = reference_eval(gt, per_fold[index], images=fold)
        stats = document["folds"][index]["stats"]
        assert [stats[s] for s in STATS] == pytest.approx(list(reference.stats), abs=1e-12)
    (zero,) = [f for f in document["findings"] if f["code"] == "FC609"]
    assert Path(zero["path"]).resolve() == dataset.resolve()
    lines = dataset.read_text().splitlines()
    line, col = lines[zero["line"] - 1], zero["column"] - 1
    assert line[:col].rstrip().endswith('"id":') and line[col:].startswith("0,")  # the id's 0
    assert gt["annotations"][0]["id"] == 0 and '"annotations"' in "".join(lines[: zero["line"]])


def test_either_way_of_reading_scores_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sample, and the sample with every iscrowd written as false (the general path):
    the same folds, predictions and scores."""
    gt = json.loads(SAMPLE.read_text())
    other = json.loads(SAMPLE.read_text())
    for ann in other["annotations"]:
        ann["iscrowd"] = bool(ann["iscrowd"])
    other_file = tmp_path / "crowd_as_bool.json"
    other_file.write_text(json.dumps(other, indent=1))
    manifest = _split(SAMPLE, tmp_path / "a", "--group-by", "video_id")
    assert (
        _split(other_file, tmp_path / "b", "--group-by", "video_id")["folds"] == manifest["folds"]
    )
    per_fold = _write_fold_predictions(gt, manifest["folds"], tmp_path, False, 8)
    scored = []
    for folds in ("a", "b"):
        code, document = _score_json(
            capsys,
            str(tmp_path / folds),
            "--predictions",
            str(tmp_path / "fold{i}/predictions.json"),
        )
        assert code == 0
        _assert_same(document, gt, manifest["folds"], per_fold, "bbox")
        scored.append(document)
    assert scored[0] == scored[1]


@pytest.mark.parametrize(
    ("edit", "message", "at"),
    [
        (lambda ann: ann.pop("area"), 'an annotation without a numeric "area"', "{"),
        (lambda ann: ann.update(bbox=[1, 2, 3]), 'an annotation whose "bbox" is not four', "["),
    ],
    ids=["no-area", "three-number-bbox"],
)
def test_a_bad_annotation_is_one_line_at_its_place(
    edit: Any, message: str, at: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(SAMPLE.read_text())
    edit(document["annotations"][3])
    dataset = tmp_path / "dataset.json"
    dataset.write_text(json.dumps(document, indent=1))
    _split(dataset, tmp_path / "folds")
    (tmp_path / "none.json").write_text("[]")
    capsys.readouterr()
    code = main(["score", str(tmp_path / "folds"), *[str(tmp_path / "none.json")] * 3])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1
    where = re.match(rf"{re.escape(str(dataset))}:(\d+):(\d+): error: (.*)\n$", err)
    assert where is not None and where[3].startswith(message), err
    line, col = int(where[1]), int(where[2])
    lines = dataset.read_text().splitlines()
    assert lines[line - 1][col - 1 :].removeprefix('"bbox": ').startswith(at)
    fourth = [n for n, text in enumerate(lines) if text.strip().startswith('"image_id"')][3]
    assert fourth - 2 <= line - 1 <= fourth + 6  # the fourth annotation's record
