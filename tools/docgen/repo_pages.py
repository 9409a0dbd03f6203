"""The repository's own Markdown pages as pages of the site: README.md is the home page and
bench/README.md the benchmarks page. Links that work on the repository (``docs/check.md``,
``../README.md``) are rewritten to the site's pages; a link to any other file of the
repository, which the site does not hold, becomes its path in code."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

SOURCES = {"README.md": "index.md", "bench/README.md": "benchmarks.md"}
_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:|^#")


def pages(root: Path) -> dict[str, str]:
    return {
        site: rewrite_links((root / source).read_text("utf-8"), source)
        for source, site in SOURCES.items()
    }


def site_path(source: str, target: str) -> str | None:
    """Where a link of the repository file ``source`` to ``target`` lands in the site's docs
    folder, or None if the site has no such page."""
    path = posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
    if path in SOURCES:
        return SOURCES[path]
    if path.startswith("docs/"):
        return path.removeprefix("docs/")
    return None


def rewrite_links(text: str, source: str) -> str:
    def link(match: re.Match[str]) -> str:
        bang, label, target = match.groups()
        if _EXTERNAL.match(target):
            return match.group(0)
        path, _, anchor = target.partition("#")
        landed = site_path(source, path)
        if landed is None:
            return f"{label} (`{path}`)" if label.strip("`") != path else f"`{path}`"
        return f"{bang}[{label}]({landed}{'#' + anchor if anchor else ''})"

    return _LINK.sub(link, text)
