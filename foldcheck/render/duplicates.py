"""The near-duplicate cluster report as text or JSON."""

from __future__ import annotations

import json
from typing import TextIO

from foldcheck.images.clusters import Cluster

SHOWN = 5  # members listed per cluster in text; JSON lists them all


def render_clusters(
    names: list[str], clusters: list[Cluster], fmt: str, stream: TextIO, *, most: int, quiet: bool
) -> None:
    if fmt == "json":
        stream.write(json.dumps(_as_json(names, clusters), indent=2) + "\n")
        return
    lines = []
    for number, cluster in enumerate(clusters[:most], 1):
        far = max(cluster.distance)
        lines.append(f"cluster {number}: {len(cluster.members)} images (distance up to {far})")
        for member, d in list(zip(cluster.members, cluster.distance, strict=True))[:SHOWN]:
            lines.append(f"  {names[member]}" + (f"  (distance {d})" if d else ""))
        if len(cluster.members) > SHOWN:
            lines.append(f"  ... and {len(cluster.members) - SHOWN} more")
    if len(clusters) > most:
        lines.append(f"... and {len(clusters) - most} smaller clusters (--top shows more)")
    if not quiet:
        in_clusters = sum(len(c.members) for c in clusters)
        lines.append(
            f"{len(clusters)} near-duplicate cluster{'s' * (len(clusters) != 1)} "
            f"holding {in_clusters} of {len(names)} images."
        )
    stream.write("".join(line + "\n" for line in lines))


def _as_json(names: list[str], clusters: list[Cluster]) -> dict[str, object]:
    return {
        "images": len(names),
        "clusters": [
            {
                "size": len(c.members),
                "images": [
                    {"file": names[m], "distance": d}
                    for m, d in zip(c.members, c.distance, strict=True)
                ],
            }
            for c in clusters
        ],
    }
