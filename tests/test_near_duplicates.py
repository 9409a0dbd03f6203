"""FC106, split --group-near-duplicates and foldcheck duplicates on real image files."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageEnhance

from foldcheck.cli import main
from foldcheck.images.synth import scene
from tests.conftest import write_coco, write_photo_coco


def _crop(im: Image.Image, frac: float) -> Image.Image:
    w, h = im.size
    return im.crop((round(w * frac), round(h * frac), w, h))


# The copies the issue names, each of another original, in another file format where it says so.
COPIES = {
    "reencoded.jpg": lambda im: im,  # saved again at quality 60 below
    "resized.jpg": lambda im: im.resize((288, 216), Image.Resampling.BICUBIC),
    "brighter.jpg": lambda im: ImageEnhance.Brightness(im).enhance(1.1),
    "crop1.jpg": lambda im: _crop(im, 0.01),
    "crop2.jpg": lambda im: _crop(im, 0.02),
    "resaved.png": lambda im: im,
}
N_ORIGINALS = 10


@pytest.fixture
def photos(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """images/: photo0..9.jpg and one copy of each of the first six; dataset.json lists all."""
    monkeypatch.setenv("FOLDCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    images = tmp_path / "images"
    images.mkdir()
    originals = [scene(s, 320, 240) for s in range(N_ORIGINALS)]
    for s, im in enumerate(originals):
        im.save(images / f"photo{s}.jpg", quality=90)
    for s, (name, edit) in enumerate(COPIES.items()):
        edit(originals[s]).save(images / name, **({"quality": 60} if name.endswith("jpg") else {}))
    names = [f"photo{s}.jpg" for s in range(N_ORIGINALS)] + list(COPIES)
    write_photo_coco(tmp_path / "dataset.json", names)
    return tmp_path


def _csv(path: Path, fold_of: dict[str, int]) -> Path:
    path.write_text("file_name,fold\n" + "".join(f"{n},{f}\n" for n, f in fold_of.items()))
    return path


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["check", *args, "--images-dir", "images", "--select", "FC1", "-q"])
    out = capsys.readouterr()
    assert out.err == ""
    return code, out.out.splitlines()


def test_each_kind_of_copy_in_another_fold_is_reported(photos: Path, capsys) -> None:
    fold_of = {f"photo{s}.jpg": s % 2 for s in range(N_ORIGINALS)}
    fold_of.update({name: 1 - s % 2 for s, name in enumerate(COPIES)})  # the other fold
    code, lines = _check(capsys, str(_csv(photos / "folds.csv", fold_of)))
    assert code == 1
    assert len(lines) == len(COPIES)
    for s, name in enumerate(COPIES):
        line = next(x for x in lines if f"'{name}'" in x)
        assert re.fullmatch(
            r"folds\.csv:\d+:1: FC106 image '[\w.]+' is a near-duplicate of image '[\w.]+' in "
            r"validation fold 0: hash distance [0-8]",
            line,
        )
        assert f"'photo{s}.jpg'" in line


def test_copies_in_the_same_fold_are_fine(photos: Path, capsys) -> None:
    fold_of = {f"photo{s}.jpg": s % 2 for s in range(N_ORIGINALS)}
    fold_of.update({name: s % 2 for s, name in enumerate(COPIES)})
    assert _check(capsys, str(_csv(photos / "folds.csv", fold_of))) == (0, [])


def test_coco_train_val_pair_names_the_train_copy(photos: Path, capsys) -> None:
    doc = json.loads((photos / "dataset.json").read_text())
    # fold 0 validates photo0 (and photos 1-4); its train file holds the re-encoded copy
    val_names = {f"photo{s}.jpg" for s in range(5)}
    for part, keep in (("val", val_names), ("train", set(COPIES) - {"resized.jpg"})):
        ids = {r["id"] for r in doc["images"] if r["file_name"] in keep}
        write_coco(
            photos / f"{part}_fold0.json",
            [r for r in doc["images"] if r["id"] in ids],
            [a for a in doc["annotations"] if a["image_id"] in ids],
        )
    code, lines = _check(capsys, "train_fold0.json", "val_fold0.json")
    assert code == 1
    assert {line.split(":")[0] for line in lines} == {"train_fold0.json"}
    assert any("(reencoded.jpg) is a near-duplicate" in x and "val_fold0.json" in x for x in lines)
    assert len(lines) == 4  # the copies of photos 0, 2, 3 and 4 (photo1's copy is left out)


def test_without_pillow_one_line_and_exit_2(photos: Path) -> None:
    code = (
        "import sys; sys.modules['PIL'] = None\n"  # what an environment without Pillow sees
        "from foldcheck.cli import main; raise SystemExit(main(sys.argv[1:]))"
    )
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "check",
            str(_csv(photos / "f.csv", {"photo0.jpg": 0, "photo1.jpg": 1})),
            "--images-dir",
            "images",
        ],
        capture_output=True,
        text=True,
    )
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == (
        "error: near-duplicate search (FC106; --ignore FC106 skips it) needs Pillow: "
        "pip install Pillow\n"
    )
    ignored = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "check",
            "f.csv",
            "--images-dir",
            "images",
            "--ignore",
            "FC106",
            "-q",
        ],
        capture_output=True,
        text=True,
    )
    assert (ignored.returncode, ignored.stderr) == (0, "")


def test_split_keeps_copies_together_only_when_asked(photos: Path, capsys) -> None:
    plain = ["split", "dataset.json", "-k", "3", "--out", "plain", "-q"]
    assert main(plain) == 0
    capsys.readouterr()
    assert _check(capsys, "plain/folds.json")[0] == 1  # some copies landed in other folds
    grouped = ["split", "dataset.json", "-k", "3", "--out", "grouped", "-q"]
    assert main([*grouped, "--images-dir", "images", "--group-near-duplicates"]) == 0
    capsys.readouterr()
    assert _check(capsys, "grouped/folds.json") == (0, [])
    manifest = json.loads((photos / "grouped" / "folds.json").read_text())
    names = [
        image["file_name"] for image in json.loads((photos / "dataset.json").read_text())["images"]
    ]
    assert manifest["group_by"] == "image"
    assert manifest["near_duplicates"] == {
        "images_dir": "../images",
        "hash": "phash-dct32x8-v1",
        "max_distance": 8,
        "pairs": len(COPIES),
        "joined": sorted(
            sorted([names.index(f"photo{s}.jpg") + 1, names.index(copy) + 1])
            for s, copy in enumerate(COPIES)
        ),
    }
    again = ["split", "dataset.json", "-k", "3", "--out", "again", "-q"]
    assert main([*again, "--images-dir", "images", "--group-near-duplicates"]) == 0
    for name in ("folds.json",):  # same inputs, same bytes (the cache changes nothing)
        assert (photos / "again" / name).read_bytes() == (photos / "grouped" / name).read_bytes()


def test_group_near_duplicates_needs_the_images(photos: Path, capsys) -> None:
    assert main(["split", "dataset.json", "--out", "x", "--group-near-duplicates"]) == 2
    assert capsys.readouterr().err == "error: --group-near-duplicates needs --images-dir DIR\n"
    (photos / "images" / "crop2.jpg").unlink()
    args = ["split", "dataset.json", "--out", "x", "--images-dir", "images"]
    assert main([*args, "--group-near-duplicates"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("images/crop2.jpg: error: image file not found") and err.count("\n") == 1
    assert not (photos / "x").exists()


def test_duplicates_reports_clusters_and_draws_a_sheet(photos: Path, capsys) -> None:
    scene(0, 320, 240).save(photos / "images" / "another0.png")  # a third copy of photo0
    (photos / "images" / "broken.jpg").write_bytes(b"not an image")
    assert main(["duplicates", "images", "--sheet", "sheet.png"]) == 0
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert lines[0].startswith("cluster 1: 3 images (distance up to ")
    assert [x.split()[0] for x in lines[1:4]] == ["another0.png", "photo0.jpg", "reencoded.jpg"]
    assert sum(x.startswith("cluster ") for x in lines) == len(COPIES)
    assert lines[-1] == f"{len(COPIES)} near-duplicate clusters holding 13 of 17 images."
    assert out.err == (
        "note: 1 of 18 files left out, not readable as images (first: images/broken.jpg: "
        "cannot read image: cannot identify image file 'images/broken.jpg')\nwrote sheet.png\n"
    )
    with Image.open(photos / "sheet.png") as sheet:
        assert sheet.format == "PNG" and sheet.width > 500 and sheet.height > 6 * 160
    assert main(["duplicates", "images", "--format", "json", "--top", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [c["size"] for c in report["clusters"]] == [3, 2, 2, 2, 2, 2]
    assert report["clusters"][0]["images"][0] == {"file": "another0.png", "distance": 0}
    assert main(["duplicates", "images", "--top", "2", "-q"]) == 0
    assert (
        capsys.readouterr().out.splitlines()[-1] == "... and 4 smaller clusters (--top shows more)"
    )


def test_holdout_keeps_copies_with_their_originals(photos: Path, capsys) -> None:
    args = ["split", "dataset.json", "-k", "2", "--holdout", "0.3", "--out", "held", "-q"]
    assert main([*args, "--images-dir", "images", "--group-near-duplicates"]) == 0
    capsys.readouterr()
    manifest = json.loads((photos / "held" / "folds.json").read_text())
    names = {
        r["id"]: r["file_name"] for r in json.loads((photos / "dataset.json").read_text())["images"]
    }
    held = {names[i] for i in manifest["holdout"]["images"]}
    for s, copy in enumerate(COPIES):  # a copy is held out exactly when its original is
        assert (copy in held) == (f"photo{s}.jpg" in held)
    assert _check(capsys, "held/folds.json") == (0, [])
