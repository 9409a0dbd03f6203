"""Issue 27, as a user on VS Code lives it: commits from the Source Control panel (a process
with a bare PATH) run the hook, for foldcheck in the repository's .venv and in an environment
elsewhere; the shared settings hold no path of this machine and keep the dataset out of
Pylance, the watcher and search; doctor counts what Pylance would list and its fix works.
Real git, real pre-commit, real files, the CLI in subprocesses."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from foldcheck.io.jsonc import load_jsonc
from tests.conftest import commit, copy_of, isolated_env, ok, real_dataset, run
from tests.test_precommit_e2e import SAMPLE, edit_manifest, plant_leak
from tests.vscode_layouts import make_venv
from tests.yolo_tree import make_tree

BARE_PATH = "/usr/bin:/bin"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """What VS Code's Source Control panel may start git with: no activated environment and
    PATH=/usr/bin:/bin."""
    assert shutil.which("git", path=BARE_PATH), "git must be on /usr/bin:/bin here"
    activated = ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH", "PYTHONHOME")
    base = {k: v for k, v in isolated_env(tmp_path / "home").items() if k not in activated}
    return {**base, "PATH": BARE_PATH}


def fold_repo(repo: Path, python: Path, env: dict[str, str]) -> None:
    """A COCO dataset and its folds, split by ``python``'s foldcheck."""
    repo.mkdir(exist_ok=True)
    ok(["git", "init", "-q"], repo, env)
    (repo / ".gitignore").write_text(".venv/\n", encoding="utf-8")
    (repo / "data").mkdir()
    shutil.copy(SAMPLE, repo / "data" / "sample.json")
    split = ["split", "data/sample.json", "-k", "4", "--group-by", "video_id", "--out", "folds"]
    ok([str(python), "-m", "foldcheck", *split, "-q"], repo, env)


def repo_venv(repo: Path) -> Path:
    """repo/.venv: a real venv whose sys.path reaches this test's foldcheck and its
    dependencies (the packages of the running interpreter, .pth files included)."""
    repo.mkdir()
    python = make_venv(repo / ".venv")
    sites = [p for p in sys.path if p.endswith("site-packages")]
    lines = [f"import site; site.addsitedir({site!r})" for site in sites]
    (Path(_site(python)) / "outer.pth").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return python


def _site(python: Path) -> str:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def hook_entries(repo: Path) -> list[str]:
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    return [hook["entry"] for entry in config["repos"] for hook in entry["hooks"]]


@pytest.mark.parametrize("where", ["repo-venv", "outside"])
def test_commits_from_a_bare_path_run_the_hook(
    where: str, tmp_path: Path, env: dict[str, str]
) -> None:
    repo = tmp_path / "training"
    python = repo_venv(repo) if where == "repo-venv" else Path(sys.executable)
    fold_repo(repo, python, env)
    out = ok([str(python), "-m", "foldcheck", "init", "--editor"], repo, env)
    (entry,) = hook_entries(repo)
    if where == "repo-venv":
        assert entry == ".venv/bin/python -m foldcheck check"
        alias = run(["git", "config", "--get", "alias.foldcheck"], repo, env)
        assert alias.returncode == 1  # nothing per clone: every clone makes its .venv
    else:
        assert entry == "git foldcheck check"
        assert "recorded in .git/config (this clone only): alias.foldcheck = !" in out
    assert f"the foldcheck hook runs `{entry}`, which starts from any PATH" in out
    # The install command init prints, run as printed.
    install = out.split("next: ", 1)[1].split(" (then", 1)[0]
    assert install == f"{python} -m pre_commit install"
    ok(install.split(), repo, env)

    clean = commit(repo, env, "folds")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "foldcheck (cross-validation folds)" in clean.stdout + clean.stderr
    head = ok(["git", "rev-parse", "HEAD"], repo, env)

    edit_manifest(repo, plant_leak)
    refused = commit(repo, env, "leak")
    assert refused.returncode != 0
    assert "FC202" in refused.stdout + refused.stderr, refused.stdout + refused.stderr
    assert ok(["git", "rev-parse", "HEAD"], repo, env) == head


