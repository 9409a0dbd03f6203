"""All-or-nothing writing of a set of files, for every command that writes more than one.

    with committing(out, inputs=[dataset.path]) as commit:
        commit.refuse_overwrite(paths, force)   # asked under the lock: still true at the end
        commit.write(out / "a.json", payload)    # staged, fsynced; nothing visible yet
        commit.remove(out / "b.json")            # a file of the previous set
    # here every file is in place and b.json gone; after an exception, nothing changed

``committing`` holds ``out``'s lock (``folderlock``) from the start, first finishing any
write a killed run left there (a journal naming anything but plain files inside ``out`` is
refused), and commits through a journal (``journal``). Everything the commit needs (real
folders, one filesystem, write permission) is checked before the commit point, so a commit
that starts always finishes. A Ctrl-C or
SIGTERM before the commit point discards the staging; after it, the signal waits until the
set is complete. Every OS error becomes a one-line ``InputError`` naming the user's path
and what was being done, never a temporary file.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from foldcheck.errors import InputError
from foldcheck.io.critical import signals_held
from foldcheck.io.folderlock import FolderLock, os_reason
from foldcheck.io.journal import (
    GITIGNORE_NAME,
    LEGACY_TEMPORARY,
    STAGING_NAME,
    Pending,
    Staged,
    committed,
    finish,
    fsync_dir,
    ignoring_machinery,
    pending,
    recover,
    refuse_foreign,
    remove_staging,
    write_journal,
    write_synced,
)
from foldcheck.io.readfile import read_regular, same_file


class CommitSet:
    """The files of one commit, staged under the root's lock (made by ``committing``)."""

    def __init__(self, root: Path, shown: Path, inputs: Iterable[Path]) -> None:
        self.root = root  # absolute
        self._shown_root = shown  # as the caller named it, for messages
        self._inputs = [(path, os.stat(path)) for path in inputs if os.path.exists(path)]
        self._files: list[Staged] = []
        self._shown: dict[Path, Path] = {}  # target -> the path as the caller named it
        self._remove: list[Path] = []
        self._made_dirs: list[Path] = []

    @property
    def targets(self) -> list[Path]:
        return [file.target for file in self._files]

    def refuse_overwrite(self, paths: Iterable[Path], force: bool) -> None:
        """Asked under the lock, so the answer still holds when the set is committed."""
        refuse_overwrite(paths, force)

    def write(self, path: Path, payload: bytes) -> None:
        """Stage ``payload`` as the new content of ``path`` (inside the root)."""
        self.write_pieces(path, (payload,))

    def write_pieces(self, path: Path, pieces: Iterable[bytes | memoryview]) -> None:
        """Like ``write``, the bytes streamed in pieces."""
        target = self._target(path)
        self._make_folders(target.parent, path)
        self._refuse_unwritable(target, path, renamed=True)
        staged = self.root / STAGING_NAME / f"{len(self._files):04d}.{target.name}"
        try:
            # A replaced file keeps its permissions, as an editor's save would keep them.
            mode = os.stat(target).st_mode & 0o7777 if target.exists() else None
            size = write_synced(staged, pieces, mode)
        except OSError as exc:
            raise self._failed(exc, "writing", path) from None
        self._files.append(Staged(target, staged, size))
        self._shown[target] = Path(path)
        self._remove_legacy_temporaries(target)

    def keep_out_of_git(self) -> None:
        """Add the lock and the staging folder to the root's ``.gitignore`` in this commit,
        so an interrupted write is never committed with the files. A ``.gitignore`` that
        is not a regular file (a link could point at any of the user's files) is left be."""
        path = self.root / GITIGNORE_NAME
        old = b""
        if os.path.lexists(path):
            if not stat.S_ISREG(os.lstat(path).st_mode):
                return
            old = read_regular(path, "a text file")
        new = ignoring_machinery(old)
        if new != old:
            self.write(self._shown_root / GITIGNORE_NAME, new)

    def remove(self, path: Path) -> None:
        """Delete ``path``, a file of the previous set, in the same commit."""
        target = self._target(path)
        if os.path.lexists(target) and target not in self._remove:
            self._remove.append(target)

    def commit(self) -> list[Path]:
        if not self._files and not self._remove:
            return []
        for target in [*self.targets, *self._remove]:
            self._target(target)  # inputs are checked again: they may have been swapped
            # ... and so may folders: what the renames need is asked before the commit point
            shown = self._shown.get(target, target)
            self._refuse_unwritable(target, shown, renamed=target in self._shown)
        try:
            with signals_held():
                write_journal(self.root, self._files, self._remove)  # the commit point
                finish(self.root, self._files, self._remove)
        except OSError as exc:
            if not committed(self.root):
                raise self._failed(exc, "committing", self._shown_root) from None
            raise InputError(
                f"{os_reason(exc)} while committing; the set is incomplete: finish it with "
                f"foldcheck recover {shlex.quote(str(self._shown_root))}",
                self._user_path(exc) or self._shown_root,
            ) from None
        written = self.targets
        self._files, self._remove, self._made_dirs = [], [], []
        return written

    def discard(self) -> None:
        """Forget everything staged: what a reader sees stays as it was."""
        with signals_held():
            if not committed(self.root):  # once committed, only finishing is right
                remove_staging(self.root)
            for folder in reversed(self._made_dirs):
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only if still empty
        self._files, self._made_dirs = [], []

    # --- helpers ------------------------------------------------------------------------

    def _target(self, path: Path) -> Path:
        target = Path(os.path.abspath(path))
        if not target.is_relative_to(self.root):
            raise ValueError(f"{path} is outside the commit's folder {self.root}")
        for input_path, before in self._inputs:
            with contextlib.suppress(OSError):
                if same_file(os.stat(target), before):
                    same = Path(os.path.abspath(input_path)) == target
                    raise InputError(
                        f"is an input of this command{'' if same else f' ({input_path})'}; "
                        "refusing to overwrite or delete it (write the outputs elsewhere)",
                        path,
                    )
        return target

    def _make_folders(self, folder: Path, shown: Path) -> None:
        missing = [p for p in (folder, *folder.parents) if p.is_relative_to(self.root)]
        for parent in reversed(missing):
            if problem := _not_a_real_folder(parent, self.root):
                raise InputError(
                    f"cannot be written: {problem} ({self._count_staged()}, nothing changed)",
                    shown,
                )
            if parent.is_dir():
                continue
            try:
                parent.mkdir()
            except OSError as exc:
                raise self._failed(exc, "creating its folder", shown) from None
            self._made_dirs.append(parent)
        staging = self.root / STAGING_NAME
        if not staging.exists():
            try:
                staging.mkdir()
                fsync_dir(self.root)  # so a power cut cannot keep a journal but lose its folder
            except OSError as exc:
                raise self._failed(exc, "writing", shown) from None

    def _refuse_unwritable(self, target: Path, shown: Path, *, renamed: bool) -> None:
        """What the rename of ``target`` (or its deletion) after the commit point needs,
        asked now, so that a commit never stops half-way: ``target`` is not a folder, and
        its folder is a folder that this process may write, on the staging folder's
        filesystem when a file is renamed into it (a rename cannot cross them: EXDEV)."""
        if os.path.isdir(target):
            raise InputError("is a directory; cannot write a file there", shown)
        for folder in (p for p in target.parents if p.is_relative_to(self.root)):
            if problem := _not_a_real_folder(folder, self.root) or (
                "" if folder.is_dir() else f"{folder} does not exist"
            ):
                raise InputError(
                    f"cannot be written: {problem} ({self._count_staged()}, nothing changed)",
                    shown,
                )
        if renamed:  # written, not only deleted
            self._refuse_other_filesystem(shown, target)
        if not os.access(target.parent, os.W_OK | os.X_OK):
            raise InputError(
                f"cannot be written: its folder is not writable ({self._count_staged()}, "
                "nothing changed)",
                shown,
            )

    def _refuse_other_filesystem(self, shown: Path, target: Path) -> None:
        """A target whose folder is another mount (or a link to one) is refused before the
        commit point instead of failing half-way through a journalled commit."""
        try:
            staging = os.stat(self.root / STAGING_NAME).st_dev
            folder = os.stat(target.parent).st_dev
        except OSError as exc:
            raise self._failed(exc, "writing", shown) from None
        if staging != folder:
            raise InputError(
                f"is on another filesystem than {self._shown_root}, so it cannot be replaced "
                "atomically with the other outputs (write them to one filesystem); nothing "
                "changed",
                shown,
            )

    def _remove_legacy_temporaries(self, target: Path) -> None:
        with contextlib.suppress(OSError):
            for entry in os.scandir(target.parent):
                match = LEGACY_TEMPORARY.match(entry.name)
                if match and match.group(1) == target.name and entry.is_file():
                    self.remove(Path(entry.path))

    def _user_path(self, exc: OSError) -> Path | None:
        """The user's path an OS error is about: a target, never a staged file."""
        name = os.fspath(exc.filename) if exc.filename is not None else None
        for file in self._files:
            if name in (os.fspath(file.staged), os.fspath(file.target)):
                return self._shown.get(file.target, file.target)
        return Path(name) if name and STAGING_NAME not in name else None

    def _failed(self, exc: OSError, doing: str, path: Path) -> InputError:
        return InputError(
            f"{os_reason(exc)} while {doing} ({self._count_staged()}, nothing changed)", path
        )

    def _count_staged(self) -> str:
        count = len(self._files)
        return f"{count} file{'s' * (count != 1)} staged"


