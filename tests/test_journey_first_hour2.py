"""A new user's first hour, what issue 21 left: after a YOLO set's folds are made, the
dataset changes (a label file edited, images added or removed) and the commit is refused by
FC301 naming the files that changed, not the data.yaml; the command it prints, run as printed,
updates the folds and the commit passes. The same for a COCO file, where FC301 says which
images came and went and how the annotation count moved. Real git, real pre-commit, real
files, the CLI as a subprocess."""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import commit, hook_folds, real_dataset, run
from tests.conftest import ok as git_ok
from tests.test_journey_first_hour import foldcheck_cli, ok
from tests.test_journey_report_terminal import in_tmux
from tests.yolo_tree import make_tree

RECORD = "folds.fingerprints"


def _fc301(output: str) -> str:
    lines = [line for line in output.splitlines() if ": FC301 " in line]
    assert len(lines) == 1, output
    return lines[0]


def _printed_command(line: str) -> list[str]:
    return shlex.split(line[line.rindex(": foldcheck ") + 2 :])


def _yolo_folds(root: Path) -> Path:
    """A YOLO tree in ``root/data`` (with the YAML's own test: set) split with a held-out set
    and a CSV export into ``root/folds``."""
    make_tree(root / "data", videos=10, frames=3, test_videos=1)
    ok("split", "data/data.yaml", "--holdout", "0.2", "--export", "csv", "--out", "folds", "-q",
       cwd=root)  # fmt: skip
    return root / "folds"


def _relabel(label: Path) -> None:
    label.write_text(label.read_text() + "1 0.5 0.5 0.1 0.1\n")


