"""`foldcheck init`: what it plans, that it edits text without losing anything, that it
refuses what it cannot edit safely (writing nothing at all), and that it is idempotent."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml

from foldcheck import __version__
from foldcheck.cli import main
from foldcheck.config import load_config
from foldcheck.io.jsonc import strip_jsonc
from foldcheck.repo.init.plan import SCHEMA_COPY, plan_init

SAMPLE = Path(__file__).resolve().parents[1] / "foldcheck" / "data" / "sample.json"
CONFIG = ".pre-commit-config.yaml"


@pytest.fixture(scope="module")
def split_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/sample.json and its folds/folds.json, made once by the real `foldcheck split`."""
    where = tmp_path_factory.mktemp("split")
    (where / "data").mkdir()
    shutil.copy(SAMPLE, where / "data" / "sample.json")
    cwd = Path.cwd()
    os.chdir(where)
    try:
        assert (
            main(
                [
                    "split",
                    "data/sample.json",
                    "-k",
                    "4",
                    "--group-by",
                    "video_id",
                    "--seed",
                    "3",
                    "--out",
                    "folds",
                    "-q",
                ]
            )
            == 0
        )
    finally:
        os.chdir(cwd)
    return where


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty git repository, the working directory."""
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def with_folds(repo: Path, split_sample: Path) -> Path:
    shutil.copytree(split_sample / "data", repo / "data")
    shutil.copytree(split_sample / "folds", repo / "folds")
    return repo


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def hooks_of(root: Path) -> list[dict[str, Any]]:
    config = yaml.safe_load((root / CONFIG).read_text(encoding="utf-8"))
    return [hook for repo in config["repos"] for hook in repo["hooks"]]


def test_fresh_repo_gets_hook_settings_and_schema(
    with_folds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    assert "created .pre-commit-config.yaml" in out and "-m pre_commit install" in out

    (repo_entry,) = yaml.safe_load((with_folds / CONFIG).read_text())["repos"]
    assert repo_entry["repo"] == "local"
    (hook,) = repo_entry["hooks"]
    # This test's interpreter lives outside the repository: each clone's alias runs it.
    assert hook["id"] == "foldcheck" and hook["entry"] == "git foldcheck check"
    assert hook["language"] == "system" and hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    for changed in (
        "folds/folds.json",
        "folds/train_fold0.json",
        "data/sample.json",
        "pyproject.toml",
    ):
        assert files.search(changed), changed
    for unrelated in ("README.md", "data/sample.json.bak", "src/pyproject.toml"):
        assert not files.search(unrelated), unrelated

    config = load_config(with_folds)  # the real reader accepts what init wrote
    manifest = json.loads((with_folds / "folds" / "folds.json").read_text())
    assert config.folds == with_folds / "folds" / "folds.json"
    assert config.dataset == with_folds / "data" / "sample.json"
    assert (config.k, config.seed, config.group_by, config.stratify, config.tolerance) == (
        4,
        3,
        "video_id",
        manifest["stratify"],
        manifest["tolerance"],
    )

    settings = json.loads(strip_jsonc((with_folds / ".vscode" / "settings.json").read_text()))
    (mapping,) = settings["json.schemas"]
    assert mapping == {"fileMatch": ["**/folds.json"], "url": "./" + SCHEMA_COPY}
    copied = json.loads((with_folds / SCHEMA_COPY).read_text())
    assert copied["$id"] == "https://foldcheck.dev/schemas/folds-1.json"


def test_second_run_changes_nothing(with_folds: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    before = snapshot(with_folds)
    capsys.readouterr()
    assert main(["init"]) == 0
    assert snapshot(with_folds) == before
    assert "created" not in capsys.readouterr().out
    assert plan_init(with_folds, mode="system", version=__version__, url=None).edits == ()


EXISTING_CONFIG = """\
# Our hooks. Keep this comment!
default_stages: [pre-commit]
repos:
-   repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0  # pinned on purpose
    hooks:
    -   id: trailing-whitespace
        args: [--markdown-linebreak-ext=md]
    -   id: banner
        entry: |
          two
          lines
    # -   id: disabled-for-now