def test_the_old_bare_entry_is_found_by_doctor_and_fixed_by_its_fix(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """A repository set up by the old init (`entry: foldcheck check`): commits from a bare
    PATH fail; doctor says so, and its fix, run as printed, makes them pass."""
    repo = tmp_path / "training"
    python = Path(sys.executable)
    fold_repo(repo, python, env)
    ok([str(python), "-m", "foldcheck", "init", "--no-vscode"], repo, env)
    config = repo / ".pre-commit-config.yaml"
    old = config.read_text(encoding="utf-8").replace("git foldcheck check", "foldcheck check")
    config.write_text(old, encoding="utf-8")
    ok(["git", "config", "--unset", "alias.foldcheck"], repo, env)
    ok([str(python), "-m", "pre_commit", "install"], repo, env)
    broken = commit(repo, env, "folds")
    assert broken.returncode != 0
    assert "Executable `foldcheck` not found" in broken.stdout + broken.stderr

    doctor = run([str(python), "-m", "foldcheck", "doctor", "--format", "json"], repo, env)
    (row,) = [r for r in json.loads(doctor.stdout)["results"] if r["id"] == "hook-path"]
    assert row["status"] == "fail" and doctor.returncode == 1
    assert "not on a bare PATH (/usr/bin:/bin)" in row["found"]
    assert row["fix"] == "foldcheck init"
    fixed = ok([str(python), "-m", "foldcheck", "init", "--no-vscode"], repo, env)
    assert "the foldcheck hook runs `git foldcheck check` (`foldcheck check` cannot" in fixed
    assert "# https://pre-commit.com" in config.read_text(encoding="utf-8")  # text kept

    done = commit(repo, env, "folds")
    assert done.returncode == 0, done.stdout + done.stderr
    doctor = run([str(python), "-m", "foldcheck", "doctor", "--format", "json"], repo, env)
    (row,) = [r for r in json.loads(doctor.stdout)["results"] if r["id"] == "hook-path"]
    assert row["status"] == "ok", row


def test_a_clone_without_the_repo_venv_moves_to_the_alias(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """A teammate committed `.venv/bin/python -m foldcheck check`; this clone's foldcheck is
    elsewhere: init gives the hook the form every clone can point at its own interpreter."""
    repo = tmp_path / "training"
    fold_repo(repo, Path(sys.executable), env)
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n  - repo: local\n    hooks:\n      - id: foldcheck\n"
        "        name: foldcheck (cross-validation folds)\n"
        "        entry: .venv/bin/python -m foldcheck check  # our .venv\n"
        "        language: system\n        pass_filenames: false\n",
        encoding="utf-8",
    )
    out = ok([sys.executable, "-m", "foldcheck", "init", "--no-vscode"], repo, env)
    assert "runs `git foldcheck check`" in out
    text = (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert "entry: git foldcheck check  # our .venv" in text
    ok([sys.executable, "-m", "pre_commit", "install"], repo, env)
    done = commit(repo, env, "folds")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("mode", ["python", "remote"])
def test_hook_modes_pre_commit_cannot_serve_are_refused(
    mode: str, tmp_path: Path, env: dict[str, str]
) -> None:
    """This foldcheck came from a checkout, not an index, and its metadata names no
    repository: pre-commit could not install it, so init says what to do instead."""
    repo = tmp_path / "training"
    fold_repo(repo, Path(sys.executable), env)
    before = sorted(p.name for p in repo.iterdir())
    done = run([sys.executable, "-m", "foldcheck", "init", "--hook", mode], repo, env)
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"error: --hook {mode}: ")
    assert line.endswith("use --hook system (the default), which runs this installation")
    assert sorted(p.name for p in repo.iterdir()) == before


# --- the shared settings --------------------------------------------------------------------


def strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(s for v in value.values() for s in strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def covered(folder: str, settings: dict[str, Any]) -> bool:
    """Whether each of the three settings keeps ``folder`` out."""
    analysis = settings["python.analysis.exclude"]
    return (
        any(folder == p or folder.startswith(p + "/") for p in analysis)
        and any(folder.startswith(p.removesuffix("/**")) for p in settings["files.watcherExclude"])
        and any(folder.startswith(p.removesuffix("/**")) for p in settings["search.exclude"])
    )


def coco_layout(repo: Path, env: dict[str, str]) -> list[str]:
    """A real published Roboflow export (chess), as unzipped: train/valid/test folders, each
    with its _annotations.coco.json beside its images."""
    for part in ("train", "valid", "test"):
        folder = repo / "chess" / part
        folder.mkdir(parents=True)
        coco = json.loads(real_dataset("chess", part).read_text(encoding="utf-8"))
        (folder / "_annotations.coco.json").write_text(json.dumps(coco), encoding="utf-8")
        for image in coco["images"][:5]:
            (folder / image["file_name"]).write_bytes(b"\xff\xd8\xff\xd9")
    dataset = "chess/train/_annotations.coco.json"
    ok([sys.executable, "-m", "foldcheck", "split", dataset, "-k", "3", "-q"], repo, env)
    return ["chess/train", "chess/valid", "chess/test", "folds"]


def yolo_layout(repo: Path, env: dict[str, str]) -> list[str]:
    make_tree(repo / "data", videos=8, frames=3, roboflow=True)
    ok([sys.executable, "-m", "foldcheck", "split", "data/data.yaml", "-k", "3", "-q"], repo, env)
    return ["data/images", "data/labels", "folds"]


@pytest.mark.parametrize("layout", [coco_layout, yolo_layout], ids=["coco", "yolo"])
def test_init_editor_writes_no_machine_path_and_excludes_the_dataset(
    layout: Any, tmp_path: Path, env: dict[str, str]
) -> None:
    repo = tmp_path / "training"
    repo.mkdir()
    ok(["git", "init", "-q"], repo, env)
    folders = layout(repo, env)
    out = ok([sys.executable, "-m", "foldcheck", "init", "--editor"], repo, env)
    text = (repo / ".vscode" / "settings.json").read_text(encoding="utf-8")
    settings = load_jsonc(repo / ".vscode" / "settings.json")
    absolute = [s for s in strings(settings) if s.startswith(("/", "~")) or str(tmp_path) in s]
    assert absolute == [] and sys.executable not in text and str(Path.home()) not in text
    for folder in folders:
        assert (repo / folder).is_dir(), folder
        assert covered(folder, settings), (folder, settings)
    # The interpreter is outside the repository: init says how to pick it per machine.
    assert "'Python: Select Interpreter'" in out and sys.executable in out


# --- doctor's count of what Pylance lists ---------------------------------------------------


def many_images(folder: Path, count: int) -> None:
    from PIL import Image

    folder.mkdir(parents=True)
    Image.new("RGB", (4, 4), (200, 30, 30)).save(folder / "00000.jpg")
    data = (folder / "00000.jpg").read_bytes()
    for i in range(1, count):
        (folder / f"{i:05d}.jpg").write_bytes(data)


def pylance_row(repo: Path, env: dict[str, str]) -> dict[str, str]:
    done = run([sys.executable, "-m", "foldcheck", "doctor", "--format", "json"], repo, env)
    assert done.returncode in (0, 1), done.stderr
    (row,) = [r for r in json.loads(done.stdout)["results"] if r["id"] == "pylance-files"]
    return row


@pytest.fixture(scope="module")
def image_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20,000 small JPEGs under data/images/, beside the COCO file and its folds."""
    repo = tmp_path_factory.mktemp("images") / "training"
    env = isolated_env(repo.parent / "home")
    fold_repo(repo, Path(sys.executable), env)
    many_images(repo / "data" / "images", 20_000)
    return repo


@pytest.fixture
def images(image_repo: Path, tmp_path: Path) -> Path:
    return copy_of(image_repo, tmp_path)


def test_doctor_fails_on_20000_images_until_init_editor(images: Path, env: dict[str, str]) -> None:
    row = pylance_row(images, env)
    assert row["status"] == "fail"
    assert "over 10,000" in row["found"] and "Largest: data/ (20,00" in row["found"]
    ok([sys.executable, "-m", "foldcheck", "init", "--editor"], images, env)
    row = pylance_row(images, env)
    assert row["status"] == "ok", row
    assert "python.analysis.exclude" in row["found"]


def test_the_setting_doctor_prints_makes_the_row_pass(images: Path, env: dict[str, str]) -> None:
    settings = images / ".vscode" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{\n\t"editor.tabSize": 4\n}\n', encoding="utf-8")
    row = pylance_row(images, env)
    assert row["status"] == "fail"
    prefix = "set in .vscode/settings.json: "
    assert row["fix"].startswith(prefix)
    member = row["fix"].removeprefix(prefix).split(" (foldcheck init", 1)[0]
    defaults = '"**/node_modules", "**/__pycache__", "**/.*"'
    assert member == f'"python.analysis.exclude": [{defaults}, "data"]'
    settings.write_text('{\n\t"editor.tabSize": 4,\n\t' + member + "\n}\n", encoding="utf-8")
    assert pylance_row(images, env)["status"] == "ok"


def test_a_pyright_config_exclude_wins_and_its_fix_goes_there(
    images: Path, env: dict[str, str]
) -> None:
    """pyrightconfig.json's exclude overrides python.analysis.exclude: the settings' exclude
    does not help, and the fix names the file that wins."""
    (images / ".vscode").mkdir()
    (images / ".vscode" / "settings.json").write_text(
        '{"python.analysis.exclude": ["data"]}', encoding="utf-8"
    )
    (images / "pyrightconfig.json").write_text('{"exclude": ["build"]}', encoding="utf-8")
    row = pylance_row(images, env)
    assert row["status"] == "fail" and "pyrightconfig.json exclude" in row["found"]
    assert row["fix"] == f'set "exclude" in {images / "pyrightconfig.json"} to ["build", "data"]'
    (images / "pyrightconfig.json").write_text('{"exclude": ["build", "data"]}', encoding="utf-8")
    assert pylance_row(images, env)["status"] == "ok"


def test_a_git_hook_naming_a_lost_interpreter_is_found_and_reinstalled(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """pre-commit's git hook names the interpreter that installed it; once that environment is
    gone, commits from a bare PATH fail. doctor says so, and its fix, run as printed, works."""
    repo = tmp_path / "training"
    fold_repo(repo, Path(sys.executable), env)
    ok([sys.executable, "-m", "foldcheck", "init", "--no-vscode"], repo, env)
    gone = repo_venv(tmp_path / "old-env")
    ok([str(gone), "-m", "pre_commit", "install"], repo, env)
    shutil.rmtree(tmp_path / "old-env")
    failed = commit(repo, env, "folds")
    assert failed.returncode != 0

    doctor = run([sys.executable, "-m", "foldcheck", "doctor", "--format", "json"], repo, env)
    (row,) = [r for r in json.loads(doctor.stdout)["results"] if r["id"] == "pre-commit"]
    assert row["status"] == "warn"
    assert f"starts pre-commit with {gone}, which does not exist on this host" in row["found"]
    assert row["fix"] == f"{sys.executable} -m pre_commit install"
    ok(row["fix"].split(), repo, env)
    done = commit(repo, env, "folds")
    assert done.returncode == 0, done.stdout + done.stderr


def test_include_limits_the_walk_and_the_fix_names_the_folder_below_it(
    images: Path, env: dict[str, str]
) -> None:
    settings = images / ".vscode" / "settings.json"
    settings.parent.mkdir()
    (images / "src").mkdir()
    (images / "src" / "train.py").write_text("print('train')\n", encoding="utf-8")
    settings.write_text('{"python.analysis.include": ["src"]}', encoding="utf-8")
    assert pylance_row(images, env)["status"] == "ok"  # data/ is never walked
    settings.write_text('{"python.analysis.include": ["data"]}', encoding="utf-8")
    row = pylance_row(images, env)
    assert row["status"] == "fail" and "Largest: data/images/ (20,000)" in row["found"]
    assert row["fix"].endswith(
        '"**/.*", "data/images"] (foldcheck init --editor adds the dataset folders it knows)'
    )
    member = row["fix"].removeprefix("set in .vscode/settings.json: ").split(" (foldcheck", 1)[0]
    settings.write_text('{"python.analysis.include": ["data"], ' + member + "}", encoding="utf-8")
    assert pylance_row(images, env)["status"] == "ok"
