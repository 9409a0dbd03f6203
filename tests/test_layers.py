"""The data flows one way: file -> format reader -> core types -> splitter or checks ->
results -> renderer. Imports are read from the source, so a new module is held to it too."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE

PACKAGE = REPO / "foldcheck"
# What each layer may not import (module prefixes). The fold pipeline never reaches up into
# the commands, the renderers, rich or the user's repository tooling.
PIPELINE = ("core", "io", "formats", "splitter", "checks", "images")
FORBIDDEN = {
    "io": ("foldcheck.core", "foldcheck.formats", "foldcheck.splitter", "foldcheck.checks"),
    "core": ("foldcheck.formats", "foldcheck.splitter", "foldcheck.checks"),
    "formats": ("foldcheck.splitter", "foldcheck.checks"),
    "splitter": ("foldcheck.checks",),
}
UPWARD = (
    "foldcheck.render",
    "foldcheck.repo",
    "foldcheck.commands",
    "foldcheck.cli",
    "foldcheck.api",
    "rich",
)


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules_of(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", PIPELINE)
def test_layer_imports_only_downward(layer: str) -> None:
    banned = UPWARD + FORBIDDEN.get(layer, ())
    for path in modules_of(layer):
        bad = sorted(n for n in imports(path) if n.startswith(banned))
        assert not bad, f"{path.relative_to(REPO)} imports {bad}"


def test_library_api_runs_without_rich() -> None:
    code = (
        "import sys, foldcheck\n"
        f"a = foldcheck.split({str(SAMPLE)!r}, k=3, group_by='video_id')\n"
        "assert a.k == 3\n"
        "print(sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
