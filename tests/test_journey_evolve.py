"""A team's dataset grows under version control (issue 24), end to end with real git and the
real pre-commit hook: the hook refuses the grown data with FC301, the fix it prints is run as
printed, every image already in a fold keeps it, and the commit then passes."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

from tests.conftest import commit, hook_folds, ok, real_dataset, run


def _folds(manifest: Path) -> dict[int, int]:
    document = json.loads(manifest.read_text())
    return {image: fold for fold, images in enumerate(document["folds"]) for image in images}


def test_grown_data_is_refused_then_the_printed_update_keeps_every_fold(
    tmp_path: Path,
    env: dict[str, str],
) -> None:
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    ok(["git", "init", "-q"], repo, env)
    shutil.copy(real_dataset("chess", "train"), repo / "data" / "chess.json")
    ok(["foldcheck", "split", "data/chess.json", "--group-by", "roboflow", "--export", "csv",
        "--out", "folds", "-q"], repo, env)  # fmt: skip
    hook_folds(repo, env)
    before = _folds(repo / "folds" / "folds.json")

    # A new labelled batch arrives from the labelling service: merged into the dataset.
    batch = shutil.copy(real_dataset("chess", "valid"), tmp_path / "batch.json")
    ok(["foldcheck", "merge", "data/chess.json", str(batch), "-o", "data/grown.json"], repo, env)
    (repo / "data" / "grown.json").replace(repo / "data" / "chess.json")
    refused = commit(repo, env, "more chess")
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0 and "FC301" in output, output
    printed = re.search(r"(foldcheck split \S+ --out \S+ --update)", output)
    assert printed, output

    done = run(shlex.split(printed[1]), repo, env)  # the fix, run as printed
    assert done.returncode == 0, done.stdout + done.stderr
    after = _folds(repo / "folds" / "folds.json")
    assert {image: after[image] for image in before} == before  # not one image moved
    grown = json.loads((repo / "data" / "chess.json").read_text())
    assert len(after) == len(grown["images"]) > len(before)
    assert "placed 58" in done.stderr and "moved 0" in done.stderr
    # The export the set had is kept up to date, and the commit now passes the hook.
    assert (repo / "folds" / "folds.csv").read_text().count("\n") == len(grown["images"]) + 1
    passed = commit(repo, env, "more chess, folds updated")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert ok(["git", "status", "--porcelain"], repo, env) == ""
