"""The bundled sample as a YOLO dataset, for ``foldcheck demo --yolo``.

Each of the sample's frames becomes a real (black) PNG of its size in
``images/<split>/video<id>/`` (every fifth video in val; ``--group-by folder`` keeps a video
together) with its boxes in ``labels/``, normalised as YOLO writes them, and a
``data.yaml``. Only the standard library is used: the demo needs no Pillow.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any

from foldcheck.io.atomic import committing


def png(width: int, height: int) -> bytes:
    """A valid, all-black, 8-bit greyscale PNG: small, since zeros compress to nearly none."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rows = b"\x00" * ((width + 1) * height)  # filter byte 0, then one zero byte per pixel
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def write_yolo_sample(sample: Path, out: Path) -> Path:
    """The COCO sample at ``sample`` written as a YOLO tree under ``out``/data; its
    data.yaml. One commit in ``out``, the folder the user named: all or nothing, and never
    through a link a repository put inside it (``data`` included)."""
    root = out / "data"
    document: dict[str, Any] = json.loads(sample.read_bytes())
    names = [c["name"] for c in document["categories"]]
    row_of_class = {c["id"]: row for row, c in enumerate(document["categories"])}
    rows: dict[int, list[str]] = {image["id"]: [] for image in document["images"]}
    size = {image["id"]: (image["width"], image["height"]) for image in document["images"]}
    for a in document["annotations"]:
        w, h = size[a["image_id"]]
        x, y, bw, bh = a["bbox"]
        cx, cy = (x + bw / 2) / w, (y + bh / 2) / h
        rows[a["image_id"]].append(
            f"{row_of_class[a['category_id']]} {cx:.6f} {cy:.6f} {bw / w:.6f} {bh / h:.6f}"
        )
    blank: dict[tuple[int, int], bytes] = {}
    body = ["train: images/train", "val: images/val", "names:"]
    body += [f"  {row}: {json.dumps(name)}" for row, name in enumerate(names)]
    data = root / "data.yaml"
    with committing(out) as commit:
        for image in document["images"]:
            stem = Path(image["file_name"]).stem
            folder = f"video{image['video_id']:03d}"
            split = "val" if image["video_id"] % 5 == 4 else "train"
            dims = size[image["id"]]
            picture = root / "images" / split / folder / f"{stem}.png"
            commit.write(picture, blank.setdefault(dims, png(*dims)))
            label = "".join(line + "\n" for line in rows[image["id"]])
            commit.write(root / "labels" / split / folder / f"{stem}.txt", label.encode("utf-8"))
        commit.write(data, ("\n".join(body) + "\n").encode("utf-8"))
    return data
