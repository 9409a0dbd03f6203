"""Generate COCO-like synthetic detection datasets for benchmarks and the bundled sample.

Long-tailed classes (Zipf), a skewed number of objects per image, ~1% images without objects,
classes that co-occur within an image and, for video presets, within a video.

    python bench/synth.py coco out/coco.json [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np


class Preset(NamedTuple):
    images: int
    annotations: int
    classes: int
    zipf: float  # exponent of the class-frequency tail
    videos: int = 0  # 0: independent images; else frames grouped by video_id
    empty_share: float = 0.01


PRESETS: dict[str, Preset] = {
    "sample": Preset(
        images=240, annotations=1400, classes=10, zipf=1.1, videos=48, empty_share=0.04
    ),
    "trash": Preset(images=4_900, annotations=23_000, classes=10, zipf=1.0),
    "coco": Preset(images=118_000, annotations=860_000, classes=80, zipf=0.9),
    "coco-half": Preset(images=59_000, annotations=430_000, classes=80, zipf=0.9),
    "lvis": Preset(images=100_000, annotations=1_270_000, classes=1_203, zipf=1.1),
    "video": Preset(images=48_000, annotations=260_000, classes=30, zipf=1.0, videos=2_000),
}


def _class_probabilities(preset: Preset, rng: np.random.Generator) -> np.ndarray:
    weights = 1.0 / np.arange(1, preset.classes + 1) ** preset.zipf
    rng.shuffle(weights)  # so class id does not give away frequency
    return weights / weights.sum()


def _objects_per_image(preset: Preset, n_images: int, rng: np.random.Generator) -> np.ndarray:
    """Skewed counts (log-normal) scaled to the preset's total, with empty images."""
    mean = preset.annotations / (preset.images * (1 - preset.empty_share))
    raw = rng.lognormal(mean=0.0, sigma=0.9, size=n_images)
    counts = np.maximum(1, np.rint(raw * mean / raw.mean())).astype(np.int64)
    counts[rng.random(n_images) < preset.empty_share] = 0
    return counts


def generate(preset: Preset, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    probs = _class_probabilities(preset, rng)
    n_images = preset.images
    counts = _objects_per_image(preset, n_images, rng)

    if preset.videos:
        # Each video draws its own small class palette; frames draw from it.
        video_of_image = np.sort(rng.integers(0, preset.videos, size=n_images))
        palettes = [
            rng.choice(preset.classes, size=min(4, preset.classes), replace=False, p=probs)
            for _ in range(preset.videos)
        ]
    else:
        video_of_image = None
        palettes = []

    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    ann_id = 1
    for index in range(n_images):
        image_id = index + 1
        width, height = (1280, 720) if preset.videos else (640, 480)
        record: dict[str, Any] = {"id": image_id, "width": width, "height": height}
        if video_of_image is not None:
            video = int(video_of_image[index])
            record["file_name"] = f"video{video:05d}_{index:07d}.jpg"
            record["video_id"] = video
            palette = palettes[video]
            local = probs[palette] / probs[palette].sum()
        else:
            record["file_name"] = f"{image_id:012d}.jpg"
            # A few classes per image, drawn from the global tail.
            palette = rng.choice(
                preset.classes,
                size=min(1 + rng.poisson(1.5), preset.classes),
                replace=False,
                p=probs,
            )
            local = probs[palette] / probs[palette].sum()
        images.append(record)
        n = int(counts[index])
        if n == 0:
            continue
        classes = rng.choice(palette, size=n, p=local)
        boxes = rng.random((n, 4))
        for class_index, (x, y, w, h) in zip(classes.tolist(), boxes.tolist(), strict=True):
            bw, bh = round(8 + w * width / 3, 1), round(8 + h * height / 3, 1)
            annotations.append(
                {
                    "id": ann_id,
                    "image_id": image_id,
                    "category_id": class_index + 1,
                    "bbox": [round(x * (width - bw), 1), round(y * (height - bh), 1), bw, bh],
                    "area": round(bw * bh, 2),
                    "iscrowd": 0,
                }
            )
            ann_id += 1

    categories = [
        {"id": c + 1, "name": f"class_{c + 1:04d}", "supercategory": "object"}
        for c in range(preset.classes)
    ]
    return {
        "info": {"description": "foldcheck synthetic COCO-like dataset", "version": "1.0"},
        "licenses": [],
        "images": images,
        "annotations": annotations,
        "categories": categories,
    }


def main(argv: list[str] | None = None) -> int:
    import synth_text

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "preset",
        help=f"{', '.join(sorted(PRESETS))}, clips; or {synth_text.__doc__.splitlines()[0]}",
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--indent", type=int, default=None, help="pretty-print (the sample uses 1)")
    args = parser.parse_args(argv)
    if synth_text.parse_name(args.preset) is not None:  # openimages, coco-seg[:SCALE]
        args.out.parent.mkdir(parents=True, exist_ok=True)
        images, annotations, classes = synth_text.write(args.preset, args.out, args.seed)
        print(f"{args.out}: {images} images, {annotations} annotations, {classes} classes")
        return 0
    if args.preset == "clips":  # the tests' video draws, on which the splitter's goals are hard
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.test_split_video import video_frames

        args.out.parent.mkdir(parents=True, exist_ok=True)
        video_frames(args.out, 2_000, args.seed)
        return 0
    if args.preset not in PRESETS:
        parser.error(f"unknown preset {args.preset!r}")
    data = generate(PRESETS[args.preset], args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(
        data, indent=args.indent, separators=(",", ":") if args.indent is None else None
    )
    args.out.write_text(text + "\n", encoding="utf-8")
    print(
        f"{args.out}: {len(data['images'])} images, {len(data['annotations'])} annotations,"
        f" {len(data['categories'])} classes",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
