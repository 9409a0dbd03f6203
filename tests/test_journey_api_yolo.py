"""User journeys of issue 21, items 8-11: YOLO folds that survive a move or a clone, the
Python API as a notebook uses it, help that reads whole, and progress on a terminal.

Each runs what a user runs: the installed ``foldcheck`` script, real ``git``, the venv's
Python in a subprocess, a real pseudo-terminal.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import re
import shlex
import shutil
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

import pytest
import yaml

from foldcheck.formats.yolo.data_yaml import read_data_yaml
from foldcheck.formats.yolo.images import list_images
from tests.conftest import BIN, REPO, SAMPLE, isolated_env, real_dataset
from tests.yolo_tree import make_tree

FOLDCHECK = str(BIN / "foldcheck")


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{cmd}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def _yolo_repo(root: Path) -> Path:
    """A project folder with a YOLO dataset that has its own test split and no ``path:``."""
    data = make_tree(root / "data", videos=12, frames=4, roboflow=True, test_videos=2)
    body = yaml.safe_load(data.read_text())
    del body["path"]
    data.write_text(yaml.safe_dump(body, sort_keys=False))
    return data


# -- item 8: YOLO fold files keep working after the folder is moved or cloned ----------------


def test_yolo_folds_work_in_a_git_clone_elsewhere_and_keep_the_datasets_test(tmp_path):
    project = tmp_path / "me" / "project"
    _yolo_repo(project)
    notes = _run(
        [
            FOLDCHECK,
            "split",
            "data/data.yaml",
            "-k",
            "3",
            "--group-by",
            "roboflow",
            "--out",
            "folds",
        ],
        project,
    )
    assert "every fold YAML keeps them in its test:" in notes
    env = isolated_env(tmp_path / "home")
    _run(["git", "init", "-q"], project, env)
    _run(["git", "add", "-A"], project, env)
    _run(["git", "commit", "-q", "-m", "data and folds"], project, env)
    clone = tmp_path / "teammate" / "work"
    _run(["git", "clone", "-q", str(project), str(clone)], tmp_path, env)

    for written in (clone / "folds").iterdir():
        assert str(tmp_path).encode() not in written.read_bytes(), written  # names no old place
    # Loaded by Ultralytics' rules (foldcheck's reader mirrors check_det_dataset and
    # get_img_files; tests/test_ultralytics_e2e.py runs Ultralytics itself on a moved copy).
    own_test = sorted((clone / "data" / "images" / "test").glob("*.jpg"))
    for fold in range(3):
        data = read_data_yaml(clone / "folds" / f"fold{fold}.yaml")
        for side in ("train", "val", "test"):
            images = [Path(item.path) for item in list_images(data.sources[side])]
            assert images and all(image.is_file() for image in images)
            assert all(image.resolve().is_relative_to(clone.resolve()) for image in images)
        tested = sorted(Path(i.path).resolve() for i in list_images(data.sources["test"]))
        assert tested == [p.resolve() for p in own_test]

    checked = _run([FOLDCHECK, "check", "folds"], clone)
    assert "All checks passed" in checked
    # And the clone's check still sees a leak: a test image copied into a training list.
    with (clone / "folds" / "fold1_train.txt").open("a") as listing:
        listing.write(f"./../data/images/test/{own_test[0].name}\n")
    done = subprocess.run(
        [FOLDCHECK, "check", "folds/fold1.yaml"], cwd=clone, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "fold1_train.txt:" in done.stdout and "FC107" in done.stdout


# -- item 10: help that reads whole, one list of export names, install lines that work ------


def _flat(text: str) -> str:
    """Whitespace-normalised; argparse wraps lines at a hyphen too ('cross-' / 'validation')."""
    return re.sub(r"-\s+", "-", " ".join(text.split()))


def _help(*args: str) -> str:
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}
    done = subprocess.run([FOLDCHECK, *args, "--help"], capture_output=True, text=True, env=env)
    assert done.returncode == 0 and not done.stderr, done.stderr
    return done.stdout


def test_every_help_renders_whole_sentences_and_says_yolo_too():
    from foldcheck.cli import COMMANDS, build_parser

    top = _help()
    assert "YOLO" in top.split("positional arguments")[0]  # not "COCO" alone
    table = top.split("  COMMAND\n", 1)[1].split("\noptions:")[0]
    rows = re.split(r"\n {4}(?=\S)", "\n" + table)[1:]
    listed = {row.split()[0]: _flat(" ".join(row.split()[1:])) for row in rows}
    assert list(listed) == list(COMMANDS)
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    parsers: dict[str, argparse.ArgumentParser] = commands._name_parser_map
    for name in COMMANDS:
        doc = _flat(parsers[name].description or "")
        line = listed[name]
        assert line.endswith("."), f"{name}: {line!r} stops mid-sentence"
        assert doc.startswith(line), name
        page = _flat(_help(name))
        assert doc in page, name  # the whole description
        for action in parsers[name]._actions:
            if action.help and "%" not in action.help:
                assert _flat(action.help) in page, (name, action.help)


def test_split_help_and_export_errors_name_the_same_formats(tmp_path):
    from foldcheck.choices import EXPORT_FORMATS

    page = _flat(_help("split"))
    helped = re.findall(
        r"'(\w+)':", page.split("--export FORMATS also write", 1)[1].split("--force")[0]
    )
    done = subprocess.run(
        [FOLDCHECK, "split", str(SAMPLE), "--export", "nope", "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and not (tmp_path / "o").exists()
    named = re.search(r"choose from ([\w, ]+), comma-separated", done.stderr)
    assert named, done.stderr
    assert helped == named[1].split(", ") == list(EXPORT_FORMATS) == ["coco", "csv", "yolo"]
    assert helped == re.findall(r"'(\w+)':", _flat(_help("export")))
    for name in helped:  # each is a format split knows (yolo: of a YOLO dataset only)
        done = subprocess.run(
            [FOLDCHECK, "split", str(SAMPLE), "--export", name, "--out", str(tmp_path / name)],
            capture_output=True,
            text=True,
        )
        assert "unknown format" not in done.stderr
        assert done.returncode == 0 or "is a COCO file" in done.stderr


def test_readme_install_lines_install_from_a_checkout(tmp_path):
    """Each `pip install <local path>` line of the README, run where it says (a checkout),
    as a dry run: pip builds the metadata and would install foldcheck."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    lines = re.findall(r"^(pip install (?:\.\S*|'\.[^']*'))\s", readme, flags=re.M)
    assert lines
    checkout = tmp_path / "checkout"
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    for name in filter(None, tracked):
        if (REPO / name).is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, checkout / name)
    for line in lines:
        command = [sys.executable, "-m", *shlex.split(line), "--dry-run", "--no-deps"]
        done = subprocess.run(command, cwd=checkout, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{line}:\n{done.stdout}\n{done.stderr}"
        assert "Would install foldcheck-" in done.stdout, line


def test_the_pillow_hint_installs_pillow_as_printed(tmp_path):
    """Without Pillow, duplicates says how to get it; the printed command works as printed
    (here Pillow is present, so pip has nothing to fetch)."""
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")  # a folder with an image to hash
    script = "import sys; sys.modules['PIL'] = None; from foldcheck.cli import main; "
    script += f"raise SystemExit(main(['duplicates', {str(tmp_path)!r}]))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 2
    hint = done.stderr.strip().rpartition("needs Pillow: ")[2]
    assert hint == "pip install Pillow"
    pip = subprocess.run(
        [str(BIN / "pip"), *shlex.split(hint)[1:]], capture_output=True, text=True, timeout=300
    )
    assert pip.returncode == 0 and "already satisfied" in pip.stdout.lower(), pip.stdout


# -- item 9: the Python API as a notebook uses it ----------------------------------------------

NOTEBOOK = r"""
import json, subprocess, sys
from pathlib import Path
import numpy as np
import foldcheck

SAMPLE, REAL, OUT, FOLDCHECK = sys.argv[1:5]

# Cell 1: split with a held-out test set; everything is a numpy array.
folds = foldcheck.split(SAMPLE, k=3, group_by="video_id", holdout=0.2)
test = set(folds.holdout_ids.tolist())
assert test and folds.get_n_splits() == 3
everyone = set(folds.image_ids.tolist())
seen_val = []
for fold, (train_idx, val_idx) in enumerate(folds.split()):
    train, val = folds.image_ids[train_idx], folds.image_ids[val_idx]
    assert isinstance(train_idx, np.ndarray) and isinstance(val_idx, np.ndarray)
    assert np.array_equal(train, folds.train_image_ids(fold))
    assert np.array_equal(val, folds.val_image_ids(fold))
    assert np.array_equal(train_idx, folds.train_indices(fold))
    assert not set(train.tolist()) & test and not set(val.tolist()) & test
    assert not set(train.tolist()) & set(val.tolist())
    assert set(train.tolist()) | set(val.tolist()) == everyone
    seen_val += val.tolist()
assert sorted(seen_val) == sorted(everyone)  # each fold image validated once
# The idioms people write stay clear of the test set.
for fold in range(3):
    assert not set(folds.image_ids[folds.fold_of_image != fold].tolist()) & test

# Cell 3: the sklearn protocol checks X is aligned with the fold images.
try:
    next(folds.split(np.zeros(len(folds.dataset.image_ids))))
    raise SystemExit("split(X) took an X with the held-out rows")
except ValueError as exc:
    assert "held out" in str(exc) and "image_ids" in str(exc), exc

# Cell 4: write the folds with the command line, check them from Python: a path is a path.
subprocess.run([FOLDCHECK, "split", SAMPLE, "-k", "3", "--group-by", "video_id", "--out", OUT,
                "--export", "coco,csv", "-q"], check=True)
manifest = str(Path(OUT) / "folds.json")
assert foldcheck.check(manifest) == []
assert foldcheck.check(Path(manifest)) == [] == foldcheck.check([manifest])
assert foldcheck.check(OUT) == []
loaded = foldcheck.load_folds(manifest)
assert loaded.k == 3 and len(loaded.image_ids) == len(foldcheck.load_dataset(SAMPLE).image_ids)
# A leak: a validation image copied into fold 0's training file.
train0 = Path(OUT) / "train_fold0.json"
doc, val0 = json.loads(train0.read_text()), json.loads((Path(OUT) / "val_fold0.json").read_text())
doc["images"].append(val0["images"][0])
train0.write_text(json.dumps(doc))
found = foldcheck.check(OUT)  # the folder: a string, not its characters
assert found and any(f.code == "FC103" and f.path.endswith("train_fold0.json") for f in found)
assert all(f.severity in ("error", "warning") for f in found)

# Cell 5: validate and report as data, the same as the command line's JSON.
findings = foldcheck.validate(REAL)
cli = subprocess.run([FOLDCHECK, "validate", REAL, "--format", "json", "-v"],
                     capture_output=True, text=True)
assert [f.to_dict() for f in findings] == json.loads(cli.stdout)["findings"], cli.stdout[:500]
assert findings == foldcheck.validate([REAL])
subprocess.run([FOLDCHECK, "split", SAMPLE, "-k", "3", "--out", OUT + "2", "-q"], check=True)
balance = foldcheck.report(OUT + "2/folds.json")
assert balance.annotations.counts.shape == (len(balance.annotations.rows), 3)
cli = subprocess.run([FOLDCHECK, "report", OUT + "2/folds.json", "--format", "json"],
                     capture_output=True, text=True, check=True)
assert balance.to_dict() == json.loads(cli.stdout)
assert foldcheck.report(foldcheck.load_folds(OUT + "2")).to_dict() == balance.to_dict()

# Cell 6: near-duplicate photos in a folder: a photo, its resized re-encode, two others.
from PIL import Image, ImageDraw
photos = Path(OUT + "-photos")
photos.mkdir()
for n in range(3):
    picture = Image.new("RGB", (128, 96), (20 + 70 * n, 90, 200 - 60 * n))
    ImageDraw.Draw(picture).ellipse((10 + 30 * n, 10, 70 + 20 * n, 80), fill=(250, 250, 20 * n))
    picture.save(photos / f"photo{n}.jpg", quality=95)
Image.open(photos / "photo0.jpg").resize((100, 75)).save(photos / "copy.jpg", quality=80)
clusters = foldcheck.duplicates(str(photos))
assert clusters and sorted(clusters[0]) == ["copy.jpg", "photo0.jpg"], clusters
cli = subprocess.run([FOLDCHECK, "duplicates", str(photos), "--format", "json"],
                     capture_output=True, text=True, check=True)
listed = [[i["file"] for i in c["images"]] for c in json.loads(cli.stdout)["clusters"]]
assert clusters == listed

# Cell 7: mistakes, told in the terms of these functions (not the command line's options).
tries = [
    lambda: foldcheck.split(SAMPLE, k=1),
    lambda: foldcheck.split(SAMPLE, k=400, group_by="video_id"),
    lambda: foldcheck.split(SAMPLE, group_by="no_such_field"),
    lambda: foldcheck.split(SAMPLE, holdout=1.5),
    lambda: foldcheck.split(SAMPLE, group_by="re:nogroup"),
    lambda: foldcheck.duplicates(OUT, near_distance=40),
]
messages = []
for attempt in tries:
    try:
        attempt()
        raise SystemExit("no error")
    except foldcheck.InputError as exc:
        messages.append(str(exc))
print(json.dumps(messages))
"""


def test_a_notebook_session_uses_the_api_as_data(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            NOTEBOOK,
            str(SAMPLE),
            str(real_dataset("chess")),
            str(tmp_path / "folds"),
            FOLDCHECK,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    messages = json.loads(done.stdout.strip().splitlines()[-1])
    assert "k must be at least 2" in messages[0]
    assert "lower k or group more finely" in messages[1]
    assert "missing_group='own'" in messages[2]
    assert "holdout must be a fraction" in messages[3]
    assert messages[4].count("group_by:") == 1
    assert "near_distance must be between 0 and 16" in messages[5]
    for message in messages:  # no command-line option in any of them
        assert not re.search(r"(^|\s)-{1,2}[a-z]", message.partition("error: ")[2]), message


def test_dir_and_help_show_the_api_and_import_stays_light():
    script = r"""
import sys, pydoc, inspect, json
from functools import cached_property
import foldcheck
light = not any(m == "numpy" or m.startswith("numpy.") for m in sys.modules)
names = dir(foldcheck)
page = pydoc.render_doc(foldcheck, renderer=pydoc.plaintext)
undocumented = []
for name in foldcheck.__all__:
    obj = getattr(foldcheck, name)
    doc = inspect.getdoc(obj) or ""
    if not doc or doc.startswith(name + "("):  # a dataclass's generated signature
        undocumented.append(name)
    if inspect.isclass(obj) and obj is not foldcheck.InputError:
        for member, value in vars(obj).items():
            if member.startswith("_"):
                continue
            if callable(value) or isinstance(value, (property, classmethod, cached_property)):
                if not inspect.getdoc(getattr(obj, member)):
                    undocumented.append(f"{name}.{member}")
            elif member not in doc:
                undocumented.append(f"{name}.{member} (field not in the class docstring)")
print(json.dumps({"light": light, "dir": names, "page": page, "undocumented": undocumented,
                  "all": foldcheck.__all__}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["light"], "import foldcheck imported numpy"
    expected = {
        "duplicates",
        "split",
        "check",
        "validate",
        "report",
        "load_folds",
        "load_dataset",
        "FoldAssignment",
        "Dataset",
        "Finding",
        "Balance",
        "InputError",
    }
    assert expected <= set(report["dir"]) == set(report["all"]) | {"__version__"}
    assert not {"Any", "TYPE_CHECKING", "annotations", "importlib"} & set(report["dir"])
    assert report["undocumented"] == []
    for name in expected:
        assert name in report["page"]
    assert "train_indices" in report["page"] and "to_dataframe" in report["page"]


def test_to_dataframe_gives_the_kaggle_idiom_no_test_image():
    """Where pandas is installed (the dev extra has it; foldcheck does not need it)."""
    pytest.importorskip("pandas")
    import foldcheck

    folds = foldcheck.split(SAMPLE, k=3, group_by="video_id", holdout=0.2)
    test = set(folds.holdout_ids.tolist())
    df = folds.to_dataframe()
    assert list(df.columns) == ["image_id", "file_name", "group", "fold"]
    assert df.image_id.tolist() == folds.image_ids.tolist()
    for fold in range(3):
        assert test and not set(df[df.fold != fold].image_id) & test
        assert df.iloc[folds.val_indices(fold)].image_id.tolist() == (
            folds.val_image_ids(fold).tolist()
        )
    held = folds.to_dataframe(holdout=True)
    assert set(held.image_id) == test and "fold" not in held.columns


def test_to_dataframe_without_pandas_says_what_to_install():
    script = (
        "import sys; sys.modules['pandas'] = None\n"
        "import foldcheck\n"
        f"folds = foldcheck.split({str(SAMPLE)!r}, k=3)\n"
        "try:\n    folds.to_dataframe()\nexcept ImportError as exc:\n    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "to_dataframe needs pandas (pip install pandas)" in done.stdout


# -- item 11: progress on a terminal, never in pipes, hooks or machine output -----------------


def _terminal_run(cmd: list[str], cwd: Path, **env: str) -> tuple[str, str, int]:
    """``cmd`` with its stderr on a real pseudo-terminal and its stdout a pipe: what the
    terminal showed, stdout, the exit code. Progress shows at once (FOLDCHECK_PROGRESS_AFTER=0)
    so no test depends on how long a step takes."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    base = {k: v for k, v in os.environ.items() if k not in ("PRE_COMMIT", "NO_COLOR")}
    full = {**base, "TERM": "xterm-256color", "FOLDCHECK_PROGRESS_AFTER": "0", **env}
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=full, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave
    )
    os.close(slave)
    shown: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                return
            if not data:
                return
            shown.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    out, _ = proc.communicate(timeout=300)
    reader.join(timeout=60)
    os.close(master)
    return b"".join(shown).decode("utf-8", "replace"), out.decode(), proc.returncode


def _piped_run(cmd: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "FOLDCHECK_PROGRESS_AFTER": "0", **env}
    full.pop("PRE_COMMIT", None)
    return subprocess.run(cmd, cwd=cwd, env=full, capture_output=True, text=True, timeout=300)


def test_progress_shows_on_a_terminal_and_nowhere_else(tmp_path):
    from tests.yolo_tree import jpeg

    images = tmp_path / "photos"
    for n in range(30):
        jpeg(images / f"p{n:02d}.jpg", 64, 48, shade=n * 8)
    hashing = [FOLDCHECK, "duplicates", str(images), "--no-cache"]

    shown, out, code = _terminal_run(hashing, tmp_path)
    assert code == 0
    assert "hashing images" in shown and "/30" in shown, shown
    assert "hashing" not in out  # stdout (a pipe here) holds the report only

    piped = _piped_run(hashing, tmp_path)
    assert piped.returncode == 0 and "hashing" not in piped.stderr + piped.stdout
    assert piped.stdout == out  # the same report either way

    # A pre-commit hook's environment, -q, and machine output: no progress, even on a terminal.
    for quiet_cmd, env in (
        (hashing, {"PRE_COMMIT": "1"}),
        ([*hashing, "-q"], {}),
        ([*hashing, "--format", "json"], {}),
    ):
        shown, _, code = _terminal_run(quiet_cmd, tmp_path, **env)
        assert code == 0 and "hashing" not in shown, (quiet_cmd, env, shown)


def test_split_and_check_tell_each_long_step_on_a_terminal(tmp_path):
    split = [FOLDCHECK, "split", str(SAMPLE), "--group-by", "video_id", "--out", "folds"]
    shown, _, code = _terminal_run([*split, "--export", "coco,csv"], tmp_path)
    assert code == 0
    for step in ("reading", "splitting", "writing"):
        assert step in shown, (step, shown)
    shown, out, code = _terminal_run([FOLDCHECK, "check", "folds"], tmp_path)
    assert code == 0 and "reading and checking folds" in shown and "All checks passed" in out
    shown, _, code = _terminal_run([FOLDCHECK, "check", "folds", "--format", "json"], tmp_path)
    assert code == 0 and "reading and checking" not in shown
    piped = _piped_run([FOLDCHECK, "check", "folds"], tmp_path)
    assert piped.returncode == 0 and "reading and checking" not in piped.stderr
    chess = real_dataset("chess").parent
    merge = [FOLDCHECK, "merge", str(chess / "train.json"), str(chess / "valid.json")]
    shown, _, code = _terminal_run([*merge, "-o", "all.json"], tmp_path)
    assert code == 0 and "reading and merging 2 files" in shown and "writing" in shown


def test_readme_command_table_lists_every_command():
    from foldcheck.cli import COMMANDS

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `foldcheck (\w+)", readme, flags=re.M)
    assert set(COMMANDS) <= set(rows), set(COMMANDS) - set(rows)
