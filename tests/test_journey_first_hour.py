"""A new user's first hour (issue 21, items 1-7), end to end: the real Roboflow exports in
../shared/data/real, the CLI as a subprocess, real git and pre-commit, files read back the
way the tools users train with read them. Each test states the promise it holds."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import foldcheck
from tests.conftest import BIN, commit, copy_of, hook_folds, real_dataset, run


def foldcheck_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [str(BIN / "foldcheck"), *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def ok(*args: str | Path, cwd: Path | None = None) -> str:
    done = foldcheck_cli(*args, cwd=cwd)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def copied(name: str, part: str, where: Path) -> Path:
    """A real export copied into the test's folder (split records its path and hash)."""
    where.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(real_dataset(name, part), where / f"{part}.json"))


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


# -- 2. a held-out test image is on no training side, under the idioms users write ----------


@pytest.fixture(scope="module")
def chess_holdout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`split --holdout 0.2 --export coco,csv` of the real chess export: the folds folder."""
    root = tmp_path_factory.mktemp("holdout")
    data = copied("chess", "train", root / "data")
    ok("split", data, "--holdout", "0.2", "--export", "coco,csv", "--out", root / "folds", "-q")
    return root / "folds"


def test_kaggle_idiom_never_trains_on_the_test_set(chess_holdout: Path) -> None:
    """`train = df[df.fold != f]` over folds.csv (what pandas does, row by row) holds no test
    image for any fold; the test images are in holdout.csv, and all images are in one of them."""
    rows = csv_rows(chess_holdout / "folds.csv")
    test = {row["image_id"] for row in csv_rows(chess_holdout / "holdout.csv")}
    manifest = json.loads((chess_holdout / "folds.json").read_text())
    assert test == {str(i) for i in manifest["holdout"]["images"]} and test
    folds = sorted({row["fold"] for row in rows})
    assert folds == [str(f) for f in range(5)]
    for fold in folds:
        train = {row["image_id"] for row in rows if row["fold"] != fold}
        assert not train & test
    every = {
        image["id"]
        for image in json.loads(Path(manifest_dataset(chess_holdout)).read_text())["images"]
    }
    assert {int(row["image_id"]) for row in rows} | {int(i) for i in test} == every


def manifest_dataset(folds: Path) -> Path:
    manifest = json.loads((folds / "folds.json").read_text())
    return (folds / manifest["dataset"]["path"]).resolve()


def test_api_idiom_never_trains_on_the_test_set() -> None:
    """`image_ids[fold_of_image != f]` is fold f's training set and holds no test image; the
    dataset-wide idiom fails loudly instead of training on the test set."""
    result = foldcheck.split(real_dataset("chess"), holdout=0.2)
    test = set(result.holdout_ids.tolist())
    assert len(test) > 0
    assert len(result.fold_of_image) == len(result.image_ids) == result.dataset.n_images - len(test)
    for fold in range(result.k):
        train = set(result.image_ids[result.fold_of_image != fold].tolist())
        val = set(result.image_ids[result.fold_of_image == fold].tolist())
        assert not train & test and not val & test and not train & val
        assert sorted(val) == sorted(result.val_image_ids(fold).tolist())
    with pytest.raises(IndexError):
        result.dataset.image_ids[result.fold_of_image != 0]


def test_check_judges_its_own_csv(chess_holdout: Path) -> None:
    """`check folds.csv --dataset train.json` passes on the CSV split wrote (no FC201 for the
    test images), and a test image put in a fold is caught."""
    dataset = manifest_dataset(chess_holdout)
    out = ok("check", chess_holdout / "folds.csv", "--dataset", dataset)
    assert "FC201" not in out
    broken = chess_holdout.parent / "broken"
    broken.mkdir()
    held = csv_rows(chess_holdout / "holdout.csv")
    shutil.copy(chess_holdout / "holdout.csv", broken / "holdout.csv")
    lines = (chess_holdout / "folds.csv").read_text().splitlines()
    lines.append(f"{held[0]['image_id']},{held[0]['file_name']},{held[0]['group']},0")
    (broken / "folds.csv").write_text("\n".join(lines) + "\n")
    done = foldcheck_cli("check", broken / "folds.csv", "--dataset", dataset, "--select", "FC1,FC2")
    assert done.returncode == 1 and "FC107" in done.stdout, done.stdout + done.stderr


def test_old_csv_with_fold_minus_one_is_refused_with_the_way_out(chess_holdout: Path) -> None:
    """A folds.csv of the old format (test images as fold -1) is one line at its place, exit
    2, with the command that regenerates it; that command, run as printed, works."""
    old = chess_holdout.parent / "old"
    shutil.copytree(chess_holdout, old)
    held = csv_rows(old / "holdout.csv")
    (old / "holdout.csv").unlink()
    with (old / "folds.csv").open("a") as handle:
        for row in held:
            handle.write(f"{row['image_id']},{row['file_name']},{row['group']},-1\n")
    done = foldcheck_cli("check", old / "folds.csv")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    line = done.stderr.strip()
    assert len(line.splitlines()) == 1 and f"{old / 'folds.csv'}:" in line and "fold -1" in line
    command = line.split("`")[-2]
    assert command.startswith("foldcheck export ")
    ok(*command.split()[1:])
    ok("check", old / "folds.csv")
    assert len(csv_rows(old / "holdout.csv")) == len(held)


# -- 3. every format but the text carries every finding; summaries count what was found -----


def _summary_counts(text: str) -> tuple[int, int]:
    words = text.split("Found ")[1].split()
    return int(words[0]), int(words[3])


def test_machine_formats_carry_every_check_finding(chess_holdout: Path, tmp_path: Path) -> None:
    """A CSV that leaves 60 images out: 60 FC201 errors in JSON, GitHub annotations and
    Markdown, 20 and a count of the rest in the text, and every summary says 60."""
    rows = (chess_holdout / "folds.csv").read_text().splitlines()
    (tmp_path / "folds.csv").write_text("\n".join(rows[:-60]) + "\n")
    shutil.copy(chess_holdout / "holdout.csv", tmp_path / "holdout.csv")
    base = ("check", tmp_path / "folds.csv", "--dataset", manifest_dataset(chess_holdout))
    base += ("--select", "FC201")
    text = foldcheck_cli(*base)
    assert text.returncode == 1
    assert text.stdout.count(": FC201 ") == 21 and "... and 40 more FC201" in text.stdout
    assert _summary_counts(text.stdout) == (60, 0)
    document = json.loads(foldcheck_cli(*base, "--format", "json").stdout)
    assert len(document["findings"]) == 60 and _summary_counts(document["summary"]) == (60, 0)
    assert len({(f["line"], f["message"]) for f in document["findings"]}) == 60
    github = foldcheck_cli(*base, "--format", "github").stdout
    assert github.count("::error ") == 60
    markdown = foldcheck_cli(*base, "--format", "markdown").stdout
    assert markdown.count("| FC201 ") == 60 and _summary_counts(markdown) == (60, 0)


def test_machine_formats_carry_every_validate_finding(tmp_path: Path) -> None:
    """validate: 30 boxes outside their image are 30 findings in JSON, and 30 in the text's
    summary, though the text shows 20."""
    images = [{"id": i, "file_name": f"{i}.jpg", "width": 10, "height": 10} for i in range(30)]
    annotations = [
        {"id": i, "image_id": i, "category_id": 1, "bbox": [50, 50, 5, 5], "area": 25, "iscrowd": 0}
        for i in range(30)
    ]
    document = {
        "images": images,
        "annotations": annotations,
        "categories": [{"id": 1, "name": "a"}],
    }
    path = tmp_path / "annotations.json"
    path.write_text(json.dumps(document))
    text = foldcheck_cli("validate", path)
    codes = {line.split()[1] for line in text.stdout.splitlines() if line.startswith(str(path))}
    assert text.returncode == 1 and codes
    found = json.loads(foldcheck_cli("validate", path, "--format", "json").stdout)
    for code in codes:
        every = [f for f in found["findings"] if f["code"] == code]
        assert len(every) in (30, 1), (code, len(every))  # per box, or one for the file
    assert _summary_counts(found["summary"]) == _summary_counts(text.stdout)
    errors = sum(f["severity"] == "error" for f in found["findings"])
    assert _summary_counts(text.stdout)[0] == errors >= 30


# -- 1. the hook checks every fold file a commit can change --------------------------------


@pytest.fixture(scope="module")
def hooked_repo(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    """The README's start: split the real chess export with COCO and CSV exports, `foldcheck
    init`, `pre-commit install`, a first commit that passes."""
    repo = tmp_path_factory.mktemp("hooked") / "repo"
    copied("chess", "train", repo / "data")
    assert run(["git", "init", "-q"], repo, env).returncode == 0
    ok("split", "data/train.json", "--export", "coco,csv", "--out", "folds", "-q", cwd=repo)
    hook_folds(repo, env)
    return repo


@pytest.fixture
def user_repo(hooked_repo: Path, tmp_path: Path) -> Path:
    return copy_of(hooked_repo, tmp_path)


def _leak_into_train(folds: Path) -> None:
    """Copy one image of val_fold0.json (with its annotations) into train_fold0.json."""
    val = json.loads((folds / "val_fold0.json").read_text())
    train = json.loads((folds / "train_fold0.json").read_text())
    image = val["images"][0]
    train["images"].append(image)
    train["annotations"] += [a for a in val["annotations"] if a["image_id"] == image["id"]]
    (folds / "train_fold0.json").write_text(json.dumps(train))


def _csv_moves_an_image(folds: Path) -> None:
    """Give the first row of folds.csv another fold than the manifest's."""
    lines = (folds / "folds.csv").read_text().splitlines()
    cells = lines[1].split(",")
    cells[-1] = str((int(cells[-1]) + 1) % 5)
    lines[1] = ",".join(cells)
    (folds / "folds.csv").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("edit", "code"),
    [(_leak_into_train, "FC103"), (_csv_moves_an_image, "FC304")],
    ids=["coco-export-leak", "csv-disagrees"],
)
def test_hook_rejects_a_broken_export(
    user_repo: Path, env: dict[str, str], edit: object, code: str
) -> None:
    """An export edited so that it leaks or disagrees with the manifest cannot be committed,
    and `check folds/folds.json` (what [tool.foldcheck] names) says why, as `check folds/`."""
    assert callable(edit)
    edit(user_repo / "folds")
    rejected = commit(user_repo, env, "edit an export")
    assert rejected.returncode != 0, rejected.stdout
    assert code in rejected.stdout + rejected.stderr
    by_manifest = foldcheck_cli("check", "folds/folds.json", cwd=user_repo)
    by_folder = foldcheck_cli("check", "folds", cwd=user_repo)
    assert by_manifest.returncode == by_folder.returncode == 1
    assert code in by_manifest.stdout and by_manifest.stdout == by_folder.stdout


# -- 4. image identity across COCO files follows what the files support ---------------------


def test_roboflow_train_and_valid_are_not_a_false_leak() -> None:
    """Roboflow numbers each file's images from 0: train.json against valid.json has no
    leak, and the output says the images were matched by file name."""
    train, valid = real_dataset("chess", "train"), real_dataset("chess", "valid")
    done = foldcheck_cli("check", "--train", train, "--val", valid, "--select", "FC1")
    assert done.returncode == 0, done.stdout
    assert "FC103" not in done.stdout and "All checks passed" in done.stdout
    assert "matched by file name" in done.stderr and "independently" in done.stderr


def test_a_file_name_shared_by_roboflow_files_is_still_a_leak(tmp_path: Path) -> None:
    """One train photo uploaded again into valid.json under valid's next id: FC103, naming
    the file, and nothing else."""
    train = json.loads(real_dataset("chess", "train").read_text())
    valid = json.loads(real_dataset("chess", "valid").read_text())
    again = {**train["images"][5], "id": max(image["id"] for image in valid["images"]) + 1}
    valid["images"].append(again)
    (tmp_path / "train.json").write_text(json.dumps(train))
    (tmp_path / "valid.json").write_text(json.dumps(valid))
    done = foldcheck_cli(
        "check",
        "--train",
        tmp_path / "train.json",
        "--val",
        tmp_path / "valid.json",
        "--select",
        "FC1",
    )
    assert done.returncode == 1
    leaks = [line for line in done.stdout.splitlines() if ": FC1" in line]
    assert len(leaks) == 1 and "FC103" in leaks[0] and repr(again["file_name"]) in leaks[0]


def test_foldcheck_exports_are_matched_by_id(chess_holdout: Path) -> None:
    """Files cut from one dataset share its ids: no note, a copied image is FC103 by id."""
    done = foldcheck_cli("check", chess_holdout)
    assert done.returncode == 0 and "matched by file name" not in done.stderr


# -- 6. check judges the groups split made ---------------------------------------------------


def test_split_with_near_duplicate_groups_then_check_is_clean(tmp_path: Path) -> None:
    """The chess export with its photos drawn as groups of near-identical copies (a burst of
    shots): `split --group-near-duplicates` keeps each group in one fold, and `check` judges
    the same groups: no balance error, on the manifest or on its exports."""
    from PIL import ImageEnhance

    from foldcheck.images.synth import scene

    data = copied("chess", "train", tmp_path / "data")
    images = tmp_path / "data" / "images"
    images.mkdir()
    names = [image["file_name"] for image in json.loads(data.read_text())["images"]]
    for index, name in enumerate(names):
        shot = ImageEnhance.Brightness(scene(index // 7, 160, 120)).enhance(1 + index % 7 / 50)
        shot.save(images / name, quality=90)
    out = tmp_path / "folds"
    ok(
        "split",
        data,
        "--images-dir",
        images,
        "--group-near-duplicates",
        "--export",
        "coco",
        "--out",
        out,
        "-q",
    )
    manifest = json.loads((out / "folds.json").read_text())
    assert manifest["near_duplicates"]["pairs"] > 0
    done = foldcheck_cli("check", out / "folds.json")
    assert done.returncode == 0, done.stdout
    assert "FC4" not in done.stdout


# -- 5. every suggested fix, run as printed, repairs and keeps the whole set ----------------


def _suggested(output: str, code: str) -> list[str]:
    """The command a finding of ``code`` suggests, split as a shell would."""
    import shlex

    line = next(line for line in output.splitlines() if f": {code} " in line)
    return shlex.split(line[line.rindex(": foldcheck ") + 2 :])


def _the_set(folds: Path) -> set[str]:
    return {path.name for path in folds.iterdir() if not path.name.startswith(".")}


def _drop_an_annotation(path: Path) -> None:
    document = json.loads(path.read_text())
    document["annotations"].pop()
    path.write_text(json.dumps(document))


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (lambda root: _drop_an_annotation(root / "folds" / "train_fold0.json"), "FC303"),
        (lambda root: _csv_moves_an_image(root / "folds"), "FC304"),
        (lambda root: _drop_an_annotation(root / "data" / "train.json"), "FC301"),
    ],
    ids=["export-edited", "csv-moved", "dataset-changed"],
)
def test_each_suggested_fix_repairs_and_keeps_the_set(
    chess_holdout: Path, tmp_path: Path, edit: object, code: str
) -> None:
    """After an export is edited, or the dataset changes, the finding's command, run as
    printed, makes `check` pass, and the set keeps its held-out test set and every export."""
    root = tmp_path / "project"
    shutil.copytree(chess_holdout.parent, root)
    folds = root / "folds"
    before, held = _the_set(folds), json.loads((folds / "folds.json").read_text())["holdout"]
    assert callable(edit)
    edit(root)
    found = foldcheck_cli("check", folds)
    assert found.returncode == 1 and f": {code} " in found.stdout, found.stdout
    command = _suggested(found.stdout, code)
    assert command[0] == "foldcheck"
    ok(*command[1:], cwd=root)
    assert foldcheck_cli("check", folds).returncode == 0
    assert _the_set(folds) == before
    after = json.loads((folds / "folds.json").read_text())["holdout"]
    assert after["fraction"] == held["fraction"] and after["images"]
    assert len(csv_rows(folds / "holdout.csv")) == len(after["images"])


# -- 7. messages a user can act on ----------------------------------------------------------


def test_balance_table_shows_each_rows_allowance(chess_holdout: Path) -> None:
    """A cell far off in percent but within its row's allowance is explained on screen: the
    table has the allowance column, and every row's allowance is the JSON's."""
    text = ok("report", chess_holdout)
    assert "allowed" in text and "one group's worth" in text
    document = json.loads(ok("report", chess_holdout, "--format", "json"))
    first = document["tables"][0]["rows"][2] if "tables" in document else None
    if first is not None:
        assert f"±{first['allowed_deviation']:.1f}".replace(".0", "") in text


def test_report_takes_a_folder_and_quiet_prints_no_table(chess_holdout: Path) -> None:
    assert "fold 0" in ok("report", chess_holdout)
    done = foldcheck_cli("report", chess_holdout, "-q")
    assert done.returncode == 0 and done.stdout == ""


def test_one_image_in_five_folds_is_one_fc202_line(chess_holdout: Path, tmp_path: Path) -> None:
    rows = (chess_holdout / "folds.csv").read_text().splitlines()
    first = rows[1].rsplit(",", 1)[0]
    extra = [f"{first},{fold}" for fold in range(5) if f"{first},{fold}" != rows[1]]
    (tmp_path / "folds.csv").write_text("\n".join([*rows, *extra]) + "\n")
    done = foldcheck_cli("check", tmp_path / "folds.csv", "--select", "FC202")
    lines = [line for line in done.stdout.splitlines() if ": FC202 " in line]
    assert len(lines) == 1 and "0, 1, 2, 3 and 4" in lines[0], done.stdout


def test_holdout_beyond_half_is_refused_with_a_reason(tmp_path: Path) -> None:
    data = copied("chess", "train", tmp_path)
    done = foldcheck_cli("split", data, "--holdout", "0.9", "--out", tmp_path / "folds")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "0.9" in done.stderr
    assert not (tmp_path / "folds").exists()


def test_a_class_absent_from_the_test_set_gets_a_note(tmp_path: Path) -> None:
    """chess has a class in one image: a small test set without it says so."""
    data = copied("chess", "train", tmp_path)
    done = foldcheck_cli("split", data, "--holdout", "0.1", "--out", tmp_path / "folds", "-q")
    assert done.returncode == 0
    manifest = json.loads((tmp_path / "folds" / "folds.json").read_text())
    document = json.loads(data.read_text())
    held = set(manifest["holdout"]["images"])
    names = {c["id"]: c["name"] for c in document["categories"]}
    annotated = {a["category_id"] for a in document["annotations"]}
    tested = {a["category_id"] for a in document["annotations"] if a["image_id"] in held}
    for category in annotated - tested:
        assert repr(names[category]) in done.stderr and "test set has no box" in done.stderr
    assert annotated - tested or "test set has no box" not in done.stderr


def test_duplicates_of_a_folder_without_images_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no pictures here\n")
    done = foldcheck_cli("duplicates", tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
    assert str(tmp_path) in done.stderr


def test_validate_fix_that_cannot_be_written_prints_no_fix_as_applied(tmp_path: Path) -> None:
    """--fix into a place that cannot be written (below a file: even root cannot): one error
    line, and no fix printed as if applied."""
    images = [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}]
    annotations = [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "iscrowd": 0}]
    categories = [{"id": 1, "name": "a"}]
    path = tmp_path / "data.json"
    path.write_text(
        json.dumps({"images": images, "annotations": annotations, "categories": categories})
    )
    fixable = foldcheck_cli("validate", path, "--fix", tmp_path / "fixed.json")
    assert "fix" in fixable.stdout and (tmp_path / "fixed.json").is_file()  # there is a fix
    (tmp_path / "blocker").write_text("a file, not a folder\n")
    done = foldcheck_cli("validate", path, "--fix", tmp_path / "blocker" / "fixed.json")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "applied" not in done.stdout + done.stderr
    assert not [line for line in done.stdout.splitlines() if line.startswith(str(path) + ":")]
