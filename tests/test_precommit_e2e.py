"""End to end, with real git and real pre-commit: `foldcheck init` in a fresh repository makes
every commit check the folds, and foldcheck's published hooks pass good fold sets and stop
bad ones.

pre-commit's home is shared by the whole session, so the environment that `language: python`
hooks need (a venv with this checkout pip-installed, from PyPI) is built once per checkout.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, SAMPLE, commit, copy_of, hook_folds, ok, run

HOOK_IDS = [hook["id"] for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())]


def make_fold_repo(where: Path, env: dict[str, str]) -> Path:
    """A git repository with a COCO dataset and its folds made by `foldcheck split`."""
    where.mkdir()
    ok(["git", "init", "-q"], where, env)
    (where / "data").mkdir()
    shutil.copy(SAMPLE, where / "data" / "sample.json")
    ok(
        [
            "foldcheck",
            "split",
            "data/sample.json",
            "-k",
            "4",
            "--group-by",
            "video_id",
            "--seed",
            "0",
            "--out",
            "folds",
            "-q",
        ],
        where,
        env,
    )
    return where


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    """After `foldcheck init` and `pre-commit install`, with a first commit that passed."""
    repo = make_fold_repo(tmp_path_factory.mktemp("template") / "repo", env)
    hook_folds(repo, env)
    return repo


@pytest.fixture
def repo(initialised: Path, tmp_path: Path) -> Path:
    return copy_of(initialised, tmp_path)


def head(repo: Path, env: dict[str, str]) -> str:
    return ok(["git", "rev-parse", "HEAD"], repo, env).strip()


def edit_manifest(repo: Path, change: Callable[[list[list[int]]], None]) -> None:
    path = repo / "folds" / "folds.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest["folds"])
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


@functools.cache
def videos() -> dict[int, int]:
    images = json.loads(SAMPLE.read_text(encoding="utf-8"))["images"]
    return {record["id"]: record["video_id"] for record in images}


def video_of(image: int) -> int:
    return videos()[image]


def plant_leak(folds: list[list[int]]) -> None:
    folds[1].append(folds[0][0])  # one image validates two folds


def split_a_group(folds: list[list[int]]) -> None:
    folds[1].append(folds[0].pop(0))  # every image once, but its video now in two folds


def unbalance(folds: list[list[int]]) -> None:
    # Whole videos, so nothing leaks: only the sizes go wrong.
    videos = sorted({video_of(image) for image in folds[0]})
    moving = [image for image in folds[0] if video_of(image) in videos[: len(videos) // 2 + 1]]
    folds[0][:] = [image for image in folds[0] if image not in moving]
    folds[2].extend(moving)


def test_regenerated_folds_commit_cleanly(repo: Path, env: dict[str, str]) -> None:
    ok(
        [
            "foldcheck",
            "split",
            "data/sample.json",
            "-k",
            "4",
            "--group-by",
            "video_id",
            "--seed",
            "1",
            "--out",
            "folds",
            "--force",
            "-q",
        ],
        repo,
        env,
    )
    done = commit(repo, env, "new seed")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "foldcheck (cross-validation folds)" in done.stdout + done.stderr
    assert ok(["git", "status", "--porcelain"], repo, env) == ""


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (plant_leak, "FC202"),
        (split_a_group, "FC101"),
        (unbalance, "FC402"),
    ],
)
def test_broken_folds_are_rejected(
    repo: Path, env: dict[str, str], change: Callable[[list[list[int]]], None], code: str
) -> None:
    before = head(repo, env)
    edit_manifest(repo, change)
    done = commit(repo, env, "broken folds")
    assert done.returncode != 0
    output = done.stdout + done.stderr  # git shows a hook's output on stderr
    assert "folds/folds.json:" in output and code in output, output
    assert head(repo, env) == before


def test_dataset_edited_without_new_folds_is_rejected(repo: Path, env: dict[str, str]) -> None:
    before = head(repo, env)
    dataset = repo / "data" / "sample.json"
    coco = json.loads(dataset.read_text(encoding="utf-8"))
    coco["annotations"][0]["bbox"][0] += 1.0  # a fix to one box: the same ids, new bytes
    dataset.write_text(json.dumps(coco), encoding="utf-8")
    done = commit(repo, env, "fix a box")  # only the dataset changes: the hook still runs
    assert done.returncode != 0
    assert "FC301" in done.stdout + done.stderr, done.stdout + done.stderr
    assert head(repo, env) == before


# --- foldcheck's published hooks, through `pre-commit try-repo` ----------------------------


def try_repo(
    source: Path, hook: str, cwd: Path, env: dict[str, str], *ref: str
) -> subprocess.CompletedProcess[str]:
    return run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(source),
            hook,
            *ref,
            "--all-files",
            "--verbose",
        ],
        cwd,
        env,
    )


def test_try_repo_on_this_checkout(initialised: Path, env: dict[str, str]) -> None:
    # What a user would type. try-repo takes this checkout's HEAD plus its uncommitted changes
    # to tracked files: .pre-commit-hooks.yaml must be committed for this to see it.
    done = try_repo(REPO, "foldcheck", initialised, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "foldcheck (cross-validation folds)" in done.stdout
    assert "Passed" in done.stdout


@pytest.fixture(scope="session")
def working_tree(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> tuple[Path, str]:
    """This checkout's files as they are now, committed in a repository of their own: a
    fixed path and revision, so pre-commit builds the hooks' environment once."""
    snapshot = tmp_path_factory.mktemp("foldcheck-checkout")
    listed = ok(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO, env)
    for name in filter(None, listed.split("\0")):
        if (REPO / name).is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, snapshot / name)
    ok(["git", "init", "-q"], snapshot, env)
    ok(["git", "add", "-A"], snapshot, env)
    ok(["git", "commit", "-q", "-m", "snapshot"], snapshot, env)
    return snapshot, head(snapshot, env)