# CI settings follow
ci:
  autofix_prs: false
"""


def test_existing_config_is_extended_and_keeps_its_text(with_folds: Path) -> None:
    (with_folds / CONFIG).write_text(EXISTING_CONFIG, encoding="utf-8")
    assert main(["init"]) == 0
    new = (with_folds / CONFIG).read_text(encoding="utf-8")
    loaded = yaml.safe_load(new)
    old = yaml.safe_load(EXISTING_CONFIG)
    assert loaded["repos"][:-1] == old["repos"] and loaded["repos"][-1]["repo"] == "local"
    assert loaded["ci"] == old["ci"] and loaded["default_stages"] == ["pre-commit"]
    # Only lines were added: the old text is the new one with the hook's block taken out.
    added = [
        line
        for line in new.splitlines(keepends=True)
        if line not in EXISTING_CONFIG.splitlines(keepends=True)
    ]
    assert new.replace("".join(added), "", 1) == EXISTING_CONFIG
    # Our entry sits at the list's indentation, after the commented-out hook it belongs with.
    assert new.index("# -   id: disabled-for-now") < new.index("- repo: local")
    assert new.index("- repo: local") < new.index("# CI settings follow")


@pytest.mark.parametrize(
    "text",
    [
        "repos: []\n",
        "repos:\n",
        "repos: []  # none yet",
        "",
        "# only a comment\n",
        "minimum_pre_commit_version: '3.2'\n",
    ],
)
def test_empty_or_missing_repos_become_a_block_list(with_folds: Path, text: str) -> None:
    (with_folds / CONFIG).write_text(text, encoding="utf-8")
    assert main(["init"]) == 0
    new = (with_folds / CONFIG).read_text(encoding="utf-8")
    assert [hook["id"] for hook in hooks_of(with_folds)] == ["foldcheck"]
    for comment in re.findall(r"#.*", text):
        assert comment in new


def test_hook_already_present_is_left_alone(with_folds: Path) -> None:
    text = (
        "repos:\n  - repo: https://example.org/foldcheck\n    rev: v0.0.9\n"
        "    hooks: [{id: foldcheck, args: [--tolerance, '0.2']}]\n"
    )
    (with_folds / CONFIG).write_text(text, encoding="utf-8")
    assert main(["init"]) == 0
    assert (with_folds / CONFIG).read_text(encoding="utf-8") == text


UNSAFE_CONFIGS = {
    "flow-list": "repos: [{repo: local, hooks: [{id: x, name: x, entry: x, language: system}]}]\n",
    "flow-root": "{repos: []}\n",
    "invalid": "repos:\n  - repo: local\n   hooks: [\n",
    "repos-mapping": "repos:\n  local: true\n",
    "top-level-list": "- repo: local\n",
    "two-documents": "repos: []\n---\nrepos: []\n",
}


@pytest.mark.parametrize("name", sorted(UNSAFE_CONFIGS))
def test_unsafe_config_is_refused_and_nothing_written(
    with_folds: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (with_folds / CONFIG).write_text(UNSAFE_CONFIGS[name], encoding="utf-8")
    before = snapshot(with_folds)
    assert main(["init"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(".pre-commit-config.yaml: error:")
    assert snapshot(with_folds) == before  # no pyproject.toml, no .vscode/ either


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pyproject.toml", "[project\nname = 'x'\n"),
        ("pyproject.toml", "[tool]\nfoldcheck = 3\n"),
        (".vscode/settings.json", '{"a": 1,, }'),
        (".vscode/settings.json", '{"json.schemas": {"fileMatch": "x"}}'),
        (".vscode/settings.json", "[1, 2]"),
    ],
)
def test_unsafe_other_files_are_refused_and_nothing_written(
    with_folds: Path, name: str, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (with_folds / name).parent.mkdir(exist_ok=True)
    (with_folds / name).write_text(text, encoding="utf-8")
    before = snapshot(with_folds)
    assert main(["init"]) == 2
    assert name in capsys.readouterr().err
    assert snapshot(with_folds) == before  # .pre-commit-config.yaml was planned, not written


def test_dry_run_prints_the_diff_and_writes_nothing(
    with_folds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(with_folds)
    assert main(["init", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert snapshot(with_folds) == before
    for name in (CONFIG, "pyproject.toml", ".vscode/settings.json", SCHEMA_COPY):
        assert f"+++ b/{name}" in out
    assert "+        entry: git foldcheck check" in out
    assert "would record in .git/config (this clone only): alias.foldcheck = !" in out
    assert subprocess.run(
        ["git", "config", "--get", "alias.foldcheck"], cwd=with_folds, check=False
    ).returncode  # not recorded


EXISTING_PYPROJECT = """\
[project]
name = "detector"  # ours

