"""Which folders `init --editor` keeps out of Pylance, the watcher and search, for the dataset
layouts people have (real files on disk, read as init reads them)."""

from __future__ import annotations

from pathlib import Path

from foldcheck.repo.init.dataset_folders import dataset_folders
from foldcheck.repo.init.pyproject import Settings
from tests.yolo_tree import make_tree


def settings(dataset: str | None, folds: str = "folds") -> Settings:
    return Settings(folds, dataset, 5, 0, "image", "category", 0.1)


def touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}", encoding="utf-8")


def test_coco_annotations_folder_stands_for_the_dataset_folder(tmp_path: Path) -> None:
    touch(tmp_path / "data" / "coco" / "annotations" / "instances_train2017.json")
    wanted = settings("data/coco/annotations/instances_train2017.json", "cv/folds.json")
    assert dataset_folders(tmp_path, wanted) == ["cv", "data/coco"]


def test_a_coco_file_at_the_top_needs_images_dir(tmp_path: Path) -> None:
    touch(tmp_path / "instances.json")
    assert dataset_folders(tmp_path, settings("instances.json")) == ["folds"]
    images = tmp_path / "raw" / "images"
    assert dataset_folders(tmp_path, settings("instances.json"), images) == ["folds", "raw/images"]


def test_a_roboflow_export_unzipped_at_the_top_gives_each_part(tmp_path: Path) -> None:
    for part in ("train", "valid", "test"):
        touch(tmp_path / part / "_annotations.coco.json")
    (tmp_path / "tests").mkdir()  # code, not a part of the export: never excluded
    wanted = settings("train/_annotations.coco.json")
    assert dataset_folders(tmp_path, wanted) == ["folds", "test", "train", "valid"]


def test_nested_and_outside_folders_are_dropped(tmp_path: Path) -> None:
    touch(tmp_path / "data" / "train.json")
    outside = tmp_path.parent / "elsewhere"
    got = dataset_folders(tmp_path, settings("data/train.json", "data/folds"), outside)
    assert got == ["data"]


def test_a_yolo_root_in_a_folder_is_excluded_whole(tmp_path: Path) -> None:
    make_tree(tmp_path / "data", videos=4, frames=2)
    assert dataset_folders(tmp_path, settings("data/data.yaml")) == ["data", "folds"]


def test_a_yolo_root_at_the_top_gives_its_images_and_labels(tmp_path: Path) -> None:
    make_tree(tmp_path, videos=4, frames=2)
    assert (tmp_path / "data.yaml").is_file() and (tmp_path / "labels").is_dir()
    assert dataset_folders(tmp_path, settings("data.yaml")) == ["folds", "images", "labels"]
