"""User journeys of issue 21, items 8-11: YOLO folds that survive a move or a clone, the
Python API as a notebook uses it, help that reads whole, and progress on a terminal.

Each runs what a user runs: the installed ``foldcheck`` script, real ``git``, the venv's
Python in a subprocess, a real pseudo-terminal.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from foldcheck.formats.yolo.data_yaml import read_data_yaml
from foldcheck.formats.yolo.images import list_images
from tests.yolo_tree import make_tree

BIN = Path(sys.executable).parent
FOLDCHECK = str(BIN / "foldcheck")


def _git_env(home: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    return {
        **base,
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Fold Checker",
        "GIT_AUTHOR_EMAIL": "folds@example.org",
        "GIT_COMMITTER_NAME": "Fold Checker",
        "GIT_COMMITTER_EMAIL": "folds@example.org",
        "NO_COLOR": "1",
    }


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
    env = _git_env(tmp_path / "home")
    (tmp_path / "home").mkdir()
    _run(["git", "init", "-q"], project, env)
    _run(["git", "add", "-A"], project, env)
    _run(["git", "commit", "-q", "-m", "data and folds"], project, env)
    clone = tmp_path / "teammate" / "work"
    _run(["git", "clone", "-q", str(project), str(clone)], tmp_path, env)

    for written in (clone / "folds").iterdir():
        assert str(tmp_path) not in written.read_text(), written  # nothing names the old place
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