@contextmanager
def committing(
    root: Path, *, inputs: Iterable[Path] = (), targets: Iterable[Path] = ()
) -> Iterator[CommitSet]:
    """Lock ``root``, finish or discard an interrupted write there, and yield a
    ``CommitSet`` whose files appear together when the block ends, or not at all. Folders
    made for it that would be left empty are removed again. ``targets`` known in advance
    are checked to be writable into real folders before anything (the lock included) is
    made, so that a refusal leaves the folder exactly as it was."""
    shown, root = Path(root), Path(os.path.abspath(root))
    refuse_foreign(root, shown)
    for target in targets:
        _refuse_file_on_the_way(root, target)
    made = _make_root(root, shown)
    lock = FolderLock(root, shown)
    commit_set: CommitSet | None = None
    try:
        lock.acquire()
        recover(root, shown)
        commit_set = CommitSet(root, shown, inputs)
        yield commit_set
        commit_set.commit()
    finally:
        with signals_held():  # a second Ctrl-C must not cut the clean-up short
            if commit_set is not None:
                commit_set.discard()
            lock.release()
            for folder in made:  # deepest first
                with contextlib.suppress(OSError):
                    folder.rmdir()


def recover_folder(root: Path, *, discard: bool = False) -> Pending | None:
    """``foldcheck recover``: under ``root``'s lock, finish the interrupted write there (or
    clear an uncommitted one's staging folder); with ``discard``, delete the staging folder
    whatever its journal says, leaving the files as they are. Returns what was there."""
    shown, root = Path(root), Path(os.path.abspath(root))
    if not root.is_dir():
        raise InputError("is not a folder", shown)
    found = pending(root)  # asked before locking: our own lock would count as a writer's
    if not discard:
        refuse_foreign(root, shown)
    lock = FolderLock(root, shown)
    lock.acquire()
    try:
        if discard:
            remove_staging(root)
        else:
            recover(root, shown)
    finally:
        lock.release()
    return found


