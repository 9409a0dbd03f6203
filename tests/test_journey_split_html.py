"""A user splits with `--html FILE` to see the folds just made without a second command: the
page is byte for byte what `foldcheck report OUT/folds.json --html FILE` writes afterwards
(check's findings on the exports included), and a page path that cannot be written, or that
would replace the dataset or a file of the set, is refused before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import real_dataset
from tests.test_evolve_update import foldcheck
from tests.yolo_tree import make_tree


def split_page_and_report_page(tmp_path: Path, dataset: Path, *options: str) -> tuple[str, str]:
    """The page split writes and the one report writes of the same folds, run as a user
    runs them, from one folder with the same spelling of OUT."""
    done = foldcheck("split", str(dataset), "--out", "folds", "--html", "split.html", *options,
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "split.html" in done.stderr.splitlines()[-1]  # named with what split wrote
    again = foldcheck("report", "folds/folds.json", "--html", "report.html", "-q", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    return (tmp_path / "split.html").read_text(), (tmp_path / "report.html").read_text()


def test_the_samples_page_is_reports_with_a_held_out_set_and_groups(
    tmp_path: Path, sample: Path
) -> None:
    split_page, report_page = split_page_and_report_page(
        tmp_path, sample, "-k", "3", "--group-by", "video_id", "--holdout", "0.15", "-q"
    )
    assert split_page == report_page
    assert 'class="heat"' in split_page and "held-out test set" in split_page


def test_findings_on_the_exports_are_on_the_page_as_report_shows_them(
    tmp_path: Path, sample: Path
) -> None:
    """One file name under two ids: FC104 on the manifest and on each export that has both
    sides of a fold, found by check's readers of the exports as report finds them."""
    document = json.loads(sample.read_text())
    document["images"][3]["file_name"] = document["images"][40]["file_name"]
    dataset = tmp_path / "train.json"
    dataset.write_text(json.dumps(document))
    split_page, report_page = split_page_and_report_page(
        tmp_path, dataset, "-k", "5", "--export", "coco,csv"
    )
    assert split_page == report_page
    assert "FC104" in split_page and "val_fold" in split_page and "folds.csv" in split_page


def test_a_real_roboflow_export_gives_the_page_report_gives(tmp_path: Path) -> None:
    split_page, report_page = split_page_and_report_page(
        tmp_path, real_dataset("car-damage"), "-k", "10", "-q"
    )
    assert split_page == report_page


def test_a_yolo_sets_page_is_reports(tmp_path: Path) -> None:
    data = make_tree(tmp_path / "ds", videos=12, frames=3, classes=("car", "person"), seed=1)
    split_page, report_page = split_page_and_report_page(
        tmp_path, data, "-k", "3", "--group-by", r"re:(v\d+)_", "--holdout", "0.2", "-q"
    )
    assert split_page == report_page


@pytest.mark.parametrize(
    ("page", "says"),
    [
        ("a_folder", "is a directory; cannot write a file there"),
        ("a_file/page.html", "a_file is not a folder"),
        ("folds/folds.json", "is a file of the fold set split writes in folds"),
        ("folds/val_fold0.json", "is a file of the fold set split writes in folds"),
        ("train.json", "is the dataset being split"),
        ("old.html", "already exists; pass --force to overwrite"),
    ],
)
def test_a_page_path_split_cannot_use_is_refused_before_anything_is_written(
    tmp_path: Path, sample: Path, page: str, says: str
) -> None:
    dataset = tmp_path / "train.json"
    dataset.write_bytes(sample.read_bytes())
    (tmp_path / "a_folder").mkdir()
    (tmp_path / "a_file").write_text("not a folder")
    (tmp_path / "old.html").write_text("a page the user keeps")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    done = foldcheck("split", "train.json", "--out", "folds", "--html", page, cwd=tmp_path)

    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{page}: error: ") and says in lines[0]
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert dataset.read_bytes() == sample.read_bytes()
    assert (tmp_path / "old.html").read_text() == "a page the user keeps"


def test_force_replaces_an_existing_page(tmp_path: Path, sample: Path) -> None:
    (tmp_path / "old.html").write_text("last week's page")
    done = foldcheck("split", str(sample), "--out", "folds", "--html", "old.html", "--force",
                     "-q", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "old.html").read_text().startswith("<!DOCTYPE html>")


def test_update_with_html_is_refused_with_the_command_that_makes_the_page(
    tmp_path: Path, sample: Path
) -> None:
    """--update keeps the set's own choices: its page comes from report, whose command the
    refusal prints, and which works as printed."""
    assert foldcheck("split", str(sample), "--out", "folds", "-q", cwd=tmp_path).returncode == 0
    done = foldcheck("split", str(sample), "--out", "folds", "--update", "--html", "p.html",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "p.html").exists()
    printed = done.stderr.split("`")[1]
    assert printed == "foldcheck report folds --html p.html"
    ran = foldcheck(*printed.split()[1:], cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "p.html").read_text().startswith("<!DOCTYPE html>")
