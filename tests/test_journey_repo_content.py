"""Repository content is hostile (issue 20, items 1, 2 and 9): a cloned repository, a branch
or a pull request can hold a crafted `.foldcheck-staging/` journal or `.foldcheck.lock`, and
foldcheck runs on it inside `git commit`. Each attack is committed with real git (symlinks
included) into a real fold set made by `foldcheck split`, a sentinel file lies outside the
repository, and every command runs as a user runs it (the CLI in a subprocess, the hook
through real pre-commit). Nothing outside the folder named may change (content and mtime),
nothing may be created, and the read-only commands may not change a byte of the tree.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from foldcheck.cli import main
from foldcheck.io.journal import STAGING_NAME
from tests.conftest import BIN, SAMPLE, ok, run
from tests.faults import forked, warm_up

warm_up()  # before forking: the child counts the same calls as a run started afresh

PAYLOAD = b"#!/bin/sh\necho pwned > /tmp/pwned\n"
Snapshot = dict[str, tuple[str, bytes, int]]


def foldcheck(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run([str(BIN / "foldcheck"), *args], cwd, env)


def snapshot(root: Path) -> Snapshot:
    """Every file, link and folder under ``root``: its bytes (a link's target) and mtime."""
    seen: Snapshot = {}
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder, name)
            info = os.lstat(path)
            if path.is_symlink():
                kind, data = "link", os.readlink(path).encode()
            elif path.is_dir():
                kind, data = "dir", b""
            elif stat.S_ISREG(info.st_mode):
                kind, data = "file", path.read_bytes()
            else:  # a FIFO: reading it would wait for a writer
                kind, data = "other", b""
            seen[str(path.relative_to(root))] = (kind, data, info.st_mtime_ns)
    return seen


@pytest.fixture
def world(tmp_path: Path, env: dict[str, str]) -> Path:
    """tmp_path/world: outside/ (a sentinel, a secret, a folder) beside repo/, a git
    repository whose first commit holds data/sample.json and folds/ made by split."""
    world = tmp_path / "world"
    outside = world / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "sentinel.txt").write_bytes(b"the user's file\n")
    (outside / "secret.txt").write_bytes(b"a secret\n")
    (outside / "folder" / "sentinel.txt").write_bytes(b"another file of the user\n")
    repo = world / "repo"
    (repo / "data").mkdir(parents=True)
    shutil.copy(SAMPLE, repo / "data" / "sample.json")
    ok(["git", "init", "-q"], repo, env)
    split = ["split", "data/sample.json", "-k", "3", "--group-by", "video_id", "--out", "folds"]
    assert foldcheck(repo, env, *split, "-q").returncode == 0
    commit_all(repo, env, "folds")
    return world


def commit_all(repo: Path, env: dict[str, str], message: str) -> None:
    ok(["git", "add", "-A", "-f"], repo, env)  # -f: past the .gitignore split writes
    ok(["git", "commit", "-q", "--no-verify", "-m", message], repo, env)


def plant(folder: Path, record: dict[str, object], staged: dict[str, bytes]) -> None:
    """A crafted staging folder: ``record`` (the journal's fields) and staged files."""
    staging = folder / STAGING_NAME
    staging.mkdir()
    for name, payload in staged.items():
        (staging / name).write_bytes(payload)
        (staging / name).chmod(0o755)
    journal = {"foldcheck_commit": 1, "pid": 4242, "files": [], "remove": [], **record}
    (staging / "journal.json").write_text(json.dumps(journal))


def remove_outside(world: Path) -> None:
    plant(world / "repo" / "folds", {"remove": ["../../outside/sentinel.txt"]}, {})


def remove_absolute(world: Path) -> None:
    plant(world / "repo" / "folds", {"remove": [str(world / "outside" / "sentinel.txt")]}, {})


def replace_outside_with_payload(world: Path) -> None:
    files = [["../../outside/sentinel.txt", "0000.sentinel.txt", len(PAYLOAD)]]
    plant(world / "repo" / "folds", {"files": files}, {"0000.sentinel.txt": PAYLOAD})


