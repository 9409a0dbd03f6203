"""The commit record of a set of files, and the steps after it that recovery can redo.

Inside ``<root>/.foldcheck-staging/`` a writer puts every new file in full (fsynced), then
``journal.json``: the target and staged name and size of each file, and the files of the
previous set to delete. Renaming the journal into place is the commit point. After it,
``finish`` renames the staged files over their targets, deletes the old ones, fsyncs the
folders and removes the journal and the staging folder; every step can be redone, so a run
killed half-way is finished by the next one (``recover``). A staging folder without a
journal was never committed: the old set still stands, and it is simply deleted.

Sizes, not hashes: the staged files are fsynced before the journal exists, so a journal on
disk means complete files; hashing gigabytes of COCO exports would buy nothing more.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

from foldcheck.errors import InputError
from foldcheck.io.critical import signals_held
from foldcheck.io.folderlock import LOCK_NAME, lock_holder
from foldcheck.io.jsonio import dumps, parse_json
from foldcheck.io.readfile import read_regular

STAGING_NAME = ".foldcheck-staging"
JOURNAL_NAME = "journal.json"
_VERSION = 1
GITIGNORE_NAME = ".gitignore"
# Anchored to the folder of the .gitignore; the lock's name comes from folderlock.
_IGNORED = (f"/{STAGING_NAME}/", f"/{LOCK_NAME}")


class Staged(NamedTuple):
    target: Path
    staged: Path
    size: int


@dataclass(frozen=True)
class Pending:
    """A staging folder an interrupted write left: what it says, nothing acted on."""

    root: Path
    pid: int
    targets: tuple[Path, ...]
    in_place: int  # targets already renamed into place
    committed: bool = True  # a journal is there: the new set was (partly) put in place
    busy: bool = False  # its writer is still running (it holds the lock)
    refused: str = ""  # why foldcheck will not finish it (the journal is not one it wrote)

    def describe(self, shown: Path) -> str:
        """The one-line account, with the command that finishes or clears it; ``shown`` is
        the folder as the user named it."""
        folder = shlex.quote(str(shown))
        if self.busy:
            files = f"{self.in_place} of {len(self.targets)} files in place"
            return (
                f"foldcheck (pid {self.pid}) is writing this fold set right now ({files}); "
                "try again when it has finished"
            )
        if self.refused:
            return (
                f"{STAGING_NAME} holds a journal that foldcheck will not carry out "
                f"({self.refused}); nothing was touched; remove it: "
                f"foldcheck recover --discard {folder}"
            )
        if not self.committed:
            return (
                "a write by foldcheck was interrupted before its commit point and left its "
                f"staging folder (the files here are the previous set, whole); clear it: "
                f"foldcheck recover {folder}"
            )
        return (
            f"a write by foldcheck (pid {self.pid}) was interrupted and left this fold set "
            f"incomplete ({self.in_place} of {len(self.targets)} files in place); finish it: "
            f"foldcheck recover {folder}"
        )


def write_journal(root: Path, files: list[Staged], remove: list[Path]) -> None:
    """Record the commit, durably; when this returns the set counts as written."""
    staging = root / STAGING_NAME
    record = {
        "foldcheck_commit": _VERSION,
        "pid": os.getpid(),
        "files": [[f.target.relative_to(root).as_posix(), f.staged.name, f.size] for f in files],
        "remove": [path.relative_to(root).as_posix() for path in remove],
    }
    temporary = staging / f".{JOURNAL_NAME}.tmp"
    write_synced(temporary, (dumps(record),))
    os.replace(temporary, staging / JOURNAL_NAME)
    fsync_dir(staging)


def finish(root: Path, files: Iterable[Staged], remove: Iterable[Path]) -> None:
    """Everything after the commit point; safe to run again after any interruption."""
    staging = root / STAGING_NAME
    folders = {root}
    for file in files:
        if os.path.lexists(file.staged):
            os.replace(file.staged, file.target)
        folders.add(file.target.parent)
    for path in remove:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        folders.add(path.parent)
    for folder in sorted(folders):
        fsync_dir(folder)
    os.unlink(staging / JOURNAL_NAME)
    remove_staging(root)


def ignoring_machinery(gitignore: bytes) -> bytes:
    """``gitignore`` with the lines that keep the lock and the staging folder out of git
    added (at its end, after a comment) where it lacks them."""
    present = {line.strip() for line in gitignore.decode("utf-8", "replace").splitlines()}
    missing = [line for line in _IGNORED if line not in present]
    if not missing:
        return gitignore
    lines = ["# foldcheck's lock and staging folder while it writes here: never commit them"]
    text = "".join(f"{line}\n" for line in [*lines, *missing]).encode("utf-8")
    separator = b"\n" if gitignore and not gitignore.endswith(b"\n") else b""
    return gitignore + separator + text


def committed(root: Path) -> bool:
    return (root / STAGING_NAME / JOURNAL_NAME).exists()


def pending(root: Path) -> Pending | None:
    """The interrupted write in ``root``, if any, for a reader: nothing is written, renamed,
    deleted or locked (whether its writer is alive is asked of the kernel's flock without
    creating or changing the lock file)."""
    if not os.path.lexists(root / STAGING_NAME):
        return None  # the common case: nothing to look at
    try:
        record = _read(root, root)
        files, _ = _entries(root, record, root) if record is not None else ([], [])
    except JournalRefused as exc:
        return Pending(root, 0, (), 0, refused=exc.problem)
    holder = lock_holder(root)
    if record is None:  # a live writer is staging: the files here are still the old set
        return None if holder is not None else Pending(root, 0, (), 0, committed=False)
    in_place = sum(not os.path.lexists(f.staged) for f in files)
    targets = tuple(f.target for f in files)
    return Pending(root, record["pid"], targets, in_place, busy=holder is not None)


def recover(root: Path, shown: Path | None = None) -> list[Path]:
    """Finish a committed write in ``root``, or delete an uncommitted one's staging folder;
    a journal that names anything but plain files inside ``root`` is refused (InputError)
    with nothing touched. The caller holds the folder's lock. Returns the targets put in
    place now."""
    shown = shown or root
    if not os.path.lexists(root / STAGING_NAME):
        return []
    record = _read(root, shown)
    if record is None:
        remove_staging(root)
        return []
    files, remove = _entries(root, record, shown)
    with signals_held():
        finish(root, files, remove)
    return [file.target for file in files]


def refuse_foreign(root: Path, shown: Path) -> None:
    """Raise what ``recover`` would refuse in ``root`` (a journal naming anything but
    plain files inside it), changing nothing: asked before the lock is taken, so that a
    refusal leaves the folder exactly as it was."""
    if os.path.lexists(root / STAGING_NAME) and (record := _read(root, shown)) is not None:
        _entries(root, record, shown)


def _read(root: Path, shown: Path) -> dict[str, Any] | None:
    """The journal's record; None for a staging folder without one (never committed)."""
    staging, path = root / STAGING_NAME, root / STAGING_NAME / JOURNAL_NAME
    if problem := _not_a_real_folder(staging):
        _refuse(problem, shown)
    from foldcheck.io.git import tracked  # a process, only when a staging folder is there

    if tracked(root, [STAGING_NAME]):
        _refuse(f"git tracks {STAGING_NAME}: it came with the repository", shown)
    if not os.path.lexists(path):
        return None
    if not stat.S_ISREG(os.lstat(path).st_mode):
        _refuse(f"{JOURNAL_NAME} is not a regular file", shown)
    try:
        record = parse_json(read_regular(path), path)
    except InputError as exc:
        _refuse(f"{JOURNAL_NAME} is not JSON: {exc.message}", shown)
    if not isinstance(record, dict) or record.get("foldcheck_commit") != _VERSION:
        _refuse(f"{JOURNAL_NAME} is not a foldcheck commit journal", shown)
    if type(record.get("pid")) is not int:
        _refuse(f"{JOURNAL_NAME} has no pid", shown)
    return record


