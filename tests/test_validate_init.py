"""`foldcheck init --validate-hook`: the foldcheck-validate-coco hook on the repo's dataset,
added once, run by the real pre-commit, failing a commit of a dataset with a lint error."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from foldcheck.cli import main
from tests.conftest import SAMPLE, isolated_env, run


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    shutil.copy(SAMPLE, root / "data" / "train.json")
    env = isolated_env(tmp_path / "home")
    assert run(["git", "init", "-q"], root, env).returncode == 0
    monkeypatch.chdir(root)
    return root


def hooks(root: Path) -> list[dict[str, object]]:
    config = yaml.safe_load((root / ".pre-commit-config.yaml").read_text("utf-8"))
    return [hook for entry in config["repos"] for hook in entry["hooks"]]


def test_init_adds_the_validate_hook_once(repo: Path, capsys) -> None:
    argv = ["init", "--dataset", "data/train.json", "--validate-hook", "--no-vscode"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "added the foldcheck and foldcheck-validate-coco hooks (system)" in out
    validate = [h for h in hooks(repo) if h["id"] == "foldcheck-validate-coco"]
    assert validate == [
        {
            "id": "foldcheck-validate-coco",
            "name": "foldcheck validate (COCO lint)",
            "entry": "git foldcheck validate --quiet",
            "language": "system",
            "files": "^data/train\\.json$",
        }
    ]
    before = (repo / ".pre-commit-config.yaml").read_text("utf-8")
    assert main(argv) == 0
    assert "hooks already there" in capsys.readouterr().out
    assert (repo / ".pre-commit-config.yaml").read_text("utf-8") == before
    # an existing config with only the foldcheck hook gets the validate hook added to it
    (repo / ".pre-commit-config.yaml").unlink()
    assert main(["init", "--dataset", "data/train.json", "--no-vscode"]) == 0
    assert [h["id"] for h in hooks(repo)] == ["foldcheck"]
    assert main(argv) == 0
    assert [h["id"] for h in hooks(repo)] == ["foldcheck", "foldcheck-validate-coco"]


def test_validate_hook_needs_a_dataset(repo: Path, capsys) -> None:
    assert main(["init", "--validate-hook", "--no-vscode"]) == 2
    assert "--validate-hook needs a dataset" in capsys.readouterr().err
    assert not (repo / ".pre-commit-config.yaml").exists()


def test_real_pre_commit_runs_the_lint_rules(repo: Path, tmp_path: Path) -> None:
    env = isolated_env(tmp_path / "home")
    assert main(["init", "--dataset", "data/train.json", "--validate-hook", "--no-vscode"]) == 0
    assert run(["git", "add", "-A"], repo, env).returncode == 0
    hook = [sys.executable, "-m", "pre_commit", "run", "foldcheck-validate-coco", "--all-files"]
    clean = run(hook, repo, env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    doc = json.loads((repo / "data" / "train.json").read_text("utf-8"))
    del doc["annotations"][0]["area"]
    (repo / "data" / "train.json").write_text(json.dumps(doc, indent=1), "utf-8")
    assert run(["git", "add", "-A"], repo, env).returncode == 0
    broken = run(hook, repo, env)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "data/train.json:" in broken.stdout and " FC505 " in broken.stdout
