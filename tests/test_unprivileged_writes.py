"""Issue 20: split, export and init refuse before writing anything when a folder they must
write into is not writable by the user: one line naming the place, exit 2, nothing written.

The tests run as root, who may write anywhere, so the CLI runs here as user 65534 (nobody)
through `setpriv`, against folders that root owns and nobody may only read."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE, isolated_env, ok

NOBODY = 65534
Snapshot = dict[str, bytes | None]  # every path under a folder: a file's bytes, None a folder


def _interpreters() -> list[str]:
    """This interpreter, else the system's of the same version: the one pytest runs may live
    where nobody cannot reach it (pyenv under /root, mode 700)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return [sys.executable, f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]


def _unprivileged_env(home: Path) -> dict[str, str]:
    """foldcheck and its dependencies from this checkout and its environment, by PYTHONPATH
    (the environment's .pth files are not read for another interpreter)."""
    paths = sysconfig.get_paths()
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "PYTHONPATH": os.pathsep.join([str(REPO), paths["purelib"], paths["platlib"]]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }


@pytest.fixture(scope="module")
def nobody() -> list[str]:
    """The command prefix that runs ``python -m foldcheck`` as nobody."""
    if os.geteuid() != 0:  # already unprivileged: nothing to drop
        return [sys.executable, "-m", "foldcheck"]
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not available to run the CLI as another user")
    drop = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    env = _unprivileged_env(Path("/nonexistent"))
    for python in _interpreters():
        probe = subprocess.run(
            [*drop, python, "-c", "import foldcheck.cli, numpy, msgspec, orjson"],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if probe.returncode == 0:
            return [*drop, python, "-m", "foldcheck"]
    pytest.skip(f"no Python {sys.version_info[:2]} that user {NOBODY} may run")


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder nobody may read: pytest's own tmp_path is root's alone (mode 700)."""
    folder = Path(tempfile.mkdtemp(prefix="foldcheck-unprivileged-"))
    folder.chmod(0o755)
    (folder / "data").mkdir()
    shutil.copy(SAMPLE, folder / "data" / "train.json")
    os.chmod(folder / "data" / "train.json", 0o644)
    yield folder
    shutil.rmtree(folder)


def run_as_nobody(nobody: list[str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*nobody, *args], cwd=cwd, env=_unprivileged_env(cwd / "home"),
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def snapshot(root: Path) -> Snapshot:
    return {
        str(path.relative_to(root)): None if path.is_dir() else path.read_bytes()
        for path in sorted(root.rglob("*"))
    }


def refused(done: subprocess.CompletedProcess[str], place: str, reason: str) -> None:
    """One line naming ``place`` with ``reason``, exit 2, no traceback, nothing on stdout."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"{place}: error: ") and reason in line, line


@pytest.mark.parametrize(
    ("out", "place", "reason"),
    [
        ("folds", "folds", "permission denied while locking the folder (nothing changed)"),
        ("data/new/folds", "data/new/folds", "permission denied while creating the folder"),
    ],
    ids=["existing-folder", "new-folder-below"],
)
def test_split_into_a_folder_nobody_may_write(
    nobody: list[str], scratch: Path, out: str, place: str, reason: str
) -> None:
    (scratch / "folds").mkdir(mode=0o755)
    before = snapshot(scratch)
    done = run_as_nobody(nobody, scratch, "split", "data/train.json", "-k", "3", "--out", out)
    refused(done, place, reason)
    assert snapshot(scratch) == before


def test_export_into_a_folder_nobody_may_write(nobody: list[str], scratch: Path) -> None:
    ok(["foldcheck", "split", "data/train.json", "-k", "3", "--out", "folds", "-q"], scratch,
       isolated_env(scratch / "root-home"))  # fmt: skip
    before = snapshot(scratch)
    done = run_as_nobody(nobody, scratch, "export", "folds/folds.json", "--export", "coco")
    refused(done, "folds", "permission denied while locking the folder (nothing changed)")
    assert snapshot(scratch) == before


def test_init_with_a_vscode_folder_nobody_may_write(nobody: list[str], scratch: Path) -> None:
    """The repository is the user's, its .vscode/ root's: init writes none of its files, the
    .pre-commit-config.yaml and pyproject.toml it would write at the root included."""
    env = isolated_env(scratch / "root-home")
    ok(["git", "init", "-q"], scratch, env)
    ok(["foldcheck", "split", "data/train.json", "-k", "3", "--out", "folds", "-q"], scratch, env)
    for path in [scratch, *scratch.rglob("*")]:
        os.chown(path, NOBODY, NOBODY, follow_symlinks=False)
    (scratch / ".vscode").mkdir(mode=0o755)  # root's
    before = snapshot(scratch)
    done = run_as_nobody(nobody, scratch, "init")
    refused(done, str(scratch / ".vscode" / "settings.json"), "its folder is not writable")
    assert "nothing changed" in done.stderr
    assert snapshot(scratch) == before


def test_init_in_a_checkout_another_user_owns_names_git_s_fix(
    nobody: list[str], scratch: Path
) -> None:
    """A colleague's clone on a shared server: git refuses it ('dubious ownership'), so init
    must not say "not inside a git repository: run git init". It prints git's own fix, which
    run as printed lets init through."""
    ok(["git", "init", "-q"], scratch, isolated_env(scratch / "root-home"))
    os.chmod(scratch, 0o777)  # root's checkout, which nobody may write: only ownership stops git
    home = scratch / "home"
    home.mkdir()
    os.chown(home, NOBODY, NOBODY)
    before = snapshot(scratch)
    done = run_as_nobody(nobody, scratch, "init")
    refused(done, str(scratch), "another user owns it ('dubious ownership')")
    assert snapshot(scratch) == before
    fix = done.stderr.split("if you trust it, run: ")[1].strip()
    assert fix.startswith("git config --global --add safe.directory ")
    applied = subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "sh", "-c", fix],
        cwd=scratch, env=_unprivileged_env(home), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert applied.returncode == 0, applied.stderr
    again = run_as_nobody(nobody, scratch, "init")
    assert again.returncode == 0, again.stdout + again.stderr
    assert (scratch / ".pre-commit-config.yaml").is_file()


