"""Hashes of real image files (Pillow-written JPEG/PNG) under the edits the threshold covers."""

from __future__ import annotations

import pytest
from PIL import Image, ImageEnhance

from foldcheck.images.phash import hamming, hash_file
from foldcheck.images.synth import scene

T = 8  # the default threshold (docs/duplicates.md: the threshold study)


def _crop(im, left, top, right, bottom):
    w, h = im.size
    return im.crop((round(w * left), round(h * top), w - round(w * right), h - round(h * bottom)))


EDITS = {
    "jpeg q60": lambda im: (im, {"quality": 60}),
    "png": lambda im: (im, {}),
    "resize 90%": lambda im: (im.resize((576, 432), Image.Resampling.BICUBIC), {"quality": 90}),
    "brighter 10%": lambda im: (ImageEnhance.Brightness(im).enhance(1.1), {"quality": 90}),
    "darker 10%": lambda im: (ImageEnhance.Brightness(im).enhance(0.9), {"quality": 90}),
    "crop 1%": lambda im: (_crop(im, 0.01, 0.01, 0, 0), {"quality": 90}),
    "crop 1% each side": lambda im: (_crop(im, 0.01, 0.01, 0.01, 0.01), {"quality": 90}),
    "crop 2%": lambda im: (_crop(im, 0.02, 0, 0, 0.02), {"quality": 90}),
}


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    folder = tmp_path_factory.mktemp("orig")
    out = {}
    for seed in range(6):
        im = scene(seed)
        im.save(folder / f"{seed}.jpg", quality=92)
        out[seed] = (im, hash_file(folder / f"{seed}.jpg"), folder / f"{seed}.jpg")
    return out


@pytest.mark.parametrize("edit", EDITS)
def test_edited_copies_are_within_threshold(edit, originals, tmp_path):
    for seed, (im, h, _) in originals.items():
        edited, kw = EDITS[edit](im)
        path = tmp_path / f"{seed}.{'png' if edit == 'png' else 'jpg'}"
        edited.save(path, **kw)
        assert hamming(h, hash_file(path)) <= T, (edit, seed)


def test_different_photos_are_far_apart(originals):
    hashes = [h for _, h, _ in originals.values()]
    for a in range(len(hashes)):
        for b in range(a + 1, len(hashes)):
            assert hamming(hashes[a], hashes[b]) > 2 * T


def test_exif_orientation_is_applied(originals, tmp_path):
    im, h, _ = originals[0]
    # stored sideways, tagged "rotate 90 CW to display" (orientation 6): displays upright
    exif = Image.Exif()
    exif[0x0112] = 6
    im.transpose(Image.Transpose.ROTATE_90).save(tmp_path / "side.jpg", quality=92, exif=exif)
    im.transpose(Image.Transpose.ROTATE_90).save(tmp_path / "untagged.jpg", quality=92)
    assert hamming(h, hash_file(tmp_path / "side.jpg")) <= 2
    assert hamming(h, hash_file(tmp_path / "untagged.jpg")) > T


def test_reduced_jpeg_decode_matches_full_decode(originals, tmp_path):
    for seed, (_, h, path) in originals.items():
        with Image.open(path) as jpg:
            jpg.load()  # full-size decode, no draft
            jpg.save(tmp_path / f"{seed}.png")
        assert hamming(h, hash_file(tmp_path / f"{seed}.png")) <= 2


@pytest.mark.parametrize("mode", ["L", "P", "RGBA", "CMYK", "I;16"])
def test_any_mode_hashes_like_its_rgb(mode, originals, tmp_path):
    im, _, _ = originals[1]
    im.save(tmp_path / "rgb.png")
    converted = im.convert("L").convert("I;16") if mode == "I;16" else im.convert(mode)
    ext = "tiff" if mode in ("CMYK", "I;16") else "png"
    converted.save(tmp_path / f"x.{ext}")
    assert hamming(hash_file(tmp_path / "rgb.png"), hash_file(tmp_path / f"x.{ext}")) <= T
