"""Large synthetic COCO files (openimages, coco-seg) written as text, a block at a time.

``synth.py``'s generator builds the whole document as Python objects first, which at Open
Images size (1.9M images, 16M boxes) would need more memory than the file is worth. These
presets draw each block's numbers with numpy and format them straight into the output, so
generation needs memory for one block only.

- ``openimages``: 1.9M images, ~15.8M boxes, 600 long-tailed (Zipf) classes, no polygons.
- ``coco-seg``: the ``coco`` preset's shape with polygon segmentations (a few per object,
  ~26 points each) and ~1% crowd regions as uncompressed RLE: about the size of COCO 2017's
  instances file.

A ``:SCALE`` suffix (``openimages:0.125``) keeps the shape and scales images and boxes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np

BLOCK = 20_000  # images per block


class TextPreset(NamedTuple):
    images: int
    annotations: int
    classes: int
    zipf: float
    polygons: bool
    empty_share: float = 0.01


TEXT_PRESETS = {
    "openimages": TextPreset(1_900_000, 15_800_000, 600, 1.2, polygons=False),
    "coco-seg": TextPreset(118_000, 860_000, 80, 0.9, polygons=True),
}


def parse_name(name: str) -> tuple[TextPreset, float] | None:
    """(preset, scale) for ``openimages`` or ``openimages:0.25``; None if not a text preset."""
    base, _, scale = name.partition(":")
    if base not in TEXT_PRESETS:
        return None
    return TEXT_PRESETS[base], float(scale) if scale else 1.0


def write(name: str, out: Path, seed: int = 0) -> tuple[int, int, int]:
    parsed = parse_name(name)
    if parsed is None:
        raise ValueError(f"not a text preset: {name}")
    preset, scale = parsed
    preset = preset._replace(
        images=max(1, round(preset.images * scale)),
        annotations=max(1, round(preset.annotations * scale)),
    )
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, preset.classes + 1) ** preset.zipf
    rng.shuffle(weights)
    probs = weights / weights.sum()
    mean = preset.annotations / (preset.images * (1 - preset.empty_share))
    n_ann = 0
    with out.open("w", encoding="utf-8", newline="\n") as file:
        file.write('{"info":{"description":"foldcheck synthetic ' + name + '","version":"1.0"},')
        file.write('"licenses":[],"images":[')
        first = True
        for start in range(0, preset.images, BLOCK):
            stop = min(preset.images, start + BLOCK)
            file.write(("" if first else ",") + ",".join(_image_records(start, stop)))
            first = False
        file.write('],"annotations":[')
        # A second pass over the same blocks with a fresh generator of the same seed draws the
        # same per-image counts, so images need not be kept between the two arrays.
        ann_rng = np.random.default_rng([seed, 1])
        first = True
        for start in range(0, preset.images, BLOCK):
            stop = min(preset.images, start + BLOCK)
            records, n_ann = _annotation_block(preset, probs, mean, start, stop, n_ann, ann_rng)
            if records:
                file.write(("" if first else ",") + ",".join(records))
                first = False
        file.write('],"categories":[')
        file.write(
            ",".join(
                f'{{"id":{c + 1},"name":"class_{c + 1:04d}","supercategory":"object"}}'
                for c in range(preset.classes)
            )
        )
        file.write("]}\n")
    return preset.images, n_ann, preset.classes


def _image_records(start: int, stop: int) -> Iterator[str]:
    for index in range(start, stop):
        yield (f'{{"id":{index + 1},"file_name":"{index + 1:012d}.jpg","width":640,"height":480}}')


def _annotation_block(
    preset: TextPreset,
    probs: np.ndarray,
    mean: float,
    start: int,
    stop: int,
    next_id: int,
    rng: np.random.Generator,
) -> tuple[list[str], int]:
    n = stop - start
    raw = rng.lognormal(0.0, 0.9, n)
    counts = np.maximum(1, np.rint(raw * mean / np.exp(0.9**2 / 2))).astype(np.int64)
    counts[rng.random(n) < preset.empty_share] = 0
    # Each image draws a small palette from the long tail; its objects draw from the palette.
    palette_size = np.minimum(1 + rng.poisson(1.5, n), preset.classes)
    total = int(counts.sum())
    image_of = np.repeat(np.arange(start, stop), counts)
    palettes = rng.choice(preset.classes, size=(n, 4), p=probs)
    pick = (rng.random(total) * np.repeat(np.minimum(palette_size, 4), counts)).astype(np.int64)
    classes = palettes[image_of - start, pick]
    width, height = 640.0, 480.0
    box = rng.random((total, 4))
    bw = np.round(8 + box[:, 2] * width / 3, 1)
    bh = np.round(8 + box[:, 3] * height / 3, 1)
    bx = np.round(box[:, 0] * (width - bw), 1)
    by = np.round(box[:, 1] * (height - bh), 1)
    records = []
    if not preset.polygons:
        area = np.round(bw * bh, 2)
        for i, (img, cls, x, y, w, h, a) in enumerate(
            zip(
                image_of.tolist(),
                classes.tolist(),
                bx.tolist(),
                by.tolist(),
                bw.tolist(),
                bh.tolist(),
                area.tolist(),
                strict=True,
            )
        ):
            records.append(
                f'{{"id":{next_id + i + 1},"image_id":{img + 1},"category_id":{cls + 1},'
                f'"bbox":[{x},{y},{w},{h}],"area":{a},"iscrowd":0}}'
            )
        return records, next_id + total
    crowd = rng.random(total) < 0.01
    for i in range(total):
        x, y, w, h = float(bx[i]), float(by[i]), float(bw[i]), float(bh[i])
        if crowd[i]:
            segmentation, area = _rle(rng, w, h, int(height), int(width))
        else:
            segmentation, area = _polygons(rng, x, y, w, h)
        records.append(
            f'{{"segmentation":{segmentation},"area":{area:.4f},"iscrowd":{int(crowd[i])},'
            f'"image_id":{int(image_of[i]) + 1},"bbox":[{x},{y},{w},{h}],'
            f'"category_id":{int(classes[i]) + 1},"id":{next_id + i + 1}}}'
        )
    return records, next_id + total


def _polygons(
    rng: np.random.Generator, x: float, y: float, w: float, h: float
) -> tuple[str, float]:
    """1-3 star-shaped polygons inside the box; their total shoelace area."""
    parts, area = [], 0.0
    for _ in range(1 + int(rng.random() < 0.12) + int(rng.random() < 0.04)):
        points = max(3, int(rng.lognormal(3.1, 0.5)))
        angle = np.sort(rng.random(points)) * 2 * np.pi
        radius = 0.5 + 0.5 * rng.random(points)
        px = np.round(x + w / 2 * (1 + radius * np.cos(angle)), 2)
        py = np.round(y + h / 2 * (1 + radius * np.sin(angle)), 2)
        area += 0.5 * abs(float(np.dot(px, np.roll(py, -1)) - np.dot(py, np.roll(px, -1))))
        coords = np.empty(2 * points)
        coords[0::2], coords[1::2] = px, py
        parts.append("[" + ",".join(map(repr, coords.tolist())) + "]")
    return "[" + ",".join(parts) + "]", area


def _rle(
    rng: np.random.Generator, w: float, h: float, image_h: int, image_w: int
) -> tuple[str, float]:
    """An uncompressed RLE of alternating background/foreground runs over the image."""
    runs = rng.integers(1, 400, size=2 * int(rng.integers(20, 120)))
    runs[-1] = max(1, image_h * image_w - int(runs[:-1].sum()))
    area = float(runs[1::2].sum())
    counts = ",".join(map(str, runs.tolist()))
    return f'{{"counts":[{counts}],"size":[{image_h},{image_w}]}}', area


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    name, out = args[0], Path(args[1])
    seed = int(args[2]) if len(args) > 2 else 0
    images, annotations, classes = write(name, out, seed)
    print(f"{out}: {images} images, {annotations} annotations, {classes} classes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