@contextmanager
def staged_files(root: Path | None = None, *, inputs: Iterable[Path] = ()) -> Iterator[Any]:
    """The older API, the same commit: ``with staged_files(root) as staged:
    staged.write(path, payload)``. Without ``root``, the first file's folder is the root."""
    if root is not None:
        with committing(root, inputs=inputs) as commit_set:
            yield commit_set
        return
    lazy = _FirstFolderCommit(list(inputs))
    try:
        yield lazy
    except BaseException as exc:
        lazy.close(exc)
        raise
    lazy.close(None)


class _FirstFolderCommit:
    def __init__(self, inputs: list[Path]) -> None:
        self._inputs = inputs
        self._context: Any = None
        self._set: CommitSet | None = None

    def write(self, path: Path, payload: bytes) -> None:
        commit_set = self._set
        if commit_set is None:
            self._context = committing(Path(path).parent, inputs=self._inputs)
            commit_set = self._set = self._context.__enter__()
        commit_set.write(path, payload)

    def close(self, exc: BaseException | None) -> None:
        context, self._context = self._context, None
        if context is not None:
            context.__exit__(type(exc) if exc else None, exc, exc.__traceback__ if exc else None)


def write_atomic(path: Path, payload: bytes) -> None:
    """One file, written whole or not at all."""
    with staged_files() as staged:
        staged.write(path, payload)


def refuse_unwritable(path: Path) -> None:
    """Raise what ``write_atomic(path, ...)`` would refuse, changing nothing: for a file a
    command writes after its other outputs, asked before any of them is written."""
    if os.path.isdir(path):
        raise InputError("is a directory; cannot write a file there", path)
    absolute = Path(os.path.abspath(path))
    for folder in reversed(absolute.parents):
        if os.path.lexists(folder) and not folder.is_dir():
            raise InputError(f"cannot be written: {folder} is not a folder (nothing changed)", path)
    nearest = next(folder for folder in absolute.parents if folder.exists())
    if not os.access(nearest, os.W_OK | os.X_OK):
        raise InputError(f"cannot be written: {nearest} is not writable (nothing changed)", path)


def refuse_overwrite(paths: Iterable[Path], force: bool) -> None:
    """Refuse existing ``paths`` unless ``force``. Inside ``committing`` ask
    ``commit.refuse_overwrite``: the same question, under the lock."""
    if force:
        return
    existing = [path for path in paths if os.path.lexists(path)]
    if existing:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise InputError(f"already exists{more}; pass --force to overwrite", existing[0])


def _refuse_file_on_the_way(root: Path, target: Path) -> None:
    """A folder ``target`` needs (inside ``root``) that exists as something else."""
    absolute = Path(os.path.abspath(target))
    for folder in reversed(absolute.parents):
        if folder.is_relative_to(root) and (problem := _not_a_real_folder(folder, root)):
            raise InputError(f"cannot be written: {problem} (nothing changed)", target)


def _not_a_real_folder(folder: Path, root: Path) -> str:
    """Why files cannot be written into ``folder`` (inside ``root``, or ``root`` itself):
    it is a file, or a link inside ``root``, which repository content could aim anywhere
    (``root`` itself, named by the user, may be a link). "" when missing or a folder."""
    if folder != root and os.path.islink(folder):
        return f"{folder} is a symbolic link, and foldcheck writes only through real folders"
    if os.path.lexists(folder) and not folder.is_dir():
        return f"{folder} is not a folder"
    return ""


def _make_root(root: Path, shown: Path) -> list[Path]:
    """Create ``root`` and missing parents; returns those made, deepest first."""
    made = []
    for parent in (root, *root.parents):
        if parent.exists():
            break
        made.append(parent)
    for folder in reversed(made):
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise InputError(
                f"{os_reason(exc)} while creating the folder (nothing changed)", shown
            ) from None
    return made
