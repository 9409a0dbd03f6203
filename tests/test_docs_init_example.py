"""docs/init.md shows what a refused commit prints; this is that journey, run for real (git,
pre-commit, the hook init writes), so the page cannot drift from what users see."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.conftest import REPO, SAMPLE, commit, hook_folds, ok

PAGE = REPO / "docs" / "init.md"


def documented_commit() -> tuple[str, list[str]]:
    """The page's example commit: its message and the hook's output lines it shows."""
    block = re.search(r"```text\n\$ git commit -m \"([^\"]+)\"\n(.*?)```", PAGE.read_text(), re.S)
    assert block, "docs/init.md has no example commit"
    return block[1], block[2].splitlines()


def test_the_refused_commit_docs_init_shows(tmp_path: Path, env: dict[str, str]) -> None:
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    ok(["git", "init", "-q"], repo, env)
    shutil.copy(SAMPLE, repo / "data" / "train.json")
    ok(["foldcheck", "split", "data/train.json", "--group-by", "video_id", "--out", "folds"],
       repo, env)  # fmt: skip
    hook_folds(repo, env)

    manifest_path = repo / "folds" / "folds.json"
    text = manifest_path.read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert json.dumps(manifest, indent=2) + "\n" == text  # so the edit below changes one line
    assert 6 in manifest["folds"][0]
    manifest["folds"][1].append(6)  # image 6 now validates folds 0 and 1: a leak
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")

    message, shown = documented_commit()
    refused = commit(repo, env, message)
    assert refused.returncode == 1
    output = (refused.stdout + refused.stderr).splitlines()
    assert [line for line in shown if line.strip()] == [
        line for line in output[output.index(shown[0]) :] if line.strip()
    ]
