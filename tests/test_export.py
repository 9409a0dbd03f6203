"""Exports: per-fold COCO files that pycocotools loads, keeping every key and field; CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from foldcheck.cli import main
from tests.conftest import real_dataset

pycocotools_coco = pytest.importorskip("pycocotools.coco")


def _split(dataset: Path, out: Path, *extra: str) -> None:
    assert (
        main(["split", str(dataset), "--out", str(out), "--export", "coco,csv", "-q", *extra]) == 0
    )


def test_pycocotools_loads_every_export_and_folds_partition_the_dataset(tmp_path: Path) -> None:
    source = real_dataset("chess")
    _split(source, tmp_path / "folds", "-k", "4")
    original = json.loads(source.read_text())
    val_ids: list[int] = []
    for fold in range(4):
        train = pycocotools_coco.COCO(str(tmp_path / "folds" / f"train_fold{fold}.json"))
        val = pycocotools_coco.COCO(str(tmp_path / "folds" / f"val_fold{fold}.json"))
        assert not set(train.getImgIds()) & set(val.getImgIds())
        assert len(train.getImgIds()) + len(val.getImgIds()) == len(original["images"])
        assert len(train.getAnnIds()) + len(val.getAnnIds()) == len(original["annotations"])
        # every annotation sits with its image
        for coco in (train, val):
            ids = set(coco.getImgIds())
            assert all(a["image_id"] in ids for a in coco.loadAnns(coco.getAnnIds()))
        val_ids += val.getImgIds()
    assert sorted(val_ids) == sorted(image["id"] for image in original["images"])


def test_exports_keep_top_level_keys_and_record_fields(tmp_path: Path) -> None:
    source = real_dataset("car-damage", "valid")
    _split(source, tmp_path / "folds")
    original = json.loads(source.read_text())
    exported = json.loads((tmp_path / "folds" / "val_fold0.json").read_text())
    assert list(exported) == list(original)
    assert exported["info"] == original["info"] and exported["categories"] == original["categories"]
    by_id = {image["id"]: image for image in original["images"]}
    assert all(image == by_id[image["id"]] for image in exported["images"])
    annotations = {a["id"]: a for a in original["annotations"]}
    assert all(a == annotations[a["id"]] for a in exported["annotations"])


def test_csv_lists_every_image_once_with_its_group_and_fold(tmp_path: Path, sample: Path) -> None:
    _split(sample, tmp_path / "folds", "--group-by", "video_id")
    with (tmp_path / "folds" / "folds.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    images = json.loads(sample.read_text())["images"]
    assert [r["image_id"] for r in rows] == [str(i["id"]) for i in images]
    assert [r["group"] for r in rows] == [str(i["video_id"]) for i in images]
    manifest = json.loads((tmp_path / "folds" / "folds.json").read_text())
    for row in rows:
        assert int(row["image_id"]) in manifest["folds"][int(row["fold"])]


def test_export_command_recreates_the_split_files_byte_for_byte(
    tmp_path: Path, sample: Path
) -> None:
    _split(sample, tmp_path / "a", "--group-by", "video_id")
    assert main(["export", str(tmp_path / "a" / "folds.json"), "--out", str(tmp_path / "b")]) == 0
    for name in ["folds.csv", *(f"{s}_fold{f}.json" for f in range(5) for s in ("train", "val"))]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_export_refuses_a_stale_manifest(
    tmp_path: Path, sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = tmp_path / "data.json"
    dataset.write_bytes(sample.read_bytes())
    _split(dataset, tmp_path / "folds")
    dataset.write_text(dataset.read_text().replace('"iscrowd": 0', '"iscrowd": 1', 1))
    assert main(["export", str(tmp_path / "folds" / "folds.json"), "--force"]) == 2
    assert "changed since these folds were made" in capsys.readouterr().err
