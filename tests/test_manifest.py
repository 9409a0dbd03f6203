"""The manifest: schema-valid, diff-friendly, portable, identical for identical inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from foldcheck.cli import main
from foldcheck.formats.manifest import SCHEMA_ID, read_manifest, schema


def _split(dataset: Path, out: Path, *extra: str) -> Path:
    assert main(["split", str(dataset), "--out", str(out), "-q", *extra]) == 0
    return out / "folds.json"


def test_schema_is_draft_2020_12_with_an_id() -> None:
    Draft202012Validator.check_schema(schema())
    assert schema()["$id"] == SCHEMA_ID


def test_manifest_records_what_made_the_folds(tmp_path: Path, sample: Path) -> None:
    dataset = tmp_path / "data" / "train.json"
    dataset.parent.mkdir()
    dataset.write_bytes(sample.read_bytes())
    path = _split(
        dataset,
        tmp_path / "folds",
        "-k",
        "4",
        "--seed",
        "7",
        "--group-by",
        "video_id",
        "--stratify",
        "images",
        "--tolerance",
        "0.2",
    )
    document = json.loads(path.read_text())
    Draft202012Validator(schema()).validate(document)
    assert document["dataset"]["path"] == "../data/train.json"
    assert document["dataset"]["images"] == 240
    assert (
        document["k"],
        document["seed"],
        document["group_by"],
        document["stratify"],
        document["tolerance"],
    ) == (4, 7, "video_id", "images", 0.2)
    assert all(ids == sorted(ids) for ids in document["folds"])
    manifest = read_manifest(path)
    assert manifest.dataset_file == Path(str(tmp_path / "data" / "train.json"))


def test_one_id_per_line_so_a_moved_image_is_a_two_line_diff(tmp_path: Path, sample: Path) -> None:
    text = _split(sample, tmp_path / "folds").read_text()
    document = json.loads(text)
    lines = text.splitlines()
    for ids in document["folds"]:
        for image_id in ids[:5]:
            assert f"      {image_id}," in lines or f"      {image_id}" in lines


def test_same_inputs_same_bytes(tmp_path: Path, sample: Path) -> None:
    for out in ("a", "b"):
        _split(sample, tmp_path / out, "--group-by", "video_id", "--seed", "5")
        assert main(["export", str(tmp_path / out / "folds.json")]) == 0
    for name in sorted(p.name for p in (tmp_path / "a").iterdir()):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_manifest_failing_its_schema_is_an_input_error_at_the_place(
    tmp_path: Path, sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _split(sample, tmp_path / "folds")
    text = path.read_text()
    lines = text.splitlines()
    target = next(i for i, line in enumerate(lines) if line.strip().rstrip(",").isdigit())
    lines[target] = lines[target].replace(lines[target].strip().rstrip(","), '"x"')
    path.write_text("\n".join(lines))
    capsys.readouterr()
    assert main(["report", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:{target + 1}:7: error: $.folds[0][0]: not a valid fold manifest")
    assert err.count("\n") == 1