def test_doctor_in_a_checkout_another_user_owns_names_git_s_fix(
    nobody: list[str], scratch: Path
) -> None:
    """doctor, run from a folder inside a colleague's clone, reports on the checkout (not the
    folder it was started in) and fails the pre-commit row with git's fix, which run as
    printed makes git accept the checkout."""
    ok(["git", "init", "-q"], scratch, isolated_env(scratch / "root-home"))
    (scratch / ".pre-commit-config.yaml").write_text("repos: []\n")
    home = scratch / "home"
    home.mkdir()
    os.chown(home, NOBODY, NOBODY)
    before = snapshot(scratch)

    def doctor(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*nobody, "doctor", *args], cwd=scratch / "data", env=_unprivileged_env(home),
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip

    def pre_commit_row() -> dict[str, str]:
        done = doctor("--format", "json")
        assert done.returncode in (0, 1), done.stderr
        (row,) = [r for r in json.loads(done.stdout)["results"] if r["id"] == "pre-commit"]
        return row

    row = pre_commit_row()
    assert row["status"] == "fail"
    assert f"git refuses {scratch} because another user owns it" in row["found"]
    title = doctor().stdout.splitlines()[0]
    assert str(scratch) in title and f"{scratch}/data" not in title
    assert snapshot(scratch) == before  # doctor is read-only
    applied = subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "sh", "-c",
         row["fix"]],
        cwd=scratch, env=_unprivileged_env(home), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert applied.returncode == 0, applied.stderr
    assert pre_commit_row()["found"].startswith("no git hook at ")
