"""A user whose dataset holds re-saved copies of its photos writes
`foldcheck report FOLDS --html report.html --images-dir images` and sees each near-duplicate
cluster as thumbnails, each labelled with its fold: a cluster across folds (a photo in
training and validation) stands out. The page stays small and asks for nothing."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PIL")
from PIL import Image, ImageEnhance

from foldcheck.images.synth import scene
from tests.chromium import chromium_open
from tests.conftest import write_photo_coco

CLUSTER = re.compile(
    r'<section class="cluster( across)?"><h3>#\d+: (\d+) images in ([^<]*)</h3>(.*?)</section>'
)
FIGURE = re.compile(
    r'<figure data-part="(-?\d+)">(?:<img alt="([^"]*)" src="data:image/webp;base64,([^"]+)">'
    r'|<div class="nothumb">not shown</div>)<figcaption>([^<]*)<br>'
)


def foldcheck(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FOLDCHECK_CACHE_DIR": str(tmp_path / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "foldcheck", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=env,
    )


def photos(tmp_path: Path, originals: int, copies: int, side: int = 320) -> list[str]:
    """images/: photo<i>.jpg and, of the first ``copies``, a re-saved, brighter copy;
    dataset.json lists them all."""
    images = tmp_path / "images"
    images.mkdir()
    names = []
    for seed in range(originals):
        photo = scene(seed, side, side * 3 // 4)
        photo.save(images / f"photo{seed}.jpg", quality=90)
        names.append(f"photo{seed}.jpg")
        if seed < copies:
            ImageEnhance.Brightness(photo).enhance(1.1).save(images / f"copy{seed}.jpg", quality=60)
            names.append(f"copy{seed}.jpg")
    dataset(tmp_path, names)
    return names


def dataset(tmp_path: Path, names: list[str]) -> None:
    write_photo_coco(tmp_path / "dataset.json", names)


def fold_of_names(tmp_path: Path, folds: str) -> dict[str, int]:
    manifest = json.loads((tmp_path / folds / "folds.json").read_text())
    images = json.loads((tmp_path / "dataset.json").read_text())["images"]
    name_of = {image["id"]: image["file_name"] for image in images}
    return {name_of[i]: fold for fold, ids in enumerate(manifest["folds"]) for i in ids}


def report(tmp_path: Path, folds: str) -> str:
    page = tmp_path / f"{folds}.html"
    done = foldcheck(tmp_path, "report", folds, "--html", page.name, "--images-dir", "images")
    assert done.returncode == 0, done.stderr
    return page.read_text(encoding="utf-8")


def test_clusters_are_thumbnails_labelled_with_their_folds(tmp_path: Path) -> None:
    photos(tmp_path, originals=12, copies=6)
    assert (
        foldcheck(tmp_path, "split", "dataset.json", "-k", "3", "--out", "plain", "-q").returncode
        == 0
    )
    fold_of = fold_of_names(tmp_path, "plain")
    html = report(tmp_path, "plain")
    assert "img-src data:;" in html  # the policy lets inline thumbnails in, nothing else
    clusters = CLUSTER.findall(html)
    assert len(clusters) == 6
    across_seen = 0
    for across, size, where, body in clusters:
        figures = FIGURE.findall(body)
        assert int(size) == len(figures) == 2
        names = sorted(name for _, name, _, _ in figures)
        seed = names[0].removeprefix("copy").removesuffix(".jpg")
        assert names == [f"copy{seed}.jpg", f"photo{seed}.jpg"]
        folds = {fold_of[name] for name in names}
        for part, name, thumb, caption in figures:
            assert int(part) == fold_of[name] and caption == f"fold {fold_of[name]}"
            with Image.open(io.BytesIO(base64.b64decode(thumb))) as im:
                assert im.format == "WEBP" and max(im.size) <= 96
        assert where == ", ".join(f"fold {f}" for f in sorted(folds))
        assert bool(across) == (len(folds) > 1)
        across_seen += bool(across)
    # Clusters across folds come first, and check's FC106 names each of them.
    assert [bool(a) for a, *_ in clusters] == sorted((bool(a) for a, *_ in clusters), reverse=True)
    assert html.count("<b>FC106</b>") == across_seen > 0

    opened = chromium_open(tmp_path / "plain.html", tmp_path)
    assert opened.console == []  # no request refused, no error
    assert [u for u in opened.requests if not u.startswith(("file:", "data:"))] == []
    assert len(re.findall(r'<img alt="[^"]*" src="data:image/webp', opened.dom)) == 12


def test_a_split_grouping_near_duplicates_keeps_each_cluster_in_one_fold(tmp_path: Path) -> None:
    photos(tmp_path, originals=12, copies=6)
    grouped = ["split", "dataset.json", "-k", "3", "--out", "grouped", "-q"]
    assert (
        foldcheck(
            tmp_path, *grouped, "--images-dir", "images", "--group-near-duplicates"
        ).returncode
        == 0
    )
    clusters = CLUSTER.findall(report(tmp_path, "grouped"))
    assert len(clusters) == 6
    assert all(not across and where.count("fold") == 1 for across, _, where, _ in clusters)


def test_a_file_outside_the_images_folder_is_never_shown(tmp_path: Path) -> None:
    """A dataset's file_name reaching out of --images-dir (a hostile clone's ../) gets no
    thumbnail: a report attached to a pull request shows no picture from elsewhere."""
    names = photos(tmp_path, originals=6, copies=0)
    secret = tmp_path / "secret"
    secret.mkdir()
    ImageEnhance.Brightness(scene(0, 320, 240)).enhance(1.1).save(secret / "me.jpg", quality=60)
    dataset(tmp_path, [*names, "../secret/me.jpg"])
    assert (
        foldcheck(tmp_path, "split", "dataset.json", "-k", "2", "--out", "f", "-q").returncode == 0
    )
    (body,) = [c[3] for c in CLUSTER.findall(report(tmp_path, "f"))]
    figures = FIGURE.findall(body)
    shown = {name for _, name, thumb, _ in figures if thumb}
    assert shown == {"photo0.jpg"} and body.count('<div class="nothumb">not shown</div>') == 1


def test_many_clusters_are_capped_and_counted(tmp_path: Path) -> None:
    photos(tmp_path, originals=70, copies=70, side=96)
    assert (
        foldcheck(tmp_path, "split", "dataset.json", "-k", "2", "--out", "f", "-q").returncode == 0
    )
    html = report(tmp_path, "f")
    assert len(CLUSTER.findall(html)) == 60
    assert "<h2>Near-duplicate clusters: 70 (140 images)</h2>" in html
    assert "10 more clusters (20 images) left out, to keep the page small" in html
    assert len(html.encode()) < 5_000_000


def test_images_dir_without_html_is_a_usage_error(tmp_path: Path) -> None:
    photos(tmp_path, originals=2, copies=0)
    assert (
        foldcheck(tmp_path, "split", "dataset.json", "-k", "2", "--out", "f", "-q").returncode == 0
    )
    done = foldcheck(tmp_path, "report", "f", "--images-dir", "images")
    assert done.returncode == 2
    assert done.stderr == "error: --images-dir adds to the HTML page: give --html FILE too\n"
