"""init and the pre-commit hook for a YOLO dataset (real git, real pre-commit), and the demo."""

from __future__ import annotations

from pathlib import Path

import yaml

from foldcheck.cli import main
from tests.conftest import commit, ok
from tests.yolo_tree import make_tree


def test_init_and_hook_guard_a_yolo_fold_set(tmp_path: Path, env: dict[str, str]) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    ok(["git", "init", "-q"], repo, env)
    make_tree(repo / "data", videos=8, frames=3, roboflow=True)
    ok(
        ["foldcheck", "split", "data/data.yaml", "-k", "3", "--group-by", "roboflow", "-q"],
        repo,
        env,
    )
    ok(["foldcheck", "init"], repo, env)
    assert 'dataset = "data/data.yaml"' in (repo / "pyproject.toml").read_text()
    hook = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"][0]
    assert hook["files"].startswith("^(?:folds/|data/|")
    ok(["pre-commit", "install"], repo, env)
    assert commit(repo, env, "folds").returncode == 0

    # A relabelled box makes the folds stale: the commit is refused, naming FC301.
    label = sorted((repo / "data" / "labels").rglob("*.txt"))[0]
    label.write_text(label.read_text() + "1 0.5 0.5 0.1 0.1\n")
    refused = commit(repo, env, "relabel")
    assert refused.returncode != 0
    assert "FC301" in refused.stdout + refused.stderr


def test_demo_yolo_splits_a_real_tree_and_checks_clean(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--yolo", "--out", str(out), "--color", "never"]) == 0
    assert sorted(p.name for p in out.glob("fold*.yaml")) == [f"fold{i}.yaml" for i in range(5)]
    assert (out / "test.txt").is_file()
    assert main(["check", str(out)]) == 0, capsys.readouterr().out