@pytest.fixture
def yolo_repo(tmp_path: Path, env: dict[str, str]) -> Path:
    """A git repository with a YOLO set and its folds, set up as the README has a user do it
    (foldcheck init, pre-commit install, a first commit that passes)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git_ok(["git", "init", "-q"], repo, env)
    _yolo_folds(repo)
    hook_folds(repo, env)
    return repo


def _the_set(folds: Path) -> set[str]:
    return {path.name for path in folds.iterdir() if not path.name.startswith(".")}


def _repair_and_commit(repo: Path, env: dict[str, str], line: str) -> None:
    """Run FC301's command as printed; the set keeps its files, and the commit passes."""
    before = _the_set(repo / "folds")
    done = run(_printed_command(line), repo, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _the_set(repo / "folds") == before
    passed = commit(repo, env, "folds updated")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_the_hook_names_the_edited_label_file(yolo_repo: Path, env: dict[str, str]) -> None:
    label = sorted((yolo_repo / "data" / "labels" / "train").glob("*.txt"))[2]
    _relabel(label)
    refused = commit(yolo_repo, env, "relabel one image")
    assert refused.returncode != 0
    line = _fc301(refused.stdout + refused.stderr)
    assert f"labels edited in 1 image: data/labels/train/{label.name};" in line, line
    assert "FC301 the dataset data/data.yaml names changed since" in line, line
    assert "itself" not in line, line
    _repair_and_commit(yolo_repo, env, line)


def test_the_hook_names_added_and_removed_images(yolo_repo: Path, env: dict[str, str]) -> None:
    data = yolo_repo / "data"
    source = sorted((data / "images" / "train").glob("*.jpg"))[0]
    shutil.copy(source, data / "images" / "train" / "new_photo.jpg")
    labels = data / "labels" / "train"
    shutil.copy(labels / f"{source.stem}.txt", labels / "new_photo.txt")
    gone = sorted((data / "images" / "val").glob("*.jpg"))[0]
    gone.unlink()
    (data / "labels" / "val" / f"{gone.stem}.txt").unlink()
    refused = commit(yolo_repo, env, "one image in, one out")
    assert refused.returncode != 0
    line = _fc301(refused.stdout + refused.stderr)
    assert "1 image added: data/images/train/new_photo.jpg;" in line, line
    assert f"1 image removed: data/images/val/{gone.name};" in line, line
    assert "labels edited" not in line, line
    _repair_and_commit(yolo_repo, env, line)


def test_many_edits_show_a_few_names_then_a_count(tmp_path: Path) -> None:
    folds = _yolo_folds(tmp_path)
    labels = sorted((tmp_path / "data" / "labels" / "train").glob("*.txt"))[:7]
    for label in labels:
        _relabel(label)
    line = _fc301(foldcheck_cli("check", folds, cwd=tmp_path).stdout)
    named = ", ".join(f"data/labels/train/{label.name}" for label in labels[:3])
    assert f"labels edited in 7 images: {named} and 4 more;" in line, line


def test_the_yaml_itself_is_named_when_it_changed(tmp_path: Path) -> None:
    folds = _yolo_folds(tmp_path)
    data = tmp_path / "data" / "data.yaml"
    data.write_text(data.read_text().replace("person", "pedestrian"))
    line = _fc301(foldcheck_cli("check", folds, cwd=tmp_path).stdout)
    assert "data/data.yaml itself changed;" in line and "labels edited" not in line, line


def test_folds_without_a_record_keep_working_and_update_records_one(tmp_path: Path) -> None:
    """Folds made before the record existed: FC301 as before, with the note that split
    --update records one; that command, run as printed, does, and later edits are named."""
    folds = _yolo_folds(tmp_path)
    (folds / RECORD).unlink()
    assert foldcheck_cli("check", folds, cwd=tmp_path).returncode == 0
    labels = sorted((tmp_path / "data" / "labels" / "train").glob("*.txt"))
    _relabel(labels[0])
    line = _fc301(foldcheck_cli("check", folds, cwd=tmp_path).stdout)
    assert "the dataset data/data.yaml names changed since these folds were made" in line, line
    assert "record no label fingerprints" in line and "split --update records them" in line
    ok(*_printed_command(line)[1:], cwd=tmp_path)
    assert (folds / RECORD).is_file()
    assert foldcheck_cli("check", folds, cwd=tmp_path).returncode == 0
    _relabel(labels[1])
    line = _fc301(foldcheck_cli("check", folds, cwd=tmp_path).stdout)
    assert f"labels edited in 1 image: data/labels/train/{labels[1].name};" in line, line


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[:-1],
        lambda raw: raw.replace(b'"images":', b'"imagez":'),
        lambda raw: b"\xff" * len(raw),
        lambda raw: b"",
    ],
    ids=["truncated", "other-header", "garbage", "empty"],
)
def test_a_record_that_does_not_fit_its_manifest_is_ignored(
    tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    folds = _yolo_folds(tmp_path)
    (folds / RECORD).write_bytes(damage((folds / RECORD).read_bytes()))
    _relabel(sorted((tmp_path / "data" / "labels" / "train").glob("*.txt"))[0])
    done = foldcheck_cli("check", folds, cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "record no label fingerprints" in _fc301(done.stdout)


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(path): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_same_inputs_same_record_and_check_writes_nothing(tmp_path: Path) -> None:
    folds = _yolo_folds(tmp_path)
    again = tmp_path / "again"
    ok("split", "data/data.yaml", "--holdout", "0.2", "--export", "csv", "--out", again, "-q",
       cwd=tmp_path)  # fmt: skip
    for name in (RECORD, "folds.json"):
        assert (folds / name).read_bytes() == (again / name).read_bytes()
    header, _, body = (folds / RECORD).read_bytes().partition(b"\n")
    listed = json.loads((folds / "folds.json").read_text())
    images = sum(map(len, listed["folds"])) + len(listed["holdout"]["images"])
    assert json.loads(header)["images"] == images and len(body) == 4 * images
    _relabel(sorted((tmp_path / "data" / "labels" / "val").glob("*.txt"))[0])
    before = _snapshot(tmp_path)
    assert foldcheck_cli("check", folds, cwd=tmp_path).returncode == 1
    assert _snapshot(tmp_path) == before


def test_a_coco_split_leaves_no_record_and_replaces_a_yolo_one(tmp_path: Path) -> None:
    folds = _yolo_folds(tmp_path)
    assert (folds / RECORD).is_file()
    coco = Path(shutil.copy(real_dataset("chess"), tmp_path / "chess.json"))
    ok("split", coco, "--out", folds, "--force", "-q", cwd=tmp_path)
    assert not (folds / RECORD).exists()


# -- COCO: what the manifest already records says which images came and went ---------------


@pytest.fixture
def chess_folds(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    shutil.copy(real_dataset("chess"), tmp_path / "data" / "train.json")
    ok("split", "data/train.json", "--holdout", "0.2", "--export", "coco,csv", "--out", "folds",
       "-q", cwd=tmp_path)  # fmt: skip
    return tmp_path / "folds"


def _edit_coco(path: Path, change: Callable[[Any], None]) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def _grow_and_shrink(document: dict[str, list[dict[str, object]]]) -> None:
    """Five new photos (one box each) arrive, one photo and its boxes leave."""
    template, box = document["images"][0], document["annotations"][0]
    for n in range(5):
        document["images"].append({**template, "id": 9000 + n, "file_name": f"new{n}.jpg"})
        document["annotations"].append({**box, "id": 90000 + n, "image_id": 9000 + n})
    gone = document["images"].pop(7)["id"]
    document["annotations"] = [a for a in document["annotations"] if a["image_id"] != gone]


def test_coco_fc301_names_images_added_and_removed(chess_folds: Path) -> None:
    root = chess_folds.parent
    dataset = root / "data" / "train.json"
    before = json.loads(dataset.read_text())
    gone = before["images"][7]["id"]
    _edit_coco(dataset, _grow_and_shrink)
    after = json.loads(dataset.read_text())
    line = _fc301(foldcheck_cli("check", chess_folds, cwd=root).stdout)
    added = "new0.jpg (id 9000), new1.jpg (id 9001), new2.jpg (id 9002) and 2 more;"
    assert f"5 images added: {added}" in line, line
    assert f"1 image removed: id {gone};" in line, line
    counts = f"{len(before['annotations']):,} annotations then, {len(after['annotations']):,} now"
    assert counts in line, line
    ok(*_printed_command(line)[1:], cwd=root)
    assert foldcheck_cli("check", chess_folds, cwd=root).returncode == 0


def test_coco_fc301_says_when_only_annotations_were_edited(chess_folds: Path) -> None:
    root = chess_folds.parent

    def move_a_box(document: dict[str, list[dict[str, list[float]]]]) -> None:
        document["annotations"][0]["bbox"][0] += 3

    _edit_coco(root / "data" / "train.json", move_a_box)
    line = _fc301(foldcheck_cli("check", chess_folds, cwd=root).stdout)
    assert "the same images and annotation count: an annotation or other field was edited" in line
    ok(*_printed_command(line)[1:], cwd=root)
    assert foldcheck_cli("check", chess_folds, cwd=root).returncode == 0


# -- the held-out test set as its own column of the balance tables --------------------------


def _balance_json(manifest: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(ok("report", manifest, "--format", "json"))
    return document


def _percent(deviation: float) -> str:
    """As the tables print a deviation: whole percent, signed, rounded first (never -0%)."""
    return f"{round(deviation * 100):+d}%"


def _shown_cells(document: dict[str, Any]) -> list[str]:
    """Each row's name, fold cells and test cell as the terminal shows them ("count
    +deviation"), from the JSON's counts (its rounded deviations could round once more to
    another percent)."""
    images = next(row for row in document["tables"][3]["rows"] if row["name"] == "images")
    share = images["held_out"]["count"] / (images["total"] + images["held_out"]["count"])
    cells = []
    for table in document["tables"]:
        for row in table["rows"]:
            held = row["held_out"]["count"]
            folds = [(count, row["total"] / len(row["counts"])) for count in row["counts"]]
            cells.append(row["name"])
            for count, expected in [*folds, (held, (row["total"] + held) * share)]:
                cells.append(f"{count} {_percent(count / expected - 1 if expected else 0)}")
    return cells


@pytest.mark.parametrize("k", [3, 5, 10])
def test_the_test_column_fits_80_and_120_columns(tmp_path: Path, k: int) -> None:
    """split, check --show-table and report with a held-out set: every fold cell and every
    test cell whole on a real terminal (tmux) 80 and 120 columns wide, none cut."""
    out = tmp_path / "folds"
    split = [sys.executable, "-m", "foldcheck", "split", str(real_dataset("chess")), "-k", str(k)]
    split += ["--holdout", "0.2", "--group-by", r"re:(?i)^(.+)_jpg\.rf\.", "--out", str(out)]
    check = [sys.executable, "-m", "foldcheck", "check", str(out), "--show-table"]
    report = [sys.executable, "-m", "foldcheck", "report", str(out / "folds.json")]
    for width in (80, 120):
        screens = {"split": in_tmux([*split, "--force", "--color", "never"], width, tmp_path)}
        for name, command in (("check --show-table", check), ("report", report)):
            screens[name] = in_tmux([*command, "--color", "never"], width, tmp_path)
        cells = _shown_cells(_balance_json(out / "folds.json"))
        for command, screen in screens.items():
            where = f"{command} at {width} columns, K={k}"
            assert "…" not in screen, f"{where}:\n{screen}"
            assert max(len(line) for line in screen.splitlines()) <= width, where
            assert screen.count(" test ") >= 4, f"{where}: no test column:\n{screen}"
            missing = [cell for cell in cells if cell not in screen]
            assert not missing, f"{where} lacks {missing}:\n{screen}"


def test_the_test_column_counts_what_test_json_holds(chess_folds: Path) -> None:
    """The test column's counts are those of the held-out file a user evaluates on, and its
    deviation is from the test set's share of the images; Markdown shows the same."""
    test = json.loads((chess_folds / "test.json").read_text())
    dataset = json.loads((chess_folds.parent / "data" / "train.json").read_text())
    document = _balance_json(chess_folds)
    share = len(test["images"]) / len(dataset["images"])
    assert document["held_out_share"] == round(share, 4)
    names = {c["id"]: c["name"] for c in test["categories"]}
    boxes = {name: 0 for name in names.values()}
    for annotation in test["annotations"]:
        boxes[names[annotation["category_id"]]] += 1
    rows = {row["name"]: row for row in document["tables"][0]["rows"]}
    assert {name: row["held_out"]["count"] for name, row in rows.items()} == boxes
    for name, row in rows.items():
        expected = (row["total"] + boxes[name]) * share
        assert row["held_out"]["expected"] == round(expected, 3)
        if expected:
            assert row["held_out"]["deviation"] == round(boxes[name] / expected - 1, 4)
    sizes = {row["name"]: row["held_out"]["count"] for row in document["tables"][3]["rows"]}
    assert sizes == {"images": len(test["images"]), "annotations": len(test["annotations"])}
    markdown = ok("report", chess_folds, "--format", "markdown")
    assert "| fold 4 | test | worst |" in markdown
    black_pawn = rows["black-pawn"]["held_out"]
    assert f"| {black_pawn['count']} ({_percent(black_pawn['deviation'])}) |" in markdown


def test_without_a_held_out_set_there_is_no_test_column(tmp_path: Path) -> None:
    data = shutil.copy(real_dataset("chess"), tmp_path / "chess.json")
    ok("split", data, "--out", tmp_path / "folds", "-q")
    document = _balance_json(tmp_path / "folds")
    assert "held_out_share" not in document
    assert all("held_out" not in row for table in document["tables"] for row in table["rows"])
    assert " test " not in ok("report", tmp_path / "folds")
    assert "| test |" not in ok("report", tmp_path / "folds", "--format", "markdown")
