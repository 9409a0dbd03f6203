"""A PNG contact sheet of near-duplicate clusters: one row of thumbnails per cluster.

People judge "is this the same photo?" faster by eye than from a list of names, so the
largest clusters are drawn side by side, each thumbnail captioned with its file name and its
distance to the row's first image.
"""

from __future__ import annotations

import io
from pathlib import Path

from foldcheck.images.clusters import Cluster

THUMB = 160  # thumbnail box, pixels
CAPTION = 26  # caption height under each thumbnail
PAD = 8


def contact_sheet(
    root: Path, names: list[str], clusters: list[Cluster], *, rows: int = 12, per_row: int = 6
) -> bytes:
    """PNG bytes of the first `rows` clusters, at most `per_row` images each."""
    from PIL import Image, ImageDraw, ImageOps

    shown = clusters[:rows]
    label_w = 90
    width = label_w + per_row * (THUMB + PAD) + PAD
    height = PAD + len(shown) * (THUMB + CAPTION + PAD) or THUMB
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    for r, cluster in enumerate(shown):
        top = PAD + r * (THUMB + CAPTION + PAD)
        draw.text((PAD, top + 4), f"#{r + 1}", fill="black")
        draw.text((PAD, top + 20), f"{len(cluster.members)} images", fill="dimgray")
        for c, (member, dist) in enumerate(
            zip(cluster.members[:per_row], cluster.distance, strict=False)
        ):
            left = label_w + c * (THUMB + PAD)
            try:
                with Image.open(root / names[member]) as im:
                    im.draft("RGB", (THUMB, THUMB))
                    thumb = ImageOps.exif_transpose(im).convert("RGB")
                    thumb.thumbnail((THUMB, THUMB))
            except (OSError, ValueError):
                thumb = Image.new("RGB", (THUMB, THUMB), "lightgray")
            sheet.paste(
                thumb, (left + (THUMB - thumb.width) // 2, top + (THUMB - thumb.height) // 2)
            )
            caption = _fit(Path(names[member]).name, 24)
            draw.text((left, top + THUMB + 2), caption, fill="black")
            draw.text(
                (left, top + THUMB + 13),
                "reference" if c == 0 else f"distance {dist}",
                fill="dimgray",
            )
        if len(cluster.members) > per_row:
            draw.text((PAD, top + 36), f"{per_row} shown", fill="firebrick")
    buf = io.BytesIO()
    sheet.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def _fit(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars // 2 - 1] + "..." + text[-(chars // 2) :]
