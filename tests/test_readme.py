"""The README's promises, run as a reader would: every bash and Python block of its
walk-throughs runs, in order, in a fresh git repository holding the data the walk-through
starts from (the bundled sample, a real Roboflow export from ../shared/data/real, the demo's
YOLO dataset), with real git and real pre-commit; its exit code and output are what the README
says, and a text block right after a block shows lines of its real output.

The README marks each block with an HTML comment (invisible when rendered):
``<!-- test: in=NAME -->`` starts a walk-through in a fresh repository NAME (see STARTS);
``<!-- test: exit=N expect="TEXT" -->`` expects that exit code and that text in the output;
``<!-- test: skip: REASON -->`` is a block a test cannot run, and says why.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import isolated_env, ok

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
SAMPLE = REPO / "foldcheck" / "data" / "sample.json"
REAL = REPO.parent / "shared" / "data" / "real"
MOST_LINES = 250

_MARK = re.compile(r"^<!-- test: (?P<spec>.*) -->$")
_FENCE = re.compile(r"^```(?P<lang>\w*)$")


@dataclass
class Block:
    lang: str
    code: str
    line: int  # where it starts in the README
    spec: str  # the marker's text, "" for none
    shown: list[str]  # the lines of a text block right after it: its output, as shown


def blocks() -> list[Block]:
    found: list[Block] = []
    lines = README.read_text("utf-8").splitlines()
    spec, n = "", 0
    while n < len(lines):
        mark, fence = _MARK.match(lines[n]), _FENCE.match(lines[n])
        if mark:
            spec = mark["spec"]
        elif fence:
            end = lines.index("```", n + 1)
            body = lines[n + 1 : end]
            if fence["lang"] in ("bash", "python"):
                found.append(Block(fence["lang"], "\n".join(body) + "\n", n + 1, spec, []))
            elif fence["lang"] == "text" and found and _follows(lines, found[-1], n):
                found[-1].shown = body
            spec, n = "", end
        n += 1
    return found


def _follows(lines: list[str], block: Block, text_start: int) -> bool:
    """A text block shows a block's output when only prose stands between them."""
    between = lines[block.line : text_start]
    closing = between.index("```") if "```" in between else len(between)
    return not any(_FENCE.match(line) for line in between[closing + 1 :])


def _option(spec: str, key: str) -> str | None:
    for word in shlex.split(spec):
        if word.startswith(f"{key}="):
            return word.split("=", 1)[1]
    return None


def walkthroughs() -> dict[str, list[Block]]:
    runs: dict[str, list[Block]] = {}
    current: list[Block] | None = None
    for block in blocks():
        if block.spec.startswith("skip:"):
            continue
        start = _option(block.spec, "in")
        if start is not None:
            current = runs.setdefault(start, [])
        assert current is not None, f"README.md:{block.line}: a block before any walk-through"
        current.append(block)
    return runs


# --- the repositories the walk-throughs start in -------------------------------------------


def _git_repo(where: Path, env: dict[str, str]) -> None:
    where.mkdir(parents=True)
    ok(["git", "init", "-q"], where, env)
    (where / "data").mkdir()


def _coco(where: Path, env: dict[str, str]) -> None:
    _git_repo(where, env)
    shutil.copy(SAMPLE, where / "data" / "train.json")


def _coco_folds(where: Path, env: dict[str, str]) -> None:
    _coco(where, env)
    split = ["foldcheck", "split", "data/train.json", "-k", "5", "--group-by", "video_id", "-q"]
    ok(split, where, env)


def _roboflow(where: Path, env: dict[str, str]) -> None:
    _git_repo(where, env)
    for name in ("train", "valid", "test"):
        shutil.copy(REAL / "chess" / f"{name}.json", where / "data" / f"{name}.json")


def _yolo(where: Path, env: dict[str, str]) -> None:
    demo = where.parent / "demo"
    where.parent.mkdir(parents=True)
    ok(["foldcheck", "demo", "--yolo", "--out", str(demo), "--color", "never"], where.parent, env)
    _git_repo(where, env)
    shutil.rmtree(where / "data")
    shutil.move(demo / "data", where / "data")


STARTS: dict[str, Callable[[Path, dict[str, str]], None]] = {
    "coco": _coco,  # a git repository with the bundled sample as data/train.json
    "coco-folds": _coco_folds,  # the same, split into folds/
    "roboflow": _roboflow,  # the real chess export (train/valid/test) in data/
    "yolo": _yolo,  # the demo's YOLO dataset (data/data.yaml, one folder per video)
}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A home of each walk-through's own, as a new user's."""
    return isolated_env(tmp_path / "home")


def _run(block: Block, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = (
        ["bash", "-e", "-o", "pipefail", "-c", block.code]
        if block.lang == "bash"
        else [sys.executable, "-c", block.code]
    )
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.parametrize("start", sorted(walkthroughs()))
def test_walkthrough_runs_as_written(start: str, tmp_path: Path, env: dict[str, str]) -> None:
    repo = tmp_path / "work" / "repo"
    STARTS[start](repo, env)
    for block in walkthroughs()[start]:
        done = _run(block, repo, env)
        output = done.stdout + done.stderr
        want = int(_option(block.spec, "exit") or 0)
        place = f"README.md:{block.line}"
        assert done.returncode == want, f"{place}: exit {done.returncode}, not {want}:\n{output}"
        expect = _option(block.spec, "expect")
        assert expect is None or expect in output, f"{place}: no {expect!r} in:\n{output}"
        for line in block.shown:
            assert line in output.splitlines(), f"{place}: {line!r} is not in:\n{output}"


def test_every_command_block_is_run_or_says_why_not() -> None:
    for block in blocks():
        if block.spec.startswith("skip:"):
            assert block.spec.removeprefix("skip:").strip(), f"README.md:{block.line}: no reason"
    starts = {_option(block.spec, "in") for block in blocks()} - {None}
    assert starts <= set(STARTS), starts - set(STARTS)
    assert {"coco", "roboflow", "yolo"} <= starts  # the three walk-throughs


def test_readme_is_short() -> None:
    lines = README.read_text("utf-8").splitlines()
    assert len(lines) <= MOST_LINES, f"README.md has {len(lines)} lines, at most {MOST_LINES}"


def test_setup_lines_are_what_ci_runs() -> None:
    """The two set-up lines a newcomer copies are the ones .ci/run runs on a clean clone."""
    setup = next(b for b in blocks() if "setup.sh" in b.code)
    ci = (REPO / ".ci" / "run").read_text("utf-8")
    for line in setup.code.splitlines():
        command = line.split("#")[0].strip()
        assert command in ci.splitlines(), command
