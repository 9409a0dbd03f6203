"""The near-duplicate section of the HTML report: each cluster's thumbnails, labelled with
the fold (or the held-out test set) each image is in; clusters across folds first."""

from __future__ import annotations

import base64
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from foldcheck.images.thumbnails import Sheet, ShownCluster


def clusters_section(sheet: Sheet) -> str:
    if not sheet.found:
        return "<h2>Near-duplicate clusters</h2><p>none among the fold set's images.</p>"
    shown = len(sheet.clusters)
    across = sum(len(c.parts_all) > 1 for c in sheet.clusters)
    left = sheet.found - shown
    more = (
        f" {left} more cluster{'s' if left != 1 else ''} "
        f"({sheet.images - sum(c.size for c in sheet.clusters)} images) left out, to keep the "
        "page small; foldcheck duplicates lists them all."
        if left
        else ""
    )
    return (
        f"<h2>Near-duplicate clusters: {sheet.found} ({sheet.images} images)</h2>"
        f"<p>Images whose perceptual hashes are close: the same photo re-encoded, resized or "
        f"cropped. A cluster across folds (outlined, {across} shown) puts a photo in training "
        f"and validation. {shown} shown, at most six images each.{more}</p>"
        + "".join(_cluster(number, c) for number, c in enumerate(sheet.clusters, 1))
    )


def _part(part: int) -> str:
    return "held out" if part < 0 else f"fold {part}"


def _cluster(number: int, cluster: ShownCluster) -> str:
    where = ", ".join(_part(p) for p in cluster.parts_all)
    more = (
        f", {cluster.size - len(cluster.rows)} not shown"
        if cluster.size > len(cluster.rows)
        else ""
    )
    figures = "".join(
        f'<figure data-part="{part}">'
        + (
            f'<img alt="{escape(name)}" src="data:image/webp;base64,'
            f'{base64.b64encode(thumb).decode()}">'
            if thumb is not None
            else '<div class="nothumb">not shown</div>'
        )
        + f"<figcaption>{escape(_part(part))}<br>{escape(_short(name))}"
        + (f"<br>distance {d}" if d else "")
        + "</figcaption></figure>"
        for name, part, thumb, d in zip(
            cluster.names, cluster.parts, cluster.thumbnails, cluster.distance, strict=True
        )
    )
    across = " across" if len(cluster.parts_all) > 1 else ""
    return (
        f'<section class="cluster{across}"><h3>#{number}: {cluster.size} images in '
        f"{escape(where)}{more}</h3>{figures}</section>"
    )


def _short(name: str, most: int = 28) -> str:
    """A long file name's start and end (the whole name is the image's alt text)."""
    return name if len(name) <= most else name[: most // 2 - 1] + "…" + name[-(most // 2) :]
