"""mkdocs hooks (mkdocs.yml ``hooks:``): the generated pages join the site at build time.

- ``commands/``: a page per sub-command, from its argparse definition;
- ``rules/``: a page per rule, from the registry, with its fixture's real output;
- ``index.md`` from README.md and ``benchmarks.md`` from bench/README.md, their links to
  other repository files rewritten to the site's pages.

The nav's ``Commands`` and ``Rules`` entries are filled with every page, so a command or rule
added later gets its page and its place without anyone editing mkdocs.yml; a hand-written page
of docs/ that the nav does not name joins its ``Guides`` at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # mkdocs loads this file by path, not as part of a package
    sys.path.insert(0, str(ROOT))

from tools.docgen import commands, repo_pages, rules  # noqa: E402

SECTIONS = {"Commands": "commands/index.md", "Rules": "rules/index.md"}
GUIDES = "Guides"
_pages: dict[str, str] = {}  # this build's generated pages (on_config makes, on_files adds)


def generated_pages(docs_dir: Path) -> dict[str, str]:
    """Every generated page, by its path in the site's docs folder."""
    pages: dict[str, str] = {}
    parsers = commands.subparsers()
    pages["commands/index.md"] = commands.index(list(parsers), parsers)
    for name, parser in parsers.items():
        guide = f"{name}.md" if (docs_dir / f"{name}.md").is_file() else None
        pages[f"commands/{name}.md"] = commands.page(name, parser, guide)
    docs = rules.rule_docs()
    pages["rules/index.md"] = rules.index(docs)
    for doc in docs:
        pages[f"rules/{doc.rule.code}.md"] = rules.page(doc)
    pages.update(repo_pages.pages(ROOT))
    return pages


def on_config(config: Any) -> Any:
    docs_dir = Path(config["docs_dir"])
    pages = generated_pages(docs_dir)
    _pages.clear()
    _pages.update(pages)
    nav = config["nav"] or []
    for position, entry in enumerate(nav):
        if isinstance(entry, dict) and len(entry) == 1:
            ((title, target),) = entry.items()
            if SECTIONS.get(title) == target:
                folder = target.rsplit("/", 1)[0] + "/"
                inside = [path for path in pages if path.startswith(folder) and path != target]
                nav[position] = {title: [target, *inside]}
    _add_unlisted_guides(nav, docs_dir, set(pages))
    return config


def _add_unlisted_guides(nav: list[Any], docs_dir: Path, generated: set[str]) -> None:
    named = set(_nav_paths(nav))
    unlisted = [
        path
        for path in sorted(p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*.md"))
        if path not in named and path not in generated
    ]
    for entry in nav:
        if isinstance(entry, dict) and isinstance(entry.get(GUIDES), list):
            entry[GUIDES].extend(unlisted)
            return
    if unlisted:
        nav.append({GUIDES: unlisted})


def _nav_paths(nav: Any) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [path for value in nav.values() for path in _nav_paths(value)]
    if isinstance(nav, list):
        return [path for value in nav for path in _nav_paths(value)]
    return []


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    for path, text in _pages.items():
        existing = files.get_file_from_path(path)
        if existing is not None:
            raise ValueError(f"docs/{path} is generated: remove the hand-written file")
        files.append(File.generated(config, path, content=text))
    return files
