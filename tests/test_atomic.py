"""The commit protocol itself (foldcheck.io.atomic), on a minimal writer, faults for real.

Each fault point is a forked child that kills or signals itself just before its Nth
file-system call (tests/faults.py); the folder must then hold the old set or the new one,
or a journal that the next run rolls forward to the new one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from foldcheck.errors import InputError
from foldcheck.io.atomic import committing, recover_folder, staged_files, write_atomic
from foldcheck.io.folderlock import LOCK_NAME, FolderBusy, FolderLock
from foldcheck.io.journal import JOURNAL_NAME, STAGING_NAME, pending
from tests.faults import forked

OLD = {f"file{i}.txt": f"old {i}\n".encode() * 50 * (i + 1) for i in range(5)}
NEW = {f"file{i}.txt": f"new {i}\n".encode() * 50 * (i + 1) for i in range(3)}


def writer(root: Path, files: dict[str, bytes]):  # type: ignore[no-untyped-def]
    """A stand-in for split: writes ``files`` and drops the previous set's other files."""

    def job() -> int:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        try:
            with committing(root) as commit:
                for path in sorted(root.glob("file*.txt")):
                    if path.name not in files:
                        commit.remove(path)
                for name, payload in files.items():
                    commit.write(root / name, payload)
        except KeyboardInterrupt:
            return 130
        return 0

    return job


