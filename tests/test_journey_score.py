"""A user's path through foldcheck score: split, commit out-of-fold predictions behind a real
pre-commit hook (a wrong-fold file is refused), bad input refused in one line, exit 2."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from foldcheck.cli import main
from tests.cocoeval_reference import PYCOCOTOOLS_WARNING
from tests.conftest import SAMPLE, real_dataset
from tests.predictions import noisy_predictions

pytest.importorskip("pycocotools")
pytestmark = PYCOCOTOOLS_WARNING
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def _repo_with_oof(repo: Path) -> list[list[int]]:
    repo.mkdir()
    assert (
        main(
            [
                "split",
                str(SAMPLE),
                "-k",
                "3",
                "--group-by",
                "video_id",
                "--out",
                str(repo / "folds"),
                "-q",
            ]
        )
        == 0
    )
    manifest = json.loads((repo / "folds" / "folds.json").read_text())
    gt = json.loads(SAMPLE.read_text())
    every = noisy_predictions(gt, np.random.default_rng(3))
    (repo / "oof").mkdir()
    for i, fold in enumerate(manifest["folds"]):
        mine = set(fold)
        (repo / "oof" / f"fold{i}.json").write_text(
            json.dumps([p for p in every if p["image_id"] in mine])
        )
    return manifest["folds"]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV}, timeout=600
    )


def test_hook_refuses_a_wrong_fold_prediction_file(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    _repo_with_oof(repo)
    config = (
        "repos:\n- repo: local\n  hooks:\n  - id: foldcheck-score\n"
        "    name: foldcheck score\n"
        f"    entry: {sys.executable} -m foldcheck score folds/folds.json"
        " --predictions oof/fold{i}.json -q\n"
        "    language: system\n    pass_filenames: false\n    files: ^(oof|folds)/\n"
    )
    (repo / ".pre-commit-config.yaml").write_text(config)
    assert _run(["git", "init", "-q"], repo).returncode == 0
    assert _run([sys.executable, "-m", "pre_commit", "install"], repo).returncode == 0
    assert _run(["git", "add", "-A"], repo).returncode == 0
    good = _run(["git", "commit", "-qm", "oof"], repo)
    assert good.returncode == 0, good.stdout + good.stderr
    # An off-by-one in the training loop: fold 1's file holds fold 2's model's predictions.
    (repo / "oof" / "fold1.json").write_text((repo / "oof" / "fold2.json").read_text())
    assert _run(["git", "add", "-A"], repo).returncode == 0
    bad = _run(["git", "commit", "-qm", "wrong fold"], repo)
    shown = bad.stdout + bad.stderr  # git prints the hook's output on stderr
    assert bad.returncode != 0
    assert "oof/fold1.json" in shown and " FC601 " in shown, shown
    assert "fold 2's validation images" in shown
    assert _run(["git", "log", "--oneline"], repo).stdout.count("\n") == 1  # refused


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"annotations": []}', "not a COCO results list"),
        ('[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3], "score": 0.5}]', "1:"),
        ('[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": NaN}]', "not finite"),
        ('[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}]', "score"),
    ],
)
def test_bad_prediction_file_is_one_line_exit_2(
    tmp_path: Path, content: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _repo_with_oof(tmp_path / "r")
    (tmp_path / "r" / "oof" / "fold1.json").write_text(content)
    capsys.readouterr()
    code = main(
        [
            "score",
            str(tmp_path / "r" / "folds" / "folds.json"),
            "--predictions",
            str(tmp_path / "r" / "oof" / "fold{i}.json"),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "fold1.json" in err and expected in err, err


def test_fewer_files_than_folds_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _repo_with_oof(tmp_path / "r")
    capsys.readouterr()
    code = main(
        [
            "score",
            str(tmp_path / "r" / "folds" / "folds.json"),
            str(tmp_path / "r" / "oof" / "fold0.json"),
        ]
    )
    _, err = capsys.readouterr()
    assert code == 2 and "1 prediction files for 3 folds" in err


def test_formats_show_the_score_and_every_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Markdown: the tables and the findings; GitHub: the score as a notice and each finding
    as an annotation at its place; text -q (the hook): the findings alone."""
    repo = tmp_path / "r"
    _repo_with_oof(repo)
    (repo / "oof" / "fold1.json").write_text((repo / "oof" / "fold2.json").read_text())
    args = [
        "score",
        str(repo / "folds" / "folds.json"),
        "--predictions",
        str(repo / "oof" / "fold{i}.json"),
    ]
    capsys.readouterr()
    assert main([*args, "--format", "markdown"]) == 1
    markdown = capsys.readouterr().out
    assert markdown.startswith("### foldcheck score") and "| fold 2 |" in markdown
    assert "| out-of-fold |" in markdown and "FC601 prediction-on-training-image" in markdown
    assert main([*args, "--format", "github"]) == 1
    github = capsys.readouterr().out.splitlines()
    assert github[0].startswith("::notice title=foldcheck score::AP ")
    errors = [line for line in github if line.startswith("::error ")]
    assert errors and all("fold1.json,line=" in line and "title=FC601" in line for line in errors)
    assert main([*args, "-q", "--color", "never"]) == 1
    quiet = capsys.readouterr().out.splitlines()
    assert all(re.search(r": FC6\d\d ", line) for line in quiet), quiet  # no table
    assert any(" FC601 " in line for line in quiet)


def test_real_roboflow_export_with_a_zero_based_model_is_flagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Roboflow's categories are 0 (a placeholder without annotations) then 1..N; a model
    trained on class indices 0..N-1 writes ids that all exist yet mean the wrong class."""
    dataset = real_dataset("chess")
    assert (
        main(
            [
                "split",
                str(dataset),
                "-k",
                "3",
                "--group-by",
                "roboflow",
                "--out",
                str(tmp_path / "folds"),
                "-q",
            ]
        )
        == 0
    )
    gt = json.loads(dataset.read_text())
    folds = json.loads((tmp_path / "folds" / "folds.json").read_text())["folds"]
    every = noisy_predictions(gt, np.random.default_rng(6))
    for i, fold in enumerate(folds):
        mine = set(fold)
        zero_based = [
            {**p, "category_id": p["category_id"] - 1}
            for p in every
            if p["image_id"] in mine and p["category_id"] > 0
        ]
        (tmp_path / f"fold{i}.json").write_text(json.dumps(zero_based))
    capsys.readouterr()
    code = main(
        [
            "score",
            str(tmp_path / "folds" / "folds.json"),
            "--predictions",
            str(tmp_path / "fold{i}.json"),
            "--format",
            "json",
        ]
    )
    document = json.loads(capsys.readouterr().out)
    shifted = [f for f in document["findings"] if f["code"] == "FC605"]
    assert code == 1 and len(shifted) == 3
    assert "shifted by +1" in shifted[0]["message"] and shifted[0]["line"] == 1
