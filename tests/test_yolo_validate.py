"""foldcheck validate data.yaml: every label line Ultralytics rejects, drops or misreads."""

from __future__ import annotations

from pathlib import Path

from foldcheck.cli import main
from tests.yolo_tree import jpeg


def _dataset(root: Path, labels: dict[str, str], extra_yaml: str = "") -> Path:
    for stem, text in labels.items():
        jpeg(root / "images" / "train" / f"{stem}.jpg")
        label = root / "labels" / "train" / f"{stem}.txt"
        label.parent.mkdir(parents=True, exist_ok=True)
        label.write_text(text)
    jpeg(root / "images" / "val" / "v.jpg")
    data = root / "data.yaml"
    data.write_text(f"train: images/train\nval: images/val\nnames: [a, b]\n{extra_yaml}")
    return data


def test_clean_dataset_validates(tmp_path, capsys):
    data = _dataset(tmp_path, {"x": "0 0.5 0.5 0.2 0.2\n1 0.1 0.1 0.1 0.1\n"})
    assert main(["validate", str(data)]) == 0
    assert "All checks passed" in capsys.readouterr().out


def test_each_bad_line_is_named_with_its_code(tmp_path, capsys, monkeypatch):
    data = _dataset(
        tmp_path,
        {
            "cls": "0 0.5 0.5 0.2 0.2\n2 0.5 0.5 0.2 0.2\n",
            "coord": "0 1.2 0.5 0.2 0.2\n",
            "cols": "0 0.5 0.5 0.2\n",
            "nan": "0 0.5 x 0.2 0.2\n",
            "zero": "1 0.5 0.5 0 0.2\n",
            "dup": "0 0.5 0.5 0.2 0.2\n0 0.5 0.5 0.2 0.2\n",
            "mixed": "0 0.1 0.1 0.2 0.1 0.2 0.2\n1 0.5 0.5 0.2 0.2\n",
            "frac": "1.5 0.5 0.5 0.2 0.2\n",
        },
    )
    orphan = tmp_path / "labels" / "train" / "gone.txt"
    orphan.write_text("0 0.5 0.5 0.1 0.1\n")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", str(data)]) == 1
    out = capsys.readouterr().out
    expect = [
        "labels/train/cls.txt:2:1: FC560",
        "labels/train/coord.txt:1:3: FC562",
        "labels/train/cols.txt:1:11: FC563",
        "labels/train/nan.txt:1:7: FC564",
        "labels/train/zero.txt:1:1: FC566",
        "labels/train/dup.txt:2:1: FC567",
        "labels/train/mixed.txt:2:1: FC568",
        "labels/train/frac.txt:1:1: FC561",
        "labels/train/gone.txt: FC569",
    ]
    for line in expect:
        assert line in out, (line, out)


def test_list_problems(tmp_path, capsys, monkeypatch):
    root = tmp_path
    for name in ("a", "b"):
        jpeg(root / "images" / f"{name}.jpg")
    (root / "train.txt").write_text(
        "./images/a.jpg\n./images/a.jpg\nimages/b.jpg\n./images/c.jpg\n"
        "./images/b.jpg \n./images/a.jpg\n"
    )
    (root / "val.txt").write_text("./images/b.jpg\n")
    data = root / "data.yaml"
    data.write_text("train: train.txt\nval: val.txt\nnames: [a]\n")
    monkeypatch.chdir(tmp_path / "images")  # the cwd-relative line resolves nowhere here
    assert main(["validate", str(data)]) == 1
    out = capsys.readouterr().out
    shown = str(root / "train.txt")  # outside the working folder: shown whole
    assert f"{shown}:2:1: FC570" in out
    assert f"{shown}:3:1: FC572" in out
    assert f"{shown}:4:1: FC571" in out
    assert f"{shown}:5:1: FC573" in out


def test_yolo_is_linted_through_the_format_registry(tmp_path):
    from foldcheck.checks.validate import FORMATS, LintedYolo, format_of, lint_file

    data = _dataset(tmp_path, {"x": "2 0.5 0.5 0.2 0.2\n"})
    assert format_of(data) is FORMATS[".yaml"] is FORMATS[".yml"]
    linted = lint_file(data, select=["FC560"])
    assert isinstance(linted, LintedYolo)
    assert [f.code for f in linted.findings()] == ["FC560"]
    assert lint_file(data, ignore=["FC560"]).findings() == []


def test_fix_on_yolo_is_refused_in_one_line_writing_nothing(tmp_path, capsys):
    data = _dataset(tmp_path, {"x": "0 0.5 0.5 0.2 0.2\n0 0.5 0.5 0.2 0.2\n"})
    labels = (tmp_path / "labels" / "train" / "x.txt").read_bytes()
    out = tmp_path / "fixed.yaml"
    for argv in (["--fix", str(out)], ["--in-place"]):
        assert main(["validate", str(data), *argv]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err == (
            f"{data}: error: --fix and --in-place rewrite COCO files only: foldcheck has no"
            " fixes for YOLO label files (correct the lines it reports)\n"
        )
    assert not out.exists()
    assert (tmp_path / "labels" / "train" / "x.txt").read_bytes() == labels