def move_a_secret_into_the_repo(world: Path) -> None:
    files = [["folds.json", "../../../outside/secret.txt", len(b"a secret\n")]]
    plant(world / "repo" / "folds", {"files": files}, {})


def through_a_link_in_the_folder(world: Path) -> None:
    folds = world / "repo" / "folds"
    (folds / "escape").symlink_to("../../outside/folder", target_is_directory=True)
    plant(folds, {"remove": ["escape/sentinel.txt"]}, {})


def staging_is_a_link(world: Path) -> None:
    folds = world / "repo" / "folds"
    (folds / STAGING_NAME).symlink_to("../../outside/folder", target_is_directory=True)


def hidden_path_in_the_folder(world: Path) -> None:
    # In the folder, but a place foldcheck never writes (here: an ignored virtualenv).
    files = [[".venv/bin/activate", "0000.activate", len(PAYLOAD)]]
    (world / "repo" / "folds" / ".venv" / "bin").mkdir(parents=True)
    plant(world / "repo" / "folds", {"files": files}, {"0000.activate": PAYLOAD})


ATTACKS: list[Callable[[Path], None]] = [
    remove_outside,
    remove_absolute,
    replace_outside_with_payload,
    move_a_secret_into_the_repo,
    through_a_link_in_the_folder,
    staging_is_a_link,
    hidden_path_in_the_folder,
]


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.__name__ for a in ATTACKS])
def test_a_committed_journal_cannot_make_any_command_touch_anything(
    world: Path, env: dict[str, str], attack: Callable[[Path], None]
) -> None:
    repo = world / "repo"
    attack(world)
    commit_all(repo, env, "a pull request")
    before = snapshot(world)

    checked = foldcheck(repo, env, "check", "folds")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    finding = next(line for line in checked.stdout.splitlines() if " FC305 " in line)
    assert finding.startswith("folds: FC305 .foldcheck-staging holds a journal that foldcheck ")
    assert finding.endswith("remove it: foldcheck recover --discard folds")
    assert checked.stderr == ""
    # A writer into the folder refuses it in one line; report and export name the command.
    for args in (
        ["split", "data/sample.json", "-k", "3", "--out", "folds", "--force", "-q"],
        ["recover", "folds"],
        ["report", "folds/folds.json"],
        ["export", "folds/folds.json", "--force"],
    ):
        done = foldcheck(repo, env, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert len(done.stderr.splitlines()) == 1, (args, done.stderr)
        assert done.stderr.startswith("folds"), (args, done.stderr)
        assert "foldcheck recover --discard folds" in done.stderr, (args, done.stderr)
    assert snapshot(world) == before

    # The command printed works as printed, removes only the staging folder (a link: only
    # the link), and the fold set checks clean again.
    ok(finding.rsplit(": ", 1)[1], repo, env)
    assert not os.path.lexists(repo / "folds" / STAGING_NAME)
    assert kept(snapshot(world)) == kept(before)
    assert foldcheck(repo, env, "check", "folds", "-q").returncode == 0


def kept(seen: Snapshot) -> Snapshot:
    """All but the staging folder (and the folder that held it, whose mtime it changes)."""
    return {k: v for k, v in seen.items() if STAGING_NAME not in k and k != "repo/folds"}


def test_a_journal_at_the_repository_root_cannot_make_init_or_validate_write(
    world: Path, env: dict[str, str]
) -> None:
    """init commits at the repository root, validate --fix in the output's folder: a journal
    there naming git's hooks, a file outside or a hidden file is refused in one line."""
    repo = world / "repo"
    hook = [[".git/hooks/pre-commit", "0000.pre-commit", len(PAYLOAD)]]
    plant(repo, {"files": hook}, {"0000.pre-commit": PAYLOAD})
    plant(repo / "data", {"remove": ["../../outside/sentinel.txt"]}, {})
    commit_all(repo, env, "a pull request")
    before = snapshot(world)
    for args, where in (
        (["init"], STAGING_NAME),
        (["validate", "data/sample.json", "--fix", "data/fixed.json"], f"data/{STAGING_NAME}"),
    ):
        done = foldcheck(repo, env, *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        line = done.stderr.strip()
        assert "\n" not in line and "nothing was changed" in line, (args, done.stderr)
        assert line.split(": ", 1)[0].endswith(where), (args, line)
    assert snapshot(world) == before
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()


def test_a_committed_lock_link_is_never_followed(world: Path, env: dict[str, str]) -> None:
    """The lock is opened without following links and never truncated unless it is the
    user's own regular file with no other name: the attack of item 2 truncated the file the
    link named to a pid, through `check`."""
    repo, folds = world / "repo", world / "repo" / "folds"
    (folds / ".foldcheck.lock").symlink_to("../../outside/sentinel.txt")
    plant(folds, {}, {})  # an interrupted write too: the old code then took the lock
    (folds / STAGING_NAME / "journal.json").unlink()
    commit_all(repo, env, "a pull request")
    before = snapshot(world)

    checked = foldcheck(repo, env, "check", "folds")
    assert checked.returncode == 1 and " FC305 " in checked.stdout, checked.stdout
    assert "folds/.foldcheck.lock: FC306 git tracks foldcheck's lock file" in checked.stdout
    split = ["split", "data/sample.json", "-k", "3", "--out", "folds", "--force", "-q"]
    done = foldcheck(repo, env, *split)
    assert (done.returncode, done.stderr) == (
        2,
        "folds/.foldcheck.lock: error: is a symbolic link; foldcheck never locks through it "
        "(nothing changed; if no foldcheck is running here, delete it)\n",
    )
    assert snapshot(world) == before


@pytest.mark.parametrize("kind", ["hard link", "fifo"])
def test_a_lock_that_is_not_the_users_own_file_is_refused(
    world: Path, env: dict[str, str], kind: str
) -> None:
    """What a dataset tarball (not git) can hold: a hard link to a file of the user, or a
    FIFO, as the lock. Refused promptly, nothing truncated or written."""
    repo, lock = world / "repo", world / "repo" / "folds" / ".foldcheck.lock"
    if kind == "fifo":
        os.mkfifo(lock)
    else:
        os.link(world / "outside" / "sentinel.txt", lock)
    before = snapshot(world)
    done = foldcheck(repo, env, "split", "data/sample.json", "--out", "folds", "--force", "-q")
    what = "a file with other hard links" if kind == "hard link" else "not a regular file"
    assert (done.returncode, done.stderr) == (
        2,
        f"folds/.foldcheck.lock: error: is {what}; foldcheck never locks through it "
        "(nothing changed; if no foldcheck is running here, delete it)\n",
    )
    assert snapshot(world) == before


def test_the_hook_refuses_a_crafted_journal_and_touches_nothing(
    world: Path, env: dict[str, str]
) -> None:
    """Through real pre-commit: `foldcheck init`'s hook on a branch that brings a journal
    deleting a file outside the repository and a lock linking to another."""
    repo = world / "repo"
    ok(["foldcheck", "init"], repo, env)
    ok([sys.executable, "-m", "pre_commit", "install"], repo, env)
    commit_all(repo, env, "init")
    remove_outside(world)
    (repo / "folds" / ".foldcheck.lock").symlink_to("../../outside/folder/sentinel.txt")
    ok(["git", "add", "-A", "-f"], repo, env)
    before = snapshot(world / "outside")
    head = ok(["git", "rev-parse", "HEAD"], repo, env)
    done = run(["git", "commit", "-q", "-m", "a pull request"], repo, env)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "folds: FC305 .foldcheck-staging holds a journal that foldcheck will not" in output
    assert "Traceback" not in output
    assert ok(["git", "rev-parse", "HEAD"], repo, env) == head
    assert snapshot(world / "outside") == before


def test_init_where_vscode_is_a_file_refuses_before_writing_anything(
    world: Path, env: dict[str, str]
) -> None:
    """Item 9: init's commit needs .vscode/ to be a folder; that is asked before the commit
    point, so nothing is written and no journal is left that no run could finish."""
    repo = world / "repo"
    (repo / ".vscode").write_text("not a folder\n")
    before = snapshot(world)
    done = foldcheck(repo, env, "init")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr == (
        f"{repo / '.vscode' / 'settings.json'}: error: cannot be written: "
        f"{repo / '.vscode'} is not a folder (nothing changed)\n"
    )
    assert snapshot(world) == before


def test_a_folder_swapped_for_a_file_before_the_commit_point_changes_nothing(
    tmp_path: Path,
) -> None:
    """Item 9 under the commit: what the renames need is asked again just before the journal
    is written, so a folder replaced meanwhile stops the commit with everything as it was."""
    from foldcheck.errors import InputError
    from foldcheck.io.atomic import committing

    root = tmp_path / "out"
    (root / "sub").mkdir(parents=True)
    (root / "a.json").write_bytes(b"old")
    with pytest.raises(InputError, match="is not a folder") as caught, committing(root) as commit:
        commit.write(root / "a.json", b"new")
        commit.write(root / "sub" / "b.json", b"new")
        (root / "sub").rmdir()
        (root / "sub").write_bytes(b"a file now")
    assert caught.value.path == str(root / "sub" / "b.json")
    assert sorted(os.listdir(root)) == ["a.json", "sub"]  # no journal, no staging folder
    assert (root / "a.json").read_bytes() == b"old"


def interrupted_split(repo: Path) -> None:
    """A real `split --force` of folds/ killed (kill -9) after its commit point, with one
    of its renames done: a committed journal, the set half old, half new."""
    args = ["split", str(repo / "data" / "sample.json"), "-k", "3", "--group-by", "video_id",
            "--seed", "1", "--export", "coco,csv", "--force", "-q"]  # fmt: skip
    rehearsal = repo.parent / "rehearsal"
    shutil.copytree(repo / "folds", rehearsal)
    _, log = forked(lambda: main([*args, "--out", str(rehearsal)]))
    shutil.rmtree(rehearsal)
    renames = [at for at, (call, _) in enumerate(log, 1) if call == "replace"]
    # renames[0] is the journal's (the commit point); die before the second file's.
    code, _ = forked(lambda: main([*args, "--out", str(repo / "folds")]), at=renames[2])
    assert code == -signal.SIGKILL


def test_read_only_commands_never_write_into_the_repository(
    world: Path, env: dict[str, str]
) -> None:
    """check, report, validate, doctor and the hook on a repository holding a real
    interrupted write and a killed run's lock: not a byte, not an mtime changes, and nothing
    is created; then the command FC305 prints finishes the write and check passes."""
    repo = world / "repo"
    ok(["foldcheck", "init"], repo, env)
    ok([sys.executable, "-m", "pre_commit", "install"], repo, env)
    commit_all(repo, env, "init")
    interrupted_split(repo)
    assert (repo / "folds" / STAGING_NAME / "journal.json").is_file()
    before = snapshot(world)
    home = world.parent / "home"
    home.mkdir()
    finding = ""
    for args, codes in (
        (["check", "folds"], {1}),
        (["check"], {1}),  # the fold set [tool.foldcheck] names, as the hook runs it
        (["check", "folds", "--format", "json"], {1}),
        (["report", "folds/folds.json"], {2}),
        (["validate", "data/sample.json", "folds/train_fold0.json"], {0, 1}),
        (["doctor", "--repo", ".", "--home", str(home)], {0, 1}),
    ):
        done = foldcheck(repo, env, *args)
        assert done.returncode in codes, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr, (args, done.stderr)
        if args == ["check", "folds"]:
            finding = done.stdout.splitlines()[0]
    hooked = run([sys.executable, "-m", "pre_commit", "run", "--all-files"], repo, env)
    assert hooked.returncode == 1 and "FC305" in hooked.stdout, hooked.stdout
    assert snapshot(world) == before

    assert finding.startswith("folds: FC305 a write by foldcheck (pid ")
    assert finding.endswith("(1 of 8 files in place); finish it: foldcheck recover folds")
    ok(finding.rsplit(": ", 1)[1], repo, env)
    assert foldcheck(repo, env, "check", "folds", "-q").returncode == 0
    assert not (repo / "folds" / STAGING_NAME).exists()


def test_split_keeps_its_lock_and_staging_folder_out_of_git(
    world: Path, env: dict[str, str]
) -> None:
    """A killed split's lock and staging folder are not picked up by `git add -A` (split
    writes a .gitignore for them); force-added, check warns FC306 with a git command that,
    run as printed, untracks them."""
    repo = world / "repo"
    assert (repo / "folds" / ".gitignore").read_text() == (
        "# foldcheck's lock and staging folder while it writes here: never commit them\n"
        "/.foldcheck-staging/\n/.foldcheck.lock\n"
    )
    interrupted_split(repo)
    (repo / "folds" / ".foldcheck.lock").write_text("4242\n")
    ok(["git", "add", "-A"], repo, env)
    staged = ok(["git", "diff", "--cached", "--name-only"], repo, env).split()
    assert staged and not [name for name in staged if ".foldcheck" in name]
    ok(["git", "add", "-f", "folds/.foldcheck.lock", f"folds/{STAGING_NAME}"], repo, env)
    checked = foldcheck(repo, env, "check", "folds")
    warnings = [line for line in checked.stdout.splitlines() if " FC306 " in line]
    assert [line.split(" FC306 ")[0] for line in warnings] == [
        f"folds/{STAGING_NAME}:",
        "folds/.foldcheck.lock:",
    ]
    for line in warnings:
        ok(line.rsplit("untrack it: ", 1)[1], repo, env)
    staged = ok(["git", "diff", "--cached", "--name-only"], repo, env).split()
    assert not [name for name in staged if ".foldcheck" in name]
    assert " FC306 " not in foldcheck(repo, env, "check", "folds").stdout


def test_a_committed_link_is_never_written_through(world: Path, env: dict[str, str]) -> None:
    """A repository whose .vscode is a link to a folder of the user (here outside/folder):
    init would write its settings there. Refused in one line before anything is made."""
    repo = world / "repo"
    (repo / ".vscode").symlink_to("../outside/folder", target_is_directory=True)
    commit_all(repo, env, "a pull request")
    before = snapshot(world)
    done = foldcheck(repo, env, "init")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr == (
        f"{repo / '.vscode' / 'settings.json'}: error: cannot be written: {repo / '.vscode'} "
        "is a symbolic link, and foldcheck writes only through real folders (nothing changed)\n"
    )
    assert snapshot(world) == before
    assert foldcheck(repo, env, "init", "--no-vscode").returncode == 0  # what it can do
    assert snapshot(world / "outside") == {
        k[len("outside/") :]: v for k, v in before.items() if k.startswith("outside/")
    }


def test_demo_in_a_cloned_folder_never_writes_through_its_links(
    world: Path, env: dict[str, str]
) -> None:
    """`foldcheck demo` writes into a folder that may already exist in a clone: a file
    there that is a link is replaced (the link, not what it names), and a folder that is a
    link is refused, so nothing outside changes."""
    repo = world / "repo"
    demo = repo / "foldcheck-demo"
    demo.mkdir()
    (demo / "sample.json").symlink_to("../../outside/sentinel.txt")
    (demo / "data").symlink_to("../../outside/folder", target_is_directory=True)
    outside = snapshot(world / "outside")
    assert foldcheck(repo, env, "demo", "--color", "never").returncode == 0
    assert not (demo / "sample.json").is_symlink()
    assert (demo / "sample.json").read_bytes() == SAMPLE.read_bytes()
    done = foldcheck(repo, env, "demo", "--yolo", "--color", "never")
    assert done.returncode == 2 and "is a symbolic link" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert snapshot(world / "outside") == outside
