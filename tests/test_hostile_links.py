"""Issue 20, item 4: links a dataset holds never take foldcheck out of it. A folder linked
into itself is walked once (no hang, no image listed once per turn of the loop), one file
under two names is one image (never in a fold's train and val at once), and a link that
leads out of the dataset is refused in one line naming it, never followed or read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.hostile import assert_refused, foldcheck
from tests.yolo_tree import make_tree


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A YOLO tree of 8 images (4 videos, 2 frames each); its data.yaml."""
    return make_tree(tmp_path / "ds", videos=4, frames=2)


def _images(data: Path) -> list[Path]:
    return sorted(data.parent.glob("images/*/*.jpg"))


def _fold_lists(folds: Path) -> dict[str, list[str]]:
    return {p.name: p.read_text().split() for p in sorted(folds.glob("fold*_*.txt"))}


def test_two_self_links_do_not_hang_validate(dataset: Path, tmp_path: Path) -> None:
    train = dataset.parent / "images" / "train"
    os.symlink(".", train / "again")
    os.symlink("..", train / "up")
    proc = foldcheck("validate", dataset, cwd=tmp_path, timeout=30)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_self_link_lists_each_image_once_and_split_leaks_nothing(
    dataset: Path, tmp_path: Path
) -> None:
    os.symlink(".", dataset.parent / "images" / "train" / "self")
    proc = foldcheck("split", dataset, "-k", "2", "--out", "folds", cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lists = _fold_lists(tmp_path / "folds")
    for fold in (0, 1):
        train, val = lists[f"fold{fold}_train.txt"], lists[f"fold{fold}_val.txt"]
        assert len(train) + len(val) == len(_images(dataset)) == 8
        assert not {os.path.realpath(tmp_path / "folds" / p) for p in train} & {
            os.path.realpath(tmp_path / "folds" / p) for p in val
        }
    assert foldcheck("check", "folds", cwd=tmp_path).returncode == 0


def test_one_image_under_two_names_is_one_image(dataset: Path, tmp_path: Path) -> None:
    first = _images(dataset)[0]
    os.symlink(first.name, first.with_name("copy_" + first.name))
    proc = foldcheck("split", dataset, "-k", "2", "--out", "folds", cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    listed = [p for names in _fold_lists(tmp_path / "folds").values() for p in names]
    real = [os.path.realpath(tmp_path / "folds" / p) for p in listed]
    assert len(real) == 2 * 8  # each image once per fold (train or val), the link not again
    assert real.count(str(first.resolve())) == 2


def test_a_folder_link_out_of_the_dataset_is_refused_in_one_line(
    dataset: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "home" / "photos"
    elsewhere.mkdir(parents=True)
    (elsewhere / "private.jpg").write_bytes(_images(dataset)[0].read_bytes())
    link = dataset.parent / "images" / "train" / "more"
    os.symlink(elsewhere, link)
    for command in ("validate", "split"):
        extra = ["-k", "2", "--out", "folds"] if command == "split" else []
        proc = foldcheck(command, dataset, *extra, cwd=tmp_path)
        assert_refused(proc, f"{link}: error: a link to '{elsewhere}', outside the dataset")
        assert not (tmp_path / "folds").exists()


def test_a_label_file_linked_out_of_the_dataset_is_never_read(
    dataset: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "credentials"
    secret.write_text("AKIASECRETTOKEN 1 2 3 4\n")
    image = _images(dataset)[0]
    label = Path(str(image).replace("/images/", "/labels/")).with_suffix(".txt")
    label.unlink()
    os.symlink(secret, label)
    for command in ("validate", "split"):
        extra = ["-k", "2", "--out", "folds"] if command == "split" else []
        proc = foldcheck(command, dataset, *extra, "--format", "json", cwd=tmp_path)
        assert_refused(proc, f"{label}: error: a link to '{secret}', outside the dataset")
        assert "AKIA" not in proc.stdout + proc.stderr


def test_check_does_not_pass_an_image_in_train_and_val_under_a_second_name(
    dataset: Path, tmp_path: Path
) -> None:
    assert foldcheck("split", dataset, "-k", "2", "--out", "folds", cwd=tmp_path).returncode == 0
    folds = tmp_path / "folds"
    val_line = (folds / "fold0_val.txt").read_text().splitlines()[0]
    image = (folds / val_line).resolve()
    alias = image.with_name("alias.jpg")
    os.symlink(image.name, alias)
    alias_line = val_line.rsplit("/", 1)[0] + "/alias.jpg"
    with (folds / "fold0_train.txt").open("a") as train:
        train.write(alias_line + "\n")
    proc = foldcheck("check", "folds", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FC203" in proc.stdout and "/images/train/alias.jpg' (" in proc.stdout