def _entries(root: Path, record: dict[str, Any], shown: Path) -> tuple[list[Staged], list[Path]]:
    """The journal's files and removals, each checked to be a plain file inside ``root``
    reached through real folders (no ``..``, no absolute path, no link on the way, no
    hidden path but those foldcheck writes), the staged files plain regular files of the
    size recorded directly in the staging folder. Repository content can hold a journal:
    this is what keeps it from naming anything else."""
    staging = root / STAGING_NAME
    files_field, remove_field = record.get("files"), record.get("remove")
    if not isinstance(files_field, list) or not isinstance(remove_field, list):
        _refuse(f"{JOURNAL_NAME} lacks its list of files", shown)
    files: list[Staged] = []
    for entry in files_field:
        if not (isinstance(entry, list) and len(entry) == 3 and type(entry[2]) is int):
            _refuse(f"{JOURNAL_NAME} has an entry that is not [target, staged, size]", shown)
        target_name, staged_name, size = entry
        target = root / _inside(root, target_name, shown)
        if not isinstance(staged_name, str) or not _STAGED.fullmatch(staged_name):
            _refuse(f"staged name {_excerpt(staged_name)} is not a plain file name", shown)
        staged = staging / staged_name
        if os.path.lexists(staged):
            info = os.lstat(staged)
            if not stat.S_ISREG(info.st_mode) or info.st_size != size:
                _refuse(f"{staged_name} is not the regular file of the size recorded", shown)
        files.append(Staged(target, staged, size))
    remove = [root / _inside(root, name, shown) for name in remove_field]
    return files, remove


