"""The docs site builds with `mkdocs build --strict` (no broken link, no warning), offline (no
page fetches anything from another host), and its generated pages say what the code does: a
page per command with exactly the options `foldcheck COMMAND --help` lists, a page per rule."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from foldcheck.checks.rules import catalogue
from foldcheck.cli import COMMANDS
from tools.docgen import commands

REPO = Path(__file__).resolve().parent.parent
_FETCHED = re.compile(r"""(?:<script[^>]*\ssrc|<link[^>]*\shref|<img[^>]*\ssrc)=["']https?://""")
_CSS_URL = re.compile(r"""url\(\s*["']?https?://|@import\s+["']?(?:url\()?\s*["']?https?://""")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs", reason="the docs extra is not installed (setup.sh installs it)")
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    return out


def test_no_page_fetches_from_another_host(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text("utf-8")
        assert not _FETCHED.search(text), page
        assert "mermaid" not in text, page  # Material would fetch mermaid.js from unpkg
    for sheet in site.rglob("*.css"):
        assert not _CSS_URL.search(sheet.read_text("utf-8")), sheet


def test_every_command_and_rule_has_a_page(site: Path) -> None:
    for name in COMMANDS:
        assert (site / "commands" / f"{name}.html").is_file(), name
    for code in catalogue():
        assert (site / "rules" / f"{code}.html").is_file(), code


def _help_options(name: str) -> set[str]:
    """The options `foldcheck NAME --help` lists, read from the real command's output."""
    done = subprocess.run(
        [sys.executable, "-m", "foldcheck", name, "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    options_part = done.stdout.split("options:", 1)[1]
    found = set()
    for line in options_part.splitlines():
        if line.startswith("  -"):
            invocation = re.split(r"\s{2,}", line.strip())[0]
            found |= {word.rstrip(",") for word in invocation.split() if word.startswith("-")}
    return found - {"-h", "--help"}


@pytest.mark.parametrize("name", COMMANDS)
def test_command_page_lists_exactly_the_options_of_its_help(site: Path, name: str) -> None:
    html = (site / "commands" / f"{name}.html").read_text("utf-8")
    table = html.split('id="arguments"', 1)[1]
    documented = {m for m in re.findall(r"<code>(-[^<]+)</code>", table.split("</table>")[0])}
    options = _help_options(name)
    assert documented == options, (documented - options, options - documented)


def test_option_names_come_from_the_parser() -> None:
    parser = commands.subparsers()["split"]
    assert {"--folds", "-k", "--group-by", "--holdout-from", "DATASET"} <= set(
        commands.option_names(parser)
    )


def test_architecture_names_every_package_of_the_code() -> None:
    """docs/architecture.md's layer table has a row for each folder of foldcheck/."""
    table = (REPO / "docs" / "architecture.md").read_text("utf-8")
    packages = sorted(p.parent.name for p in (REPO / "foldcheck").glob("*/__init__.py"))
    missing = [name for name in packages if f"| `{name}/` |" not in table]
    assert not missing, f"docs/architecture.md has no row for {missing}"
