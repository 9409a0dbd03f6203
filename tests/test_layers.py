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
PIPELINE = ("core", "io", "formats", "splitter", "checks", "images", "metrics", "scoring")
FORBIDDEN = {
    "io": ("foldcheck.core", "foldcheck.formats", "foldcheck.splitter", "foldcheck.checks"),
    "core": ("foldcheck.formats", "foldcheck.splitter", "foldcheck.checks"),
    "formats": ("foldcheck.splitter", "foldcheck.checks"),
    "splitter": ("foldcheck.checks",),
    "metrics": ("foldcheck.splitter", "foldcheck.checks"),
    "scoring": ("foldcheck.splitter",),
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


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each module of the package and the package modules it imports anywhere in its body
    (a function's deferred import counts: it is a cycle waiting for the first call)."""
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:  # `from pkg import module` imports the module
                    sub = f"{node.module}.{alias.name}"
                    targets.add(sub if sub in paths else node.module)
            elif isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
        graph[name] = {t for t in targets if t in paths and t != name}
    return graph


def test_no_import_cycle() -> None:
    graph = import_graph()
    state: dict[str, str] = {}  # "open" while on the path being walked, then "done"

    def walk(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                cycle = [*path[path.index(target) :], target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                walk(target, [*path, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            walk(module, [module])


def test_formats_shows_its_two_formats() -> None:
    """COCO and YOLO modules live in their own packages; what sits beside them is
    format-neutral (the manifest, fold sets, exports) and names neither format."""
    formats = PACKAGE / "formats"
    assert (formats / "coco" / "__init__.py").is_file()
    assert (formats / "yolo" / "__init__.py").is_file()
    flat = sorted(p.name for p in formats.glob("*.py"))
    assert not [n for n in flat if n.startswith(("coco", "yolo"))], flat
