"""foldcheck check on YOLO fold sets: foldcheck's fold YAMLs and Ultralytics' guide layout."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from foldcheck.cli import main
from tests.yolo_tree import make_tree


def _split(tmp_path: Path, *extra: str) -> tuple[Path, Path]:
    data = make_tree(tmp_path / "ds", videos=16, frames=4, roboflow=True)
    out = tmp_path / "folds"
    args = ["split", str(data), "-k", "4", "--group-by", "roboflow", "--out", str(out), "-q"]
    assert main([*args, *extra]) == 0
    return data, out


def test_fresh_split_passes_check(tmp_path, capsys):
    _, out = _split(tmp_path)
    assert main(["check", str(out)]) == 0, capsys.readouterr().out


def test_a_manifest_and_its_exports_count_as_one_fold_set(tmp_path, capsys):
    """The summary counts the splits a user made: folds.json with its fold YAMLs is one (it
    said 2), and a second split elsewhere makes two."""
    data, out = _split(tmp_path)
    capsys.readouterr()
    assert main(["check", str(out)]) == 0
    assert capsys.readouterr().out == "All checks passed (1 fold set).\n"
    other = tmp_path / "other"
    assert (
        main(["split", str(data), "-k", "3", "--group-by", "roboflow", "--out", str(other), "-q"])
        == 0
    )
    capsys.readouterr()
    assert main(["check", str(out), str(other / "fold0.yaml")]) == 0
    assert capsys.readouterr().out == "All checks passed (2 fold sets).\n"


def test_planted_leak_in_a_val_list_is_caught_at_its_line(tmp_path, capsys):
    _, out = _split(tmp_path)
    val1 = (out / "fold1_val.txt").read_text().splitlines()
    (out / "fold0_val.txt").write_text((out / "fold0_val.txt").read_text() + val1[0] + "\n")
    capsys.readouterr()
    assert main(["check", str(out / "fold0.yaml"), "--select", "FC1,FC2"]) == 1
    text = capsys.readouterr().out
    lines = len((out / "fold0_val.txt").read_text().splitlines())
    assert "FC103" in text or "FC202" in text
    assert f"fold0_val.txt:{lines}:1:" in text or "fold1_val.txt" in text, text


def test_copies_of_one_photo_on_both_sides_are_a_group_leak(tmp_path, capsys):
    _, out = _split(tmp_path)
    train0 = (out / "fold0_train.txt").read_text().splitlines()
    val0 = (out / "fold0_val.txt").read_text().splitlines()
    photo = Path(val0[0]).name.split(".rf.")[0]
    sibling = next(line for line in val0[1:] if Path(line).name.startswith(photo))
    (out / "fold0_val.txt").write_text("".join(f"{v}\n" for v in val0 if v != sibling))
    (out / "fold0_train.txt").write_text("".join(f"{t}\n" for t in [*train0, sibling]))
    capsys.readouterr()
    assert main(["check", str(out), "--select", "FC102"]) == 1
    assert "FC102" in capsys.readouterr().out


def test_stale_after_a_label_changes(tmp_path, capsys):
    data, out = _split(tmp_path)
    label = sorted((data.parent / "labels").rglob("*.txt"))[0]
    label.write_text(label.read_text() + "1 0.5 0.5 0.1 0.1\n")
    capsys.readouterr()
    assert main(["check", str(out), "--select", "FC301"]) == 1
    assert "FC301" in capsys.readouterr().out


def _guide_layout(tmp_path: Path, data: Path, leak: bool) -> Path:
    """What Ultralytics' K-fold guide writes: split_n/{train,val}/{images,labels} copies."""
    images = sorted((data.parent / "images").rglob("*.jpg"))
    save = data.parent / "2026-12-01_3-Fold_Cross-val"
    for n in range(1, 4):
        split_dir = save / f"split_{n}"
        for i, image in enumerate(images):
            side = "val" if i % 3 == n - 1 else "train"
            if leak and n == 1 and i == 1:
                side = "both"
            for s in ("train", "val") if side == "both" else (side,):
                dest = split_dir / s / "images" / image.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(image, dest)
                label = Path(str(image).replace("/images/", "/labels/")).with_suffix(".txt")
                (split_dir / s / "labels").mkdir(parents=True, exist_ok=True)
                shutil.copy(label, split_dir / s / "labels" / label.name)
        (split_dir / f"split_{n}_dataset.yaml").write_text(
            yaml.safe_dump(
                {
                    "path": split_dir.as_posix(),
                    "train": "train",
                    "val": "val",
                    "names": {0: "car", 1: "person", 2: "bike"},
                }
            )
        )
    return save


def test_guide_layout_is_checked_and_its_copied_leak_found(tmp_path, capsys):
    data = make_tree(tmp_path / "ds", videos=6, frames=3)
    clean = _guide_layout(tmp_path, data, leak=False)
    assert main(["check", str(clean), "--select", "FC1,FC2"]) == 0, capsys.readouterr().out
    shutil.rmtree(clean)
    leaky = _guide_layout(tmp_path, data, leak=True)
    capsys.readouterr()
    assert main(["check", str(leaky), "--select", "FC1,FC2"]) == 1
    assert "FC103" in capsys.readouterr().out
