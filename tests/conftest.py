from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "foldcheck" / "data" / "sample.json"
REAL_DATA = REPO.parent / "shared" / "data" / "real"
BIN = Path(sys.executable).parent  # where this interpreter's `foldcheck` script is


def write_coco(
    path: Path,
    images: list[dict[str, Any]],
    annotations: list[dict[str, Any]],
    categories: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> Path:
    document = {
        **extra,
        "images": images,
        "annotations": annotations,
        "categories": categories or [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
    }
    path.write_text(json.dumps(document, indent=1))
    return path


def video_frame(image_id: int, video: int, width: int = 640, height: int = 480) -> dict[str, Any]:
    """A COCO image record of a video's frame (``video_id``), named by its id."""
    return {
        "id": image_id,
        "file_name": f"video{video}/{image_id}.jpg",
        "width": width,
        "height": height,
        "video_id": video,
    }


def box(
    annotation_id: int, image_id: int, category_id: int, width: int, height: int
) -> dict[str, Any]:
    """A COCO box annotation at the image's corner, of the given size."""
    return {
        "id": annotation_id,
        "image_id": image_id,
        "category_id": category_id,
        "bbox": [0, 0, width, height],
        "area": width * height,
        "iscrowd": 0,
    }


def write_photo_coco(path: Path, names: list[str]) -> Path:
    """A COCO file of 320 x 240 photos by file name, one small box each (cat, dog, cat, ...):
    what the near-duplicate tests split and check."""
    return write_coco(
        path,
        [{"id": k + 1, "file_name": n, "width": 320, "height": 240} for k, n in enumerate(names)],
        [
            {
                "id": k + 1,
                "image_id": k + 1,
                "category_id": 1 + k % 2,
                "bbox": [1, 1, 9, 9],
                "area": 81,
                "iscrowd": 0,
            }
            for k in range(len(names))
        ],
    )


def real_dataset(name: str, part: str = "train") -> Path:
    path = REAL_DATA / name / f"{part}.json"
    if not path.is_file():
        pytest.skip(f"shared real data not present at {path}")
    return path


@pytest.fixture(autouse=True)
def _own_hash_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Perceptual-hash caches go to a temporary folder, never the user's cache folder."""
    monkeypatch.setenv("FOLDCHECK_CACHE_DIR", str(tmp_path_factory.mktemp("hash-cache")))


@pytest.fixture
def sample() -> Path:
    return SAMPLE


def isolated_env(home: Path) -> dict[str, str]:
    """The environment of a user's git and pre-commit, cut off from this machine's: their
    configuration and caches under ``home``, no GIT_* variable of the git hook these tests may
    run in (GIT_DIR and friends would aim git at another repository), a fixed author, no
    colour, and this interpreter's `foldcheck` first on PATH."""
    if shutil.which("foldcheck", path=str(BIN)) is None:
        pytest.fail(
            f"no foldcheck script in {BIN}: run bash .devcontainer/setup.sh and "
            "use .venv/bin/python -m pytest"
        )
    home.mkdir(parents=True, exist_ok=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    return {
        **base,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "PRE_COMMIT_HOME": str(home / ".cache" / "pre-commit"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Fold Checker",
        "GIT_AUTHOR_EMAIL": "folds@example.org",
        "GIT_COMMITTER_NAME": "Fold Checker",
        "GIT_COMMITTER_EMAIL": "folds@example.org",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "NO_COLOR": "1",
    }


@pytest.fixture(scope="session")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """`isolated_env` with one home for the session, so that pre-commit builds the environment
    a `language: python` hook needs (a venv with this checkout pip-installed, from PyPI) once."""
    return isolated_env(tmp_path_factory.mktemp("home"))


def run(cmd: list[str] | str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``cmd`` (a shell line when a string) in ``cwd``, its output captured."""
    return subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900,
        shell=isinstance(cmd, str), check=False,
    )  # fmt: skip


def ok(cmd: list[str] | str, cwd: Path, env: dict[str, str]) -> str:
    """`run`, which must succeed: its stdout and stderr."""
    done = run(cmd, cwd, env)
    assert done.returncode == 0, f"{cmd} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def commit(repo: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    """`git add -A` and `git commit`, through whatever hooks ``repo`` has."""
    ok(["git", "add", "-A"], repo, env)
    return run(["git", "commit", "-q", "-m", message], repo, env)


def copy_of(template: Path, tmp_path: Path) -> Path:
    """A test's own copy of a repository a wider-scoped fixture built once (its links kept
    as links, as git checks them out)."""
    copy = tmp_path / template.name
    shutil.copytree(template, copy, symlinks=True)
    return copy


def hook_folds(repo: Path, env: dict[str, str]) -> str:
    """What the README has a user do in a repository with folds: `foldcheck init`, then the
    `pre-commit install` it prints, then a first commit, which must pass. init's output."""
    out = ok(["foldcheck", "init"], repo, env)
    assert "-m pre_commit install" in out
    ok([sys.executable, "-m", "pre_commit", "install"], repo, env)
    first = commit(repo, env, "folds")
    assert first.returncode == 0, first.stdout + first.stderr
    return out