[tool.foldcheck]
# Ten folds: the test set is small.
k = 10

# Lint settings
[tool.ruff]
line-length = 88
"""


def test_existing_tool_table_gets_only_missing_keys(with_folds: Path) -> None:
    (with_folds / "pyproject.toml").write_text(EXISTING_PYPROJECT, encoding="utf-8")
    assert main(["init"]) == 0
    new = (with_folds / "pyproject.toml").read_text(encoding="utf-8")
    config = load_config(with_folds)
    assert config.k == 10  # the user's value wins over the manifest's 4
    assert config.group_by == "video_id" and config.seed == 3
    assert new.count("k = ") == 1
    for line in EXISTING_PYPROJECT.splitlines():
        assert line in new.splitlines()
    # The added keys stay in the table, above the comment that heads the next one.
    assert new.index('dataset = "data/sample.json"') < new.index("# Lint settings")


def test_settings_json_with_comments_gets_the_mapping(with_folds: Path) -> None:
    text = (
        '// Team settings\n{\n    "editor.rulers": [100], // a comment, with a comma\n'
        '    "json.schemas": [\n        {"fileMatch": ["*.cfg.json"], "url": "./s.json"},\n'
        "    ],\n}\n"
    )
    (with_folds / ".vscode").mkdir()
    (with_folds / ".vscode" / "settings.json").write_text(text, encoding="utf-8")
    assert main(["init"]) == 0
    new = (with_folds / ".vscode" / "settings.json").read_text(encoding="utf-8")
    assert "// Team settings" in new and "// a comment, with a comma" in new
    schemas = json.loads(strip_jsonc(new))["json.schemas"]
    assert schemas[1] == {"fileMatch": ["*.cfg.json"], "url": "./s.json"}
    assert schemas[0]["url"] == "./" + SCHEMA_COPY
    assert '\n        {"fileMatch": ["**/folds.json"]' in new  # at the list's indentation


def test_existing_folds_schema_mapping_is_kept(with_folds: Path) -> None:
    text = '{"json.schemas": [{"fileMatch": ["/folds/*.json"], "url": "https://x/s.json"}]}'
    (with_folds / ".vscode").mkdir()
    (with_folds / ".vscode" / "settings.json").write_text(text, encoding="utf-8")
    assert main(["init"]) == 0
    assert (with_folds / ".vscode" / "settings.json").read_text(encoding="utf-8") == text
    assert not (with_folds / SCHEMA_COPY).exists()


def test_manifest_found_anywhere_and_paths_made_relative_to_the_root(
    repo: Path, split_sample: Path
) -> None:
    # A manifest in a sub-folder whose dataset lies beside the repository's data folder.
    shutil.copytree(split_sample / "data", repo / "data")
    shutil.copytree(split_sample / "folds", repo / "experiments" / "cv" / "folds")
    manifest = repo / "experiments" / "cv" / "folds" / "folds.json"
    document = json.loads(manifest.read_text())
    document["dataset"]["path"] = "../../../data/sample.json"
    manifest.write_text(json.dumps(document, indent=2))
    (repo / ".venv" / "x").mkdir(parents=True)  # never searched
    shutil.copy(manifest, repo / ".venv" / "x" / "folds.json")

    assert main(["init", "--no-vscode"]) == 0
    config = load_config(repo)
    assert config.folds == manifest
    assert config.dataset == repo / "data" / "sample.json"
    (hook,) = hooks_of(repo)
    assert re.search(hook["files"], "experiments/cv/folds/val_fold1.json")
    assert re.search(hook["files"], "data/sample.json")
    assert not (repo / ".vscode").exists()


def test_several_manifests_need_a_choice(
    repo: Path, split_sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("a", "b"):
        shutil.copytree(split_sample / "folds", repo / name)
    assert main(["init"]) == 2
    assert "--manifest" in capsys.readouterr().err
    assert not (repo / CONFIG).exists()
    assert main(["init", "--manifest", "b/folds.json"]) == 0
    assert load_config(repo).folds == repo / "b" / "folds.json"


def test_without_a_manifest_the_defaults_and_next_step_are_given(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--dataset", "coco/train.json", "--folds", "cv"]) == 0
    out = capsys.readouterr().out
    assert "foldcheck split coco/train.json --out cv" in out
    config = load_config(repo)
    assert (config.k, config.seed, config.group_by, config.tolerance) == (5, 0, "image", 0.1)
    assert config.folds == repo / "cv" and config.dataset == repo / "coco" / "train.json"
    (hook,) = hooks_of(repo)
    assert re.search(hook["files"], "cv/folds.json") and not re.search(hook["files"], "cvx")


@pytest.mark.parametrize("mode", ["system", "python", "remote"])
def test_each_hook_mode_parses_with_its_fields(with_folds: Path, mode: str) -> None:
    url = "https://github.com/example/foldcheck"
    plan = plan_init(with_folds, mode=mode, version="1.2.3", url=url)  # type: ignore[arg-type]
    (edit,) = [e for e in plan.edits if e.path == CONFIG]
    (entry,) = yaml.safe_load(edit.new)["repos"]
    (hook,) = entry["hooks"]
    assert hook["id"] == "foldcheck" and re.search(hook["files"], "folds/folds.json")
    if mode == "remote":
        assert entry == {"repo": url, "rev": "v1.2.3", "hooks": [hook]}
    else:
        assert entry["repo"] == "local" and hook["language"] == mode
        program = "git foldcheck" if mode == "system" else "foldcheck"
        assert hook["pass_filenames"] is False and hook["entry"] == f"{program} check"
        deps = hook.get("additional_dependencies")
        assert deps == (["foldcheck==1.2.3"] if mode == "python" else None)


def test_remote_mode_uses_the_package_metadata(
    with_folds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    meta = metadata.metadata("foldcheck")
    named = meta.get_all("Project-URL") or meta.get_all("Home-page")
    code = main(["init", "--hook", "remote"])
    if named:
        assert code == 0
        (entry,) = yaml.safe_load((with_folds / CONFIG).read_text())["repos"]
        assert entry["rev"] == f"v{__version__}" and entry["repo"].startswith("http")
    else:  # an honest refusal until pyproject.toml names the repository
        assert code == 2 and "--hook system" in capsys.readouterr().err
        assert not (with_folds / CONFIG).exists()


def test_line_endings_and_file_modes_are_kept(with_folds: Path) -> None:
    (with_folds / "pyproject.toml").write_bytes(b'[project]\r\nname = "x"\r\n')
    (with_folds / "pyproject.toml").chmod(0o640)
    assert main(["init"]) == 0
    raw = (with_folds / "pyproject.toml").read_bytes()
    assert raw.startswith(b'[project]\r\nname = "x"\r\n') and b"\n[tool.foldcheck]\r\n" in raw
    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert stat.S_IMODE((with_folds / "pyproject.toml").stat().st_mode) == 0o640
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((with_folds / CONFIG).stat().st_mode) == 0o666 & ~umask


def test_outside_git_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert main(["init"]) == 2
    assert "not inside a git repository" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_file_saved_while_init_ran_is_refused_and_nothing_written(with_folds: Path) -> None:
    from foldcheck.errors import InputError
    from foldcheck.repo.init.plan import apply_plan

    plan = plan_init(with_folds, mode="system", version=__version__, url=None)
    assert plan.edits
    (with_folds / "pyproject.toml").write_text("[project]\nname = 'edited meanwhile'\n")
    before = snapshot(with_folds)
    with pytest.raises(InputError, match="changed while foldcheck init ran; run it again"):
        apply_plan(plan)
    assert snapshot(with_folds) == before
