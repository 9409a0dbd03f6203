"""Small thumbnails of near-duplicate clusters, for a page that carries them inline.

A cluster is judged by eye ("is this the same photo?"), so the report shows its images; the
page must stay small and self-contained, so each thumbnail is a low-quality WebP of at most
``SIDE`` pixels, and the clusters shown stop at a count and at a byte budget (what was left
out is counted, so the page can say so). Only files inside the images folder are opened: a
dataset's ``file_name`` of ``../../secret.jpg`` must not put a picture of another folder into
a report that is attached to a pull request.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import NamedTuple

from foldcheck.images.clusters import Cluster
from foldcheck.images.pil import require_pil
from foldcheck.io.links import is_within, resolved

SIDE = 96  # longest side, pixels
QUALITY = 40  # WebP quality: enough to tell two photos apart, ~2-4 KB a thumbnail
MOST_CLUSTERS = 60
MOST_PER_CLUSTER = 6
BUDGET = 1_500_000  # bytes of thumbnails in one page (base64 adds a third)


class ShownCluster(NamedTuple):
    rows: list[int]  # dataset rows of the members shown, the cluster's reference first
    names: list[str]  # their file names
    parts: list[int]  # the part of the data each member shown is in (a fold; -1 none)
    parts_all: list[int]  # the parts of all members, sorted, each once
    distance: list[int]  # each shown member's hash distance to the reference
    thumbnails: list[bytes | None]  # WebP bytes; None where the file could not be shown
    size: int  # members in the cluster (more than shown when capped)


class Sheet(NamedTuple):
    clusters: list[ShownCluster]
    found: int  # clusters found
    images: int  # images in all clusters found
    thumbnail_bytes: int


def cluster_sheet(
    root: Path,
    names: list[str],
    rows: list[int],
    parts: list[int],
    clusters: list[Cluster],
    what: str,
) -> Sheet:
    """Thumbnails of ``clusters`` (members index ``names``, ``rows`` and ``parts``), in their
    order, until ``MOST_CLUSTERS`` or ``BUDGET`` is reached."""
    require_pil(what)
    inside = [Path(resolved(str(root)))]
    shown: list[ShownCluster] = []
    spent = 0
    for cluster in clusters[:MOST_CLUSTERS]:
        members = cluster.members[:MOST_PER_CLUSTER]
        thumbs = [_thumbnail(root / names[m], inside) for m in members]
        cost = sum(len(t) for t in thumbs if t is not None)
        if shown and spent + cost > BUDGET:
            break
        spent += cost
        shown.append(
            ShownCluster(
                [rows[m] for m in members],
                [names[m] for m in members],
                [parts[m] for m in members],
                sorted({parts[m] for m in cluster.members}),
                cluster.distance[:MOST_PER_CLUSTER],
                thumbs,
                len(cluster.members),
            )
        )
    return Sheet(shown, len(clusters), sum(len(c.members) for c in clusters), spent)


def _thumbnail(path: Path, inside: list[Path]) -> bytes | None:
    from PIL import Image, ImageOps

    if not is_within(resolved(str(path)), inside):
        return None
    try:
        with Image.open(path) as im:
            im.draft("RGB", (SIDE, SIDE))  # JPEG: decode at 1/2..1/8 scale
            thumb = ImageOps.exif_transpose(im).convert("RGB")
            thumb.thumbnail((SIDE, SIDE))
            out = io.BytesIO()
            thumb.save(out, "WEBP", quality=QUALITY, method=4)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    return out.getvalue()
