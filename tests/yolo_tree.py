"""Real YOLO dataset trees for tests: JPEGs made with Pillow, label files, a data.yaml."""

from __future__ import annotations

import random
from pathlib import Path

import yaml


def jpeg(path: Path, width: int = 64, height: int = 48, shade: int = 0) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (width, height), (shade % 256, (shade * 7) % 256, 90)).save(path, "JPEG")


def make_tree(
    root: Path,
    *,
    videos: int = 12,
    frames: int = 4,
    classes: tuple[str, ...] = ("car", "person", "bike"),
    seed: int = 0,
    val_share: float = 0.25,
    roboflow: bool = False,
    test_videos: int = 0,
) -> Path:
    """``videos`` videos of ``frames`` frames each (image names carry the video; with
    ``roboflow`` they are named as copies ``v07_jpg.rf.<hash>.jpg`` of one photo), split into
    images/train and images/val by video; returns the data.yaml path."""
    rng = random.Random(seed)
    for video in range(videos + test_videos):
        split = "test" if video >= videos else ("val" if rng.random() < val_share else "train")
        for frame in range(frames):
            stem = f"v{video:02d}_f{frame}"
            if roboflow:  # the frames become a labelling service's copies of one photo
                stem = f"v{video:02d}_jpg.rf.{rng.getrandbits(64):016x}"
            jpeg(root / "images" / split / f"{stem}.jpg", 64 + video, 48, video * 10 + frame)
            rows = []
            for _ in range(rng.randint(0, 3)):
                cls = rng.choice(range(len(classes))) if rng.random() < 0.8 else 0
                cx, cy = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8)
                w, h = rng.uniform(0.05, 0.3), rng.uniform(0.05, 0.3)
                rows.append(f"{cls} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}")
            label = root / "labels" / split / f"{stem}.txt"
            label.parent.mkdir(parents=True, exist_ok=True)
            label.write_text("".join(r + "\n" for r in rows))
    body: dict[str, object] = {
        "path": str(root),
        "train": "images/train",
        "val": "images/val",
        "names": dict(enumerate(classes)),
    }
    if test_videos:
        body["test"] = "images/test"
    data = root / "data.yaml"
    data.write_text(yaml.safe_dump(body, sort_keys=False))
    return data