# A staged file is named "<4 digits>.<target's name>" by CommitSet.write.
_STAGED = re.compile(r"\d{4}\.[^/\x00]+")
# What foldcheck <= 0.1 staged beside each target (mkstemp) and left behind when killed.
LEGACY_TEMPORARY = re.compile(r"^\.(.+)\.[a-z0-9_]{8}\.tmp$")
# The hidden names foldcheck writes (init: .vscode/, .pre-commit-config.yaml; split:
# .gitignore). No other hidden file or folder (.git, .github, .venv, .env, ...) is ever a
# target, so no journal may name one: they are where code runs and secrets live.
_HIDDEN_WRITTEN = {".vscode", ".gitignore", ".pre-commit-config.yaml"}


def _inside(root: Path, name: object, shown: Path) -> str:
    """``name`` when it is a plain relative path to a file inside ``root`` through real
    folders; else the one-line refusal."""
    if not isinstance(name, str) or not name or "\x00" in name:
        _refuse(f"names {_excerpt(name)}, which is not a file name", shown)
    parts = name.split("/")
    if name.startswith("/") or any(part in ("", ".", "..") for part in parts):
        _refuse(f"names {_excerpt(name)}, which is not a plain name inside the folder", shown)
    hidden = [p for p in parts if p.startswith(".") and p.casefold() not in _HIDDEN_WRITTEN]
    if hidden and not (hidden == parts[-1:] and LEGACY_TEMPORARY.match(parts[-1])):
        _refuse(f"names {_excerpt(name)}, a hidden path foldcheck never writes", shown)
    folder = root
    for part in parts[:-1]:
        folder = folder / part
        if problem := _not_a_real_folder(folder):
            _refuse(f"names {_excerpt(name)}, but {problem}", shown)
    target = root / name
    if os.path.lexists(target) and stat.S_ISDIR(os.lstat(target).st_mode):
        _refuse(f"names {_excerpt(name)}, which is a folder", shown)
    return name


def _not_a_real_folder(path: Path) -> str:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return f"{path.name} does not exist"
    if stat.S_ISLNK(mode):
        return f"{path.name} is a symbolic link"
    return "" if stat.S_ISDIR(mode) else f"{path.name} is not a folder"


def _excerpt(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class JournalRefused(InputError):
    """A staging folder or journal that foldcheck will not carry out (``problem`` says why)."""

    def __init__(self, problem: str, shown: Path) -> None:
        super().__init__(
            f"{problem}; foldcheck carries out only journals naming plain files inside the "
            f"folder, so nothing was changed; remove it: "
            f"foldcheck recover --discard {shlex.quote(str(shown))}",
            shown / STAGING_NAME,
        )
        self.problem = problem


def _refuse(problem: str, shown: Path) -> NoReturn:
    raise JournalRefused(problem, shown)


# --- durable file-system steps ----------------------------------------------------------


def write_synced(path: Path, pieces: Iterable[bytes | memoryview], mode: int | None = None) -> int:
    """Create ``path`` (which must not exist) from ``pieces`` (streamed, so a large export
    is never whole in memory), flushed to the disk; with the permissions of a plain
    ``open()``, or exactly ``mode``. Returns the size written."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    with os.fdopen(fd, "wb", buffering=1 << 20) as handle:
        if mode is not None:
            os.fchmod(fd, mode)
        size = 0
        for piece in pieces:
            size += handle.write(piece)
        handle.flush()
        os.fsync(fd)
    return size


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_staging(root: Path) -> None:
    staging = root / STAGING_NAME
    if not os.path.lexists(staging):
        return
    if stat.S_ISDIR(os.lstat(staging).st_mode):
        shutil.rmtree(staging, ignore_errors=True)  # never follows a link inside
    else:  # a link (only the link goes, never what it points at) or a file
        with contextlib.suppress(OSError):
            os.unlink(staging)
    with contextlib.suppress(OSError):
        fsync_dir(root)
