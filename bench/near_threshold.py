"""The threshold study behind --near-distance: Hamming distances between a photo's pHash
and the hash of an edited copy (should be inside T), and between different photos or other
views of one scene (should be outside).

    python bench/near_threshold.py [--synthetic 200] [--out bench/out]

Photos: the real photographs scikit-image ships (astronaut, camera, chelsea, coffee, ...;
`pip install scikit-image`, used only if present), a few textures and graphics from the
same package listed apart, and --synthetic photo-like scenes (foldcheck.images.synth). Each
original is a JPEG (quality 95) first, as a camera or export would write it. Writes
--out/near_threshold.md.
"""

from __future__ import annotations

import argparse
import io
import itertools
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

from foldcheck.images import DEFAULT_MAX_DISTANCE
from foldcheck.images.phash import hash_image
from foldcheck.images.synth import scene

PHOTOS = [
    "astronaut.png",
    "camera.png",
    "chelsea.png",
    "coffee.png",
    "coins.png",
    "hubble_deep_field.jpg",
    "ihc.png",
    "moon.png",
    "motorcycle_left.png",
    "retina.jpg",
    "rocket.jpg",
]
GRAPHICS = [
    "brick.png",
    "grass.png",
    "gravel.png",
    "page.png",
    "text.png",
    "color.png",
    "microaneurysms.png",
    "cell.png",
    "clock_motion.png",
]


def _saved(im: Image.Image, fmt: str, **options: object) -> Image.Image:
    buffer = io.BytesIO()
    im.save(buffer, fmt, **options)
    buffer.seek(0)
    return Image.open(buffer)


def _crop(im: Image.Image, frac: float, both_sides: bool) -> Image.Image:
    dx, dy = round(im.width * frac), round(im.height * frac)
    return im.crop((dx, dy, im.width - dx, im.height - dy) if both_sides else (dx, dy, *im.size))


def _scaled(im: Image.Image, f: float) -> Image.Image:
    return im.resize((round(im.width * f), round(im.height * f)), Image.Resampling.BICUBIC)


EDITS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "re-encoded, JPEG quality 60": lambda im: _saved(im, "JPEG", quality=60),
    "re-saved as PNG": lambda im: _saved(im, "PNG"),
    "resized to 90 %": lambda im: _scaled(im, 0.9),
    "resized to 50 %": lambda im: _scaled(im, 0.5),
    "brightness +10 %": lambda im: ImageEnhance.Brightness(im).enhance(1.1),
    "brightness -10 %": lambda im: ImageEnhance.Brightness(im).enhance(0.9),
    "contrast +10 %": lambda im: ImageEnhance.Contrast(im).enhance(1.1),
    "cropped 1 % (left and top)": lambda im: _crop(im, 0.01, False),
    "cropped 1 % each side": lambda im: _crop(im, 0.01, True),
    "cropped 2 % (left and top)": lambda im: _crop(im, 0.02, False),
    "90 %, brightness +5 %, quality 75": lambda im: _saved(
        ImageEnhance.Brightness(_scaled(im, 0.9)).enhance(1.05), "JPEG", quality=75
    ),
}


def _view(im: Image.Image, shift: float) -> Image.Image:
    """An 80 % window of the picture, moved right by `shift` of its width (and down half)."""
    w, h = round(im.width * 0.8), round(im.height * 0.8)
    dx, dy = round(im.width * shift), round(im.height * shift / 2)
    return im.crop((dx, dy, dx + w, dy + h))


def distances(originals: list[Image.Image]) -> dict[str, np.ndarray]:
    def jpeg(im: Image.Image) -> Image.Image:  # a fresh file each time: hashing decodes it
        return _saved(im, "JPEG", quality=95)  # at reduced size, an edit needs it whole

    base = [hash_image(jpeg(im)) for im in originals]
    out = {
        edit: np.array(
            [
                (h ^ hash_image(f(jpeg(im)))).bit_count()
                for h, im in zip(base, originals, strict=True)
            ]
        )
        for edit, f in EDITS.items()
    }
    out["different photos"] = np.array(
        [(a ^ b).bit_count() for a, b in itertools.combinations(base, 2)]
    )
    for shift in (0.05, 0.10):
        out[f"same scene, view moved {shift:.0%}"] = np.array(
            [
                (hash_image(_view(jpeg(im), 0)) ^ hash_image(_view(jpeg(im), shift))).bit_count()
                for im in originals
            ]
        )
    return out


OUTSIDE = ("different photos", "same scene, view moved 5%", "same scene, view moved 10%")


def table(title: str, d: dict[str, np.ndarray], t: int) -> list[str]:
    lines = [
        f"### {title}",
        "",
        f"| | n | mean | max / min | within {t} |",
        "|---|---|---|---|---|",
    ]
    for name, v in d.items():
        extreme = f"min {v.min()}" if name in OUTSIDE else f"max {v.max()}"
        lines.append(f"| {name} | {v.size} | {v.mean():.1f} | {extreme} | {np.mean(v <= t):.1%} |")
    return [*lines, ""]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args(argv)
    t = DEFAULT_MAX_DISTANCE
    lines = [f"## Near-duplicate threshold study (T = {t})", ""]
    try:
        import skimage

        data = Path(skimage.__file__).parent / "data"
        for title, names in (
            ("scikit-image photographs", PHOTOS),
            ("scikit-image textures and graphics", GRAPHICS),
        ):
            pictures = [Image.open(data / n).convert("RGB") for n in names]
            lines += table(f"{title} ({len(names)})", distances(pictures), t)
        left, right = (Image.open(data / f"motorcycle_{s}.png") for s in ("left", "right"))
        stereo = (hash_image(left) ^ hash_image(right)).bit_count()
        lines += [f"Stereo pair (two cameras side by side, one scene): distance {stereo}.", ""]
    except ImportError:
        lines += ["(scikit-image not installed: its photographs were left out)", ""]
    synthetic = [scene(s) for s in range(args.synthetic)]
    lines += table(f"synthetic photo-like scenes ({args.synthetic})", distances(synthetic), t)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "near_threshold.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
