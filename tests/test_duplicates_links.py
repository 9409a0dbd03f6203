"""`foldcheck duplicates DIR` walks DIR as every dataset folder is walked (io.links): a link
that leaves DIR (to a file or to a folder of images elsewhere) is refused in one line naming
the link, exit 2, nothing read or written; a link that stays inside DIR is followed, and each
real folder is listed once."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from foldcheck.images.synth import scene
from tests.conftest import BIN


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """photos/ (two photos and a re-encoded copy of the first, a sub-folder with one more)
    beside outside/, a folder of someone else's photos."""
    photos, outside = tmp_path / "photos", tmp_path / "outside"
    (photos / "sub").mkdir(parents=True)
    outside.mkdir()
    scene(0, 320, 240).save(photos / "photo0.jpg", quality=90)
    scene(0, 320, 240).save(photos / "photo0_again.jpg", quality=60)
    scene(1, 320, 240).save(photos / "photo1.jpg", quality=90)
    scene(2, 320, 240).save(photos / "sub" / "photo2.jpg", quality=90)
    for seed in (3, 4):
        scene(seed, 320, 240).save(outside / f"private{seed}.jpg", quality=90)
    return tmp_path


def duplicates(world: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FOLDCHECK_CACHE_DIR": str(world / "cache")}
    return subprocess.run(
        [str(BIN / "foldcheck"), "duplicates", "photos", *args],
        cwd=world, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("link", "target"),
    [("peek.jpg", "../outside/private3.jpg"), ("more", "../outside")],
    ids=["file-link-out", "folder-link-out"],
)
def test_a_link_out_of_the_folder_is_refused(world: Path, link: str, target: str) -> None:
    (world / "photos" / link).symlink_to(target)
    done = duplicates(world, "--format", "json")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"photos/{link}: error: a link to ")
    assert "outside the dataset" in line and "does not follow links out" in line
    assert not (world / "cache").exists()  # nothing hashed, nothing cached


def test_a_link_inside_the_folder_is_followed_once(world: Path) -> None:
    (world / "photos" / "again").symlink_to("sub")
    (world / "photos" / "photo1_link.jpg").symlink_to("photo1.jpg")
    done = duplicates(world, "--format", "json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    pairs = sorted(sorted(image["file"] for image in c["images"]) for c in found["clusters"])
    # The copy is found; a file linked to by a second name is that photo again (a cluster of
    # two names); the linked folder's photo is listed under one name only, with no twin.
    assert pairs == [["photo0.jpg", "photo0_again.jpg"], ["photo1.jpg", "photo1_link.jpg"]]
    assert found["images"] == 5