def foldcheck_good(repo: Path, env: dict[str, str]) -> None:
    make_fold_repo(repo, env)
    (repo / "pyproject.toml").write_text(
        '[tool.foldcheck]\nfolds = "folds/folds.json"\ndataset = "data/sample.json"\n',
        encoding="utf-8",
    )


def foldcheck_bad(repo: Path, env: dict[str, str]) -> None:
    foldcheck_good(repo, env)
    edit_manifest(repo, plant_leak)


def coco_good(repo: Path, env: dict[str, str]) -> None:
    repo.mkdir()
    ok(["git", "init", "-q"], repo, env)
    (repo / "annotations").mkdir()
    shutil.copy(SAMPLE, repo / "annotations" / "instances_train.json")
    (repo / "package.json").write_text('{"name": "not COCO"}', encoding="utf-8")


def coco_bad(repo: Path, env: dict[str, str]) -> None:
    coco_good(repo, env)
    coco = json.loads(SAMPLE.read_text(encoding="utf-8"))
    coco["annotations"][0]["image_id"] = 10**9  # refers to no image
    (repo / "annotations" / "instances_val.json").write_text(json.dumps(coco), encoding="utf-8")
    coco["annotations"][0]["image_id"] = coco["images"][0]["id"]
    del coco["annotations"][0]["area"]  # a lint error: COCOeval raises KeyError('area')
    (repo / "annotations" / "instances_test.json").write_text(json.dumps(coco), encoding="utf-8")


def score_good(repo: Path, env: dict[str, str]) -> None:
    """Committed out-of-fold predictions: each fold's file holds its own images' boxes."""
    make_fold_repo(repo, env)
    (repo / "pyproject.toml").write_text(
        '[tool.foldcheck]\nfolds = "folds/folds.json"\npredictions = "oof/fold{i}.json"\n',
        encoding="utf-8",
    )
    manifest = json.loads((repo / "folds" / "folds.json").read_text(encoding="utf-8"))
    coco = json.loads(SAMPLE.read_text(encoding="utf-8"))
    (repo / "oof").mkdir()
    for i, fold in enumerate(manifest["folds"]):
        mine = set(fold)
        predictions = [
            {**{k: a[k] for k in ("image_id", "category_id", "bbox")}, "score": 0.9}
            for a in coco["annotations"]
            if a["image_id"] in mine
        ]
        (repo / "oof" / f"fold{i}.json").write_text(json.dumps(predictions), encoding="utf-8")


def score_bad(repo: Path, env: dict[str, str]) -> None:
    """Fold 1's file holds fold 2's predictions: images fold 1's model trained on."""
    score_good(repo, env)
    (repo / "oof" / "fold1.json").write_text(
        (repo / "oof" / "fold2.json").read_text(encoding="utf-8"), encoding="utf-8"
    )


EXAMPLES: dict[str, tuple[Callable[[Path, dict[str, str]], None], ...]] = {
    "foldcheck": (foldcheck_good, foldcheck_bad),
    "foldcheck-validate-coco": (coco_good, coco_bad),
    "foldcheck-score": (score_good, score_bad),
}


def test_every_published_hook_has_examples() -> None:
    assert sorted(EXAMPLES) == sorted(HOOK_IDS)


@pytest.mark.parametrize("hook", HOOK_IDS)
@pytest.mark.parametrize("good", [True, False], ids=["good", "bad"])
def test_published_hook_on_examples(
    hook: str, good: bool, tmp_path: Path, env: dict[str, str], working_tree: tuple[Path, str]
) -> None:
    example = tmp_path / "example"
    EXAMPLES[hook][0 if good else 1](example, env)
    ok(["git", "add", "-A"], example, env)
    source, rev = working_tree
    done = try_repo(source, hook, example, env, "--ref", rev)
    output = done.stdout + done.stderr
    assert ("Passed" in done.stdout) is good, output
    assert (done.returncode == 0) is good, output
    if hook == "foldcheck" and not good:
        assert "FC202" in done.stdout
    if hook == "foldcheck-score" and not good:
        assert "oof/fold1.json:1:" in done.stdout and " FC601 " in done.stdout
        assert "fold 2's validation images" in done.stdout
    if hook == "foldcheck-validate-coco" and not good:
        assert "instances_val.json" in done.stdout and "instances_train.json" not in done.stdout
        assert "instances_test.json:1:" in done.stdout and " FC505 " in done.stdout
