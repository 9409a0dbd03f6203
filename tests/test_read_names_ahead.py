"""The file names decoded while the forked child reads its half of the annotations: the same
names as a plain parse gives, whether the images come before the annotations (decoded then)
or after them (decoded when asked), and the same files written by split as a read in one
process writes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from foldcheck.cli import main
from foldcheck.formats.coco import forked
from foldcheck.formats.coco.reader import load_dataset

NAMES: list[Any] = ["a.jpg", "dir/été.png", "", 'odd, "quoted".jpg', 17, None, "z" * 300]


def _write(path: Path, images_first: bool) -> Path:
    images = [{"id": 3 + i, "width": 8} for i in range(60)]
    for i, image in enumerate(images):
        name = NAMES[i % len(NAMES)]
        if name is not None:  # no file_name at all
            image["file_name"] = name
    annotations = [
        {"id": j, "image_id": 3 + j % 60, "category_id": 1 + j % 2, "area": 4.0, "iscrowd": 0}
        for j in range(1, 400)
    ]
    arrays: list[tuple[str, Any]] = [("images", images), ("annotations", annotations)]
    document = dict(arrays if images_first else arrays[::-1])
    document["categories"] = [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def _forking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "FORK_BYTES", 0)
    monkeypatch.setattr(forked, "_can_fork", lambda: sys.platform.startswith("linux"))


@pytest.mark.parametrize("images_first", [True, False], ids=["images first", "images last"])
def test_names_are_those_of_a_plain_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, images_first: bool
) -> None:
    _forking(monkeypatch)
    path = _write(tmp_path / "d.json", images_first)
    expected = [str(image.get("file_name", "")) for image in json.loads(path.read_text())["images"]]
    dataset = load_dataset(path)
    assert dataset.file_names == expected
    assert dataset.image_field("file_name") == [
        image.get("file_name") for image in json.loads(path.read_text())["images"]
    ]


@pytest.mark.parametrize("images_first", [True, False], ids=["images first", "images last"])
def test_split_writes_what_a_read_in_one_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, images_first: bool
) -> None:
    path = _write(tmp_path / "d.json", images_first)
    argv = ["split", str(path), "-k", "3", "--export", "csv", "-q", "--out"]
    monkeypatch.setattr(forked, "FORK_BYTES", 1 << 62)  # one process
    assert main([*argv, str(tmp_path / "one")]) == 0
    _forking(monkeypatch)
    assert main([*argv, str(tmp_path / "two")]) == 0
    for name in ("folds.json", "folds.csv"):
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
