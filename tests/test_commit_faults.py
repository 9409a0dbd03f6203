"""split/export/check under real faults: kill -9 at every step of a split, SIGINT/SIGTERM,
two concurrent processes, a full disk, a read-only folder, a FIFO and /dev/zero as input.

Same inputs and seed give byte-identical files, so after each fault every file is compared
with the reference outputs of the old and of the new run: the folder must hold exactly one
of them, or an interrupted commit that ``pending`` reports, and that ``check`` then finishes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from foldcheck.cli import main
from foldcheck.io.folderlock import LOCK_NAME
from foldcheck.io.journal import STAGING_NAME, pending
from tests.faults import forked, warm_up

warm_up()  # before forking: each child starts warm, and counts what faults.py counts

FAULTS = Path(__file__).with_name("faults.py")
MACHINERY = {STAGING_NAME, LOCK_NAME}
BIN_PATH = f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"  # foldcheck itself


def split_args(out: Path, *, new: bool = True) -> list[str]:
    """The new run (k=3, seed 0) and the old one it replaces (k=4, seed 1: fold 3 goes)."""
    k, seed = ("3", "0") if new else ("4", "1")
    return [
        "split", str(out.parent / "tiny.json"), "-k", k, "--seed", seed, "--group-by", "video_id",
        "--export", "coco,csv", "--out", str(out), "-q", "--force",
    ]  # fmt: skip


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name not in MACHINERY}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder holding tiny.json (12 videos of 3 frames) and the two references."""
    root = tmp_path_factory.mktemp("faults")
    images = [
        {"id": i, "file_name": f"v{i // 3}_{i}.jpg", "width": 64, "height": 48, "video_id": i // 3}
        for i in range(1, 37)
    ]
    annotations = [
        {"id": 10 * i + j, "image_id": i, "category_id": 1 + (i + j) % 3, "bbox": [1, 2, 9, 8],
         "area": 72.0, "iscrowd": 0}
        for i in range(1, 37) for j in range(1 + i % 3)
    ]  # fmt: skip
    categories = [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}, {"id": 3, "name": "bird"}]
    document = {"images": images, "annotations": annotations, "categories": categories}
    (root / "tiny.json").write_text(json.dumps(document, indent=1))
    assert main(split_args(root / "ref_old", new=False)) == 0
    assert main(split_args(root / "ref_new")) == 0
    return root


@pytest.fixture(scope="module")
def old(base: Path) -> dict[str, bytes]:
    return snapshot(base / "ref_old")


@pytest.fixture(scope="module")
def new(base: Path) -> dict[str, bytes]:
    return snapshot(base / "ref_new")


def fresh_copy_of_old(base: Path, name: str) -> Path:
    out = base / name
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(base / "ref_old", out)
    return out


def which(out: Path, old: dict[str, bytes], new: dict[str, bytes]) -> str:
    now = snapshot(out)
    return "old" if now == old else "new" if now == new else "mixed"


