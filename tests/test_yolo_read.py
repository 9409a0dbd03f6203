"""Reading a YOLO data.yaml by Ultralytics' rules, on real trees (JPEGs made with Pillow)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from foldcheck.cli import main
from foldcheck.errors import InputError
from foldcheck.formats.yolo.image_size import image_size
from foldcheck.formats.yolo.images import label_path
from foldcheck.formats.yolo.labels import parse_labels, read_label_file
from foldcheck.formats.yolo.reader import read_yolo
from tests.yolo_tree import jpeg, make_tree


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_reads_folders_recursively_with_labels_and_sizes(tmp_path):
    data = make_tree(tmp_path / "ds", videos=6, frames=3, test_videos=1)
    columns = read_yolo(data)
    assert len(columns.keys) == 18
    assert all(k.startswith(("images/train/", "images/val/")) for k in columns.keys)
    assert columns.keys == sorted(columns.keys)
    assert columns.test_keys == [f"images/test/v06_f{i}.jpg" for i in range(3)]
    total = sum(
        len([ln for ln in Path(label_path(p)).read_text().splitlines() if ln])
        for p in columns.paths
    )
    assert len(columns.ann_image) == total
    rows = np.unique(columns.ann_image)
    assert not np.isnan(columns.width[rows]).any()
    assert np.isfinite(columns.ann_area).all()


def test_root_is_the_yaml_folder_and_roboflow_dotdot_is_retried(tmp_path):
    root = tmp_path / "export"
    jpeg(root / "train" / "images" / "a_jpg.rf.1.jpg")
    jpeg(root / "valid" / "images" / "b_jpg.rf.2.jpg")
    _write(root / "train" / "labels" / "a_jpg.rf.1.txt", "0 0.5 0.5 0.2 0.2\n")
    data = _write(
        root / "data.yaml", "train: ../train/images\nval: ../valid/images\nnc: 1\nnames: ['x']\n"
    )
    columns = read_yolo(data)
    assert columns.keys == ["train/images/a_jpg.rf.1.jpg", "valid/images/b_jpg.rf.2.jpg"]
    assert columns.ann_image.tolist() == [0]


def test_list_files_dot_slash_lines_are_relative_to_the_list(tmp_path):
    root = tmp_path / "ds"
    for name in ("a", "b", "c"):
        jpeg(root / "images" / f"{name}.jpg")
    _write(root / "labels" / "a.txt", "1 0.5 0.5 0.2 0.2\n")
    _write(root / "train.txt", "./images/a.jpg\n./images/b.jpg\nnotes.md\n")
    _write(root / "val.txt", f"{root}/images/c.jpg\n")
    data = _write(root / "data.yaml", "train: train.txt\nval: [val.txt]\nnames: {0: a, 1: b}\n")
    columns = read_yolo(data)
    assert columns.keys == ["images/a.jpg", "images/b.jpg", "images/c.jpg"]
    assert columns.ann_class.tolist() == [1]


def test_polygons_are_read_as_their_boxes_and_duplicates_dropped():
    labels = parse_labels("0 0.1 0.2 0.5 0.2 0.5 0.6\n0 0.1 0.2 0.5 0.2 0.5 0.6\n")
    assert labels.polygons
    kept = labels.xywh[labels.unique_rows()]
    assert kept.shape == (1, 4) and kept[0].tolist() == pytest.approx([0.3, 0.4, 0.4, 0.4])


def test_image_size_from_headers(tmp_path):
    from PIL import Image

    for fmt, suffix in (
        ("JPEG", "jpg"),
        ("PNG", "png"),
        ("BMP", "bmp"),
        ("GIF", "gif"),
        ("WEBP", "webp"),
    ):
        path = tmp_path / f"x.{suffix}"
        Image.new("RGB", (37, 21)).save(path, fmt)
        assert image_size(path) == (37, 21), fmt
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8\xff")
    assert image_size(tmp_path / "bad.jpg") is None


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("train: a\nval: b\nnames: [x\n", 4, "invalid YAML"),
        ("train: images\nval: images\nnc: 3\nnames: [a, b]\n", 3, "nc is 3 but names has 2"),
        ("train: images\nnames: [a]\n", 1, "'val:' missing"),
        ("train: images\nval: nowhere\nnames: [a]\n", 2, "no such folder or list file"),
        ("train: images\nval: images\nnames: {0: a, 2: b}\n", 3, "class ids must be 0..1"),
    ],
)
def test_bad_yaml_is_one_line_exit_2(tmp_path, capsys, text, line, message):
    jpeg(tmp_path / "images" / "a.jpg")
    data = _write(tmp_path / "data.yaml", text)
    assert main(["split", str(data), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert err.startswith(f"{data}:{line}:") and message in err, err
    assert not (tmp_path / "out").exists()


def test_unreadable_label_line_is_exit_2_at_its_place(tmp_path, capsys):
    data = make_tree(tmp_path / "ds", videos=3, frames=2)
    label = next((tmp_path / "ds" / "labels").rglob("*.txt"))
    label.write_text("0 0.5 0.5 0.1 0.1\n7 0.5 0.5 0.1 0.1\n")
    with pytest.raises(InputError) as caught:
        read_yolo(data)
    assert str(caught.value).startswith(f"{label}:2:1: error: class 7")


def test_a_label_file_that_is_not_a_regular_file_is_refused_without_reading(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "a.txt"
    os.mkfifo(fifo)  # opened blocking, this read would wait for a writer forever
    with pytest.raises(InputError, match="is a FIFO"):
        read_label_file(str(fifo), tmp_path)
    (tmp_path / "b.txt").mkdir()
    with pytest.raises(InputError, match="is a directory"):
        read_label_file(str(tmp_path / "b.txt"), tmp_path)
    assert read_label_file(str(tmp_path / "missing.txt"), tmp_path) is None
    assert read_label_file(str(tmp_path / "no-such-folder" / "c.txt"), tmp_path) is None
    (tmp_path / "d.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    labels = read_label_file(str(tmp_path / "d.txt"), tmp_path)
    assert labels is not None and labels.cls.tolist() == [0.0]


def test_an_image_that_is_not_a_regular_file_is_refused_before_its_header_is_read(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "a.jpg"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="is a FIFO"):
        image_size(fifo)
    assert image_size(tmp_path / "missing.jpg") is None
    jpeg(tmp_path / "b.jpg", 32, 24)
    assert image_size(tmp_path / "b.jpg") == (32, 24)