def contents(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    machinery = (LOCK_NAME, STAGING_NAME)
    return {p.name: p.read_bytes() for p in root.iterdir() if p.name not in machinery}


def put(root: Path, files: dict[str, bytes]) -> None:
    if root.exists():
        for path in root.iterdir():
            if path.is_dir():
                for inner in path.iterdir():
                    inner.unlink()
                path.rmdir()
            else:
                path.unlink()
        root.rmdir()
    if files:
        root.mkdir()
        for name, payload in files.items():
            (root / name).write_bytes(payload)


@pytest.mark.parametrize("before", [OLD, {}], ids=["over-an-old-set", "into-a-new-folder"])
def test_kill_9_at_every_call(tmp_path: Path, before: dict[str, bytes]) -> None:
    root = tmp_path / "out"
    put(root, before)
    code, log = forked(writer(root, NEW))
    assert code == 0 and contents(root) == NEW
    outcomes = {"old": 0, "new": 0, "journal": 0}
    for step in range(1, len(log) + 1):
        put(root, before)
        assert forked(writer(root, NEW), at=step)[0] == -signal.SIGKILL
        seen = contents(root)
        found = pending(root)
        committed = found is not None and found.committed
        assert seen in (before, NEW) or committed, step
        outcomes["journal" if committed else "old" if seen == before else "new"] += 1
        if root.exists():
            recover_folder(root)  # what FC305 tells the user to run finishes (or clears) it
            assert pending(root) is None
            assert contents(root) == (NEW if committed else seen), step
            assert not {LOCK_NAME, STAGING_NAME} & set(os.listdir(root)), step
    assert all(outcomes.values()), outcomes


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_sigint_sigterm_at_every_call_leave_old_or_new_and_no_trace(
    tmp_path: Path, sig: int, code: int
) -> None:
    root = tmp_path / "out"
    put(root, OLD)
    _, log = forked(writer(root, NEW))
    outcomes = {"old": 0, "new": 0}
    for step in range(1, len(log) + 1):
        put(root, OLD)
        assert forked(writer(root, NEW), at=step, sig=sig)[0] == code, step
        seen = contents(root)
        assert seen in (OLD, NEW), step
        assert sorted(os.listdir(root)) == sorted(seen), step  # no staging, no lock file
        outcomes["old" if seen == OLD else "new"] += 1
    assert all(outcomes.values()), outcomes


def test_a_second_writer_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    with committing(tmp_path) as commit:
        commit.write(tmp_path / "a.txt", b"a")
        with pytest.raises(FolderBusy) as busy:
            FolderLock(tmp_path).acquire()
    assert str(busy.value) == (
        f"{tmp_path}: error: foldcheck (pid {os.getpid()}) is writing here right now; "
        "wait for it to finish, then run again"
    )
    assert sorted(os.listdir(tmp_path)) == ["a.txt"]


def test_an_exception_in_the_block_changes_nothing_and_removes_new_folders(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_bytes(b"old")
    with pytest.raises(RuntimeError), committing(tmp_path / "new" / "deeper") as commit:
        commit.write(tmp_path / "new" / "deeper" / "sub" / "a.txt", b"a")
        raise RuntimeError
    assert sorted(os.listdir(tmp_path)) == ["keep.txt"]


def test_the_older_api_is_the_same_commit(tmp_path: Path) -> None:
    with staged_files() as staged:  # root: the first file's folder
        staged.write(tmp_path / "a.json", b"1")
        staged.write(tmp_path / "b.json", b"2")
        assert not (tmp_path / "a.json").exists()
    write_atomic(tmp_path / "c.json", b"3")
    with staged_files(tmp_path) as staged:
        staged.write(tmp_path / "d" / "e.json", b"4")
    assert sorted(os.listdir(tmp_path)) == ["a.json", "b.json", "c.json", "d"]
    written = [(tmp_path / name).read_bytes() for name in ("a.json", "b.json", "c.json")]
    assert written == [b"1", b"2", b"3"]
    assert (tmp_path / "d" / "e.json").read_bytes() == b"4"


def test_writes_outside_the_root_are_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError), committing(tmp_path / "a") as commit:
        commit.write(tmp_path / "b.txt", b"x")


def test_a_journal_that_does_not_match_its_files_is_not_rolled_forward(tmp_path: Path) -> None:
    put(tmp_path / "out", OLD)
    root = tmp_path / "out"
    _, log = forked(writer(root, NEW))
    put(root, OLD)
    at = [call for call, _ in log].index("replace") + 3  # after the journal, before a rename
    assert forked(writer(root, NEW), at=at)[0] == -signal.SIGKILL
    staged = sorted(p for p in (root / STAGING_NAME).iterdir() if p.name != JOURNAL_NAME)
    staged[0].write_bytes(b"tampered")
    with (
        pytest.raises(InputError, match="is not the regular file of the size recorded"),
        committing(root),
    ):
        pass
    assert contents(root) == OLD


def test_a_file_larger_than_any_coco_file_is_refused_before_reading(tmp_path: Path) -> None:
    from foldcheck.io.readfile import MAX_INPUT_BYTES, read_regular

    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(MAX_INPUT_BYTES + 1)  # sparse: no disk used, nothing to read
    with pytest.raises(InputError, match=r"is 32\.0 GiB, larger than foldcheck reads \(32 GiB\)"):
        read_regular(huge)


def test_a_target_on_another_filesystem_is_refused_before_anything_is_staged(
    tmp_path: Path,
) -> None:
    """A folder inside the output that is a mount point of another filesystem (a tmpfs): the
    rename of the commit would fail with EXDEV after the journal is written."""
    out = tmp_path / "out"
    (out / "mounted").mkdir(parents=True)
    if subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(out / "mounted")]).returncode:
        pytest.skip("mounting a tmpfs needs root")
    try:
        with (
            pytest.raises(InputError, match="another filesystem") as caught,
            committing(out) as commit,
        ):
            commit.write(out / "a.json", b"{}")
            commit.write(out / "mounted" / "b.json", b"{}")
        assert caught.value.path == str(out / "mounted" / "b.json")
        assert sorted(p.name for p in out.iterdir()) == ["mounted"]  # no journal, no staging
        assert list((out / "mounted").iterdir()) == []
        assert pending(out) is None
    finally:
        subprocess.run(["umount", "-l", str(out / "mounted")], check=False)


def test_a_link_inside_the_output_is_never_written_through(tmp_path: Path) -> None:
    """A folder inside the output that is a symbolic link (a repository can hold one) could
    point anywhere: refused before anything is staged, whatever it points at."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "linked").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(InputError, match="is a symbolic link") as caught, committing(out) as commit:
        commit.write(out / "a.json", b"{}")
        commit.write(out / "linked" / "b.json", b"{}")
    assert caught.value.path == str(out / "linked" / "b.json")
    assert sorted(p.name for p in out.iterdir()) == ["linked"]
    assert list(elsewhere.iterdir()) == []