def test_kill_9_at_every_step_of_a_split_leaves_old_new_or_reported(
    base: Path, old: dict[str, bytes], new: dict[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    out = fresh_copy_of_old(base, "sweep")
    code, log = forked(lambda: main(split_args(out)))
    assert code == 0 and which(out, old, new) == "new"
    seen = {"old": 0, "new": 0, "mixed": 0}
    for step in range(1, len(log) + 1):
        fresh_copy_of_old(base, "sweep")
        code, _ = forked(lambda: main(split_args(out)), at=step)
        assert code == -signal.SIGKILL, step
        now = which(out, old, new)
        found = pending(out)
        journal = found is not None and found.committed
        assert now != "mixed" or journal, f"step {step}: a mix with no journal"
        seen[now] += 1
        capsys.readouterr()
        if found is not None:  # check, a reader, leaves it and names the command that ends it
            assert main(["check", str(out), "-q"]) == 1, step
            assert run_printed_command(capsys.readouterr().out) == 0, step
        assert main(["check", str(out), "-q"]) == 0, (step, capsys.readouterr().out)
        assert which(out, old, new) == ("new" if journal else now), step
        # A killed run's lock file may stay (a reader never touches it); the next writer
        # takes it over, and .gitignore keeps it out of commits.
        assert STAGING_NAME not in os.listdir(out), step
    with capsys.disabled():
        print(f"\n{len(log)} kill points: {seen}")
    assert seen["mixed"] >= 5 and seen["old"] and seen["new"]


def run_printed_command(finding: str) -> int:
    """Run the foldcheck command an FC305 finding ends with, as printed (through a shell)."""
    command = finding.strip().splitlines()[0].rsplit(": ", 1)[1]
    assert command.startswith("foldcheck recover "), finding
    done = subprocess.run(command, shell=True, env={**os.environ, "PATH": BIN_PATH})
    return done.returncode


def cli_with_faults(*args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(FAULTS), *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(predicate: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.005)


@pytest.mark.parametrize(
    "sig, code, phase, expected",
    [
        ("SIGINT", 130, "staging", "old"),
        ("SIGTERM", 143, "staging", "old"),
        ("SIGINT", 130, "renaming", "new"),
        ("SIGTERM", 143, "renaming", "new"),
    ],
)
def test_signal_while_staging_changes_nothing_and_while_renaming_waits_for_the_set(
    base: Path, old: dict[str, bytes], new: dict[str, bytes], sig: str, code: int, phase: str,
    expected: str,
) -> None:  # fmt: skip
    out = fresh_copy_of_old(base, f"signal-{sig}-{phase}")
    _, log = forked(lambda: main(split_args(out)))
    fresh_copy_of_old(base, out.name)
    calls = [call for call, _ in log]
    at = calls.index("fsync") + 3 if phase == "staging" else calls.index("replace") + 3
    done = subprocess.run(
        [sys.executable, str(FAULTS), *split_args(out)],
        env={**os.environ, "FC_FAULT_AT": str(at), "FC_FAULT_SIGNAL": sig},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == code, done.stderr
    last_line = done.stderr.strip().splitlines()[-1]
    assert last_line == ("foldcheck: interrupted" if code == 130 else "foldcheck: terminated")
    assert which(out, old, new) == expected
    assert not (set(os.listdir(out)) & MACHINERY)


def stopped_between_renames(out: Path) -> subprocess.Popen[str]:
    """A real split that stops itself (SIGSTOP) after renaming 2 of its 8 files: the window
    a kill or a second run must hit, held open for as long as the test needs."""
    fresh_copy_of_old(out.parent, out.name)
    _, log = forked(lambda: main(split_args(out)))  # the same run, counted
    replaces = [i for i, (call, _) in enumerate(log, 1) if call == "replace"]
    fresh_copy_of_old(out.parent, out.name)
    proc = cli_with_faults(
        *split_args(out), FC_FAULT_AT=str(replaces[3]), FC_FAULT_SIGNAL="SIGSTOP"
    )  # replaces[0] is the journal's
    stat = Path(f"/proc/{proc.pid}/stat")
    wait_for(lambda: stat.read_text().split(") ")[1].startswith("T"))
    return proc


def test_outside_sigterm_in_the_commit_waits_for_the_whole_set(
    base: Path, old: dict[str, bytes], new: dict[str, bytes]
) -> None:
    out = base / "outside-term"
    proc = stopped_between_renames(out)
    proc.send_signal(signal.SIGTERM)  # what `timeout` and CI cancellation send
    proc.send_signal(signal.SIGCONT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and err.strip().endswith("foldcheck: terminated")
    assert which(out, old, new) == "new" and not set(os.listdir(out)) & MACHINERY


def test_outside_kill_9_in_the_commit_is_finished_by_the_command_check_prints(
    base: Path, old: dict[str, bytes], new: dict[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    out = base / "outside-kill"
    proc = stopped_between_renames(out)
    proc.kill()
    proc.communicate(timeout=60)
    assert which(out, old, new) == "mixed"
    found = pending(out)
    assert found is not None and (found.in_place, len(found.targets)) == (2, 8)
    assert main(["check", str(out), "-q"]) == 1  # a reader reports it, and changes nothing
    assert which(out, old, new) == "mixed"
    assert run_printed_command(capsys.readouterr().out) == 0
    assert main(["check", str(out), "-q"]) == 0
    assert which(out, old, new) == "new" and not set(os.listdir(out)) & MACHINERY


def test_a_second_run_during_a_commit_is_refused_and_check_reports_it(
    base: Path, old: dict[str, bytes], new: dict[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    out = base / "concurrent"
    first = stopped_between_renames(out)
    try:
        second = subprocess.run(
            [sys.executable, "-m", "foldcheck", *split_args(out, new=False)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2
        assert second.stderr == (
            f"{out}: error: foldcheck (pid {first.pid}) is writing here right now; "
            "wait for it to finish, then run again\n"
        )
        assert main(["check", str(out)]) == 1
        lines = capsys.readouterr().out.splitlines()
        assert lines == [
            f"{out}: FC305 foldcheck (pid {first.pid}) is writing this fold set right now "
            "(2 of 8 files in place); try again when it has finished",
            "Found 1 error and 0 warnings in 1 fold set.",
        ]
    finally:
        first.send_signal(signal.SIGCONT)
        first.communicate(timeout=60)
    assert first.returncode == 0
    assert which(out, old, new) == "new"


def test_two_splits_into_an_empty_folder_one_wins_whole(
    base: Path, old: dict[str, bytes], new: dict[str, bytes]
) -> None:
    out = base / "race"
    shutil.rmtree(out, ignore_errors=True)
    no_force = [a for a in split_args(out) if a != "--force"]
    old_no_force = [a for a in split_args(out, new=False) if a != "--force"]
    runs = [
        cli_with_faults(*no_force, FC_FAULT_SLOW="0.05"),
        cli_with_faults(*old_no_force, FC_FAULT_SLOW="0.05"),
    ]
    results = [(proc.communicate(timeout=60)[1], proc.returncode) for proc in runs]
    results = [(code, err) for err, code in results]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    loser = next(err for code, err in results if code == 2)
    assert "is writing here right now" in loser or "already exists" in loser
    assert which(out, old, new) == ("new" if results[0][0] == 0 else "old")


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24k", "tmpfs", str(mnt)]).returncode:
        pytest.skip("mount is not permitted in this container")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_full_disk_names_the_file_and_changes_nothing(
    base: Path, tiny_fs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tiny_fs / "folds"
    dataset = str(base / "tiny.json")
    assert main(["split", dataset, "-k", "3", "--out", str(out), "-q"]) == 0  # manifest only
    before = snapshot(out)
    capsys.readouterr()
    args = ["split", dataset, "-k", "3", "--export", "coco,csv", "-q", "--force"]
    assert main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{out}/"), err
    assert ": error: no space left on device while writing (" in err
    assert err.endswith(" staged, nothing changed)")
    assert snapshot(out) == before and not (set(os.listdir(out)) & MACHINERY)
    # A new --out on the full disk is not left behind, empty.
    assert main([*args, "--out", str(tiny_fs / "new" / "folds")]) == 2
    assert sorted(os.listdir(tiny_fs)) == ["folds"]


def test_read_only_folder_one_line_and_an_unfinishable_set_is_fc305(
    base: Path, tiny_fs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tiny_fs / "folds"
    dataset = str(base / "tiny.json")
    args = ["split", dataset, "-k", "3", "--out", str(out), "-q", "--force"]
    assert main(args) == 0
    _, log = forked(lambda: main([*args, "--seed", "8"]))  # a re-split, as the one killed
    before = snapshot(out)
    at = [call for call, _ in log].index("replace") + 2  # after the journal, before the rename
    assert forked(lambda: main([*args, "--seed", "7"]), at=at)[0] == -signal.SIGKILL
    assert pending(out) is not None
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], check=True)
    capsys.readouterr()
    assert main([*args, "--seed", "9"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"{out}: error: read-only file system while locking the folder (nothing changed)"
    )
    assert main(["check", str(out), "-q"]) == 1
    finding = capsys.readouterr().out.strip()
    assert finding.startswith(f"{out}: FC305 a write by foldcheck (pid ")
    assert finding.endswith(
        f"left this fold set incomplete (0 of 1 files in place); finish it: foldcheck recover {out}"
    )
    assert snapshot(out) == before
    assert run_printed_command(finding) == 2  # the folder is read-only: one line, exit 2
    subprocess.run(["mount", "-o", "remount,rw", str(tiny_fs)], check=True)
    assert run_printed_command(finding) == 0
    assert main(["check", str(out), "-q"]) == 0
    assert snapshot(out) != before and pending(out) is None


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory"])
def test_inputs_that_are_not_regular_files_are_refused_before_reading(
    base: Path, tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if kind == "fifo":
        path = tmp_path / "train.json"
        os.mkfifo(path)
        what = "a FIFO (named pipe)"
    elif kind == "dev-zero":
        path, what = Path("/dev/zero"), "a character device"
    else:
        path, what = tmp_path, "a directory"
    manifest = json.loads((base / "ref_new" / "folds.json").read_bytes())
    manifest["dataset"]["path"] = str(path)
    (tmp_path / "folds.json").write_text(json.dumps(manifest))
    expected = f"{path}: error: is {what}, expected a JSON file\n"
    # In a child process with a time limit: before the fix these hung, or filled memory.
    for args in (
        ["split", str(path), "--out", str(tmp_path / "o")],
        ["check", str(tmp_path / "folds.json")],  # a committed manifest naming it
    ):
        done = subprocess.run(
            [sys.executable, "-m", "foldcheck", *args], capture_output=True, text=True, timeout=60
        )
        assert (done.returncode, done.stderr) == (2, expected), args
    assert not (tmp_path / "o").exists()
    for args in (
        ["export", str(tmp_path / "folds.json")],
        ["report", str(tmp_path / "folds.json")],
        ["check", str(base / "ref_new"), "--dataset", str(path)],
    ):
        assert main(args) == 2, args
        assert capsys.readouterr().err == expected, args


def test_an_output_that_is_an_input_is_refused(
    base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = fresh_copy_of_old(base, "self")
    dataset = out / "train_fold0.json"
    before = snapshot(out)
    assert main(["split", str(dataset), "--out", str(out), "--export", "coco", "--force"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"{dataset}: error: is an input of this command; refusing to overwrite or delete it "
        "(write the outputs elsewhere)"
    )
    os.link(base / "tiny.json", out / "val_fold1.json.link")
    os.replace(out / "val_fold1.json.link", out / "val_fold1.json")  # the dataset, hard-linked
    assert main(split_args(out)) == 2
    refused = f"{out / 'val_fold1.json'}: error: is an input of this command ({base / 'tiny.json'})"
    assert capsys.readouterr().err.startswith(refused)
    assert snapshot(out) == {**before, "val_fold1.json": (base / "tiny.json").read_bytes()}


def test_files_of_the_previous_set_go_with_the_new_one(
    base: Path, new: dict[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    out = fresh_copy_of_old(base, "previous")  # k=4 with exports
    (out / ".folds.csv.k2j4_x9a.tmp").write_bytes(b"left by foldcheck 0.1, killed")
    assert main(split_args(out)) == 0  # k=3: fold 3's files go, and the old temporary
    assert snapshot(out) == new
    manifest_only = [a for a in split_args(out) if a not in ("--export", "coco,csv")]
    assert main(manifest_only) == 0  # no --export this time: the old exports go
    assert sorted(os.listdir(out)) == [".gitignore", "folds.json"]
    assert main(["check", str(out), "-q"]) == 0


def test_a_lock_left_by_a_killed_run_is_taken_over(base: Path, new: dict[str, bytes]) -> None:
    out = fresh_copy_of_old(base, "stale")
    (out / LOCK_NAME).write_text("999999\n")  # no such process; the kernel holds no lock
    assert main(split_args(out)) == 0
    assert snapshot(out) == new and not (out / LOCK_NAME).exists()
