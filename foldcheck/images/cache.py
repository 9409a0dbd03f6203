"""The perceptual-hash cache: one file per images folder in the user cache folder.

Where: $FOLDCHECK_CACHE_DIR, else the platform's user cache folder ($XDG_CACHE_HOME or
~/.cache on Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows) + "foldcheck".
Not `.foldcheck/` in the repository: a check hook then never writes into the tree it checks
(nothing to git-ignore, nothing for `git status` or a read-only checkout to trip over), image
folders outside the repository or shared by several clones hash once, and deleting the
cache is always safe. CI can keep it between runs by caching that folder.

Key: the file's path relative to the images folder, its size and its mtime in nanoseconds,
and the hash algorithm's version (a changed algorithm invalidates the whole file).
Safety: written to a temporary file in the same folder and moved over the old one with
os.replace, so a reader sees the old or the new file, never half of one; two processes
writing at once both write complete files and the last one wins. A file that is truncated,
from another version, malformed in any way or fails its HMAC is ignored and rebuilt, never
trusted.

Forgery: a cache folder may be shared (a CI cache restored from elsewhere, a group folder),
and an entry saying "this file hashes to X" could turn a true near-duplicate into a pass. So
each file carries an HMAC-SHA256 of its whole content under a per-user secret, ``hmac.key``
in the cache folder: 32 random bytes, created atomically with mode 0600 (written to a private
temporary file, then linked into place, so no reader sees half a key), and used only while it
is a regular file owned by the user that neither group nor others can read or write. A
process without the user's rights cannot read the key, so it cannot make an entry that
passes; when the key is refused (another owner, wider permissions, a link), the cache is
neither read nor written and every image is hashed afresh.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import struct
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from foldcheck.images.phash import HASH_VERSION

_MAGIC = b"FOLDCHECK-PHASH\n"
_FORMAT = 2
_HEAD = struct.Struct("<II")  # format version, header length
_MAC_SIZE = 32  # HMAC-SHA256, right after the head; it covers everything after it
KEY_NAME = "hmac.key"
_KEY_SIZE = 32


class Entry(NamedTuple):
    size: int
    mtime_ns: int
    phash: int


def cache_root() -> Path:
    env = os.environ.get("FOLDCHECK_CACHE_DIR")
    if env:
        return Path(env)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "foldcheck"


def cache_path(images_dir: Path) -> Path:
    """The cache file of one images folder (named by a digest of its resolved path)."""
    key = hashlib.sha256(os.fsencode(images_dir.resolve())).hexdigest()[:24]
    return cache_root() / "phash" / f"{key}.bin"


def user_key(*, create: bool) -> bytes | None:
    """The user's secret from the cache folder (made first when ``create``); None when there
    is none, or it is not a private regular file of this user."""
    path = cache_root() / KEY_NAME
    key = _read_key(path)
    if key is None and create and not os.path.lexists(path):
        _create_key(path)
        key = _read_key(path)
    return key


def _read_key(path: Path) -> bytes | None:
    try:
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
    except OSError:  # missing, a link (ELOOP), unreadable
        return None
    with os.fdopen(fd, "rb") as file:
        st = os.fstat(file.fileno())
        private = stat.S_ISREG(st.st_mode) and not st.st_mode & 0o077
        owned = not hasattr(os, "getuid") or st.st_uid == os.getuid()
        if not (private and owned):
            return None
        key = file.read(_KEY_SIZE + 1)
    return key if len(key) == _KEY_SIZE else None


def _create_key(path: Path) -> None:
    """A new random key, in place whole or not at all; a key another process made first
    wins (``link`` never replaces)."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(os.urandom(_KEY_SIZE))
                file.flush()
                os.fsync(file.fileno())
            os.link(tmp, path)
        finally:
            os.unlink(tmp)
    except OSError:  # exists already (a concurrent run), or the folder cannot be written
        pass


def encode(entries: dict[str, Entry], key: bytes, name: str) -> bytes:
    names = sorted(entries)
    sizes = np.array([entries[n].size for n in names], dtype="<i8")
    mtimes = np.array([entries[n].mtime_ns for n in names], dtype="<i8")
    hashes = np.array([entries[n].phash for n in names], dtype="<u8")
    blob = "\0".join(names).encode("utf-8", "surrogateescape")  # NUL never occurs in a path
    payload = sizes.tobytes() + mtimes.tobytes() + hashes.tobytes() + blob
    header = json.dumps({"algorithm": HASH_VERSION, "count": len(names)}).encode()
    body = header + payload
    head = _HEAD.pack(_FORMAT, len(header))
    return _MAGIC + head + _mac(key, name, head + body) + body


def _mac(key: bytes, name: str, content: bytes) -> bytes:
    """Over the file's own name too (the digest of its images folder): one folder's cache
    copied over another's does not pass."""
    message = _MAGIC + name.encode("utf-8", "surrogateescape") + b"\0" + content
    return hmac.new(key, message, hashlib.sha256).digest()


def decode(data: bytes, key: bytes | None, name: str) -> dict[str, Entry] | None:
    """The entries of the cache file ``name``, or None for anything but an intact file of
    this format and algorithm whose HMAC under ``key`` holds."""
    if key is None or not data.startswith(_MAGIC) or len(data) < len(_MAGIC) + _HEAD.size:
        return None
    at = len(_MAGIC)
    head = data[at : at + _HEAD.size]
    version, header_len = _HEAD.unpack(head)
    at += _HEAD.size
    mac, body = data[at : at + _MAC_SIZE], data[at + _MAC_SIZE :]
    if version != _FORMAT or not hmac.compare_digest(mac, _mac(key, name, head + body)):
        return None
    # Written by this user's foldcheck: still read defensively, as any shape may be there.
    try:
        header = json.loads(body[:header_len])
    except ValueError:
        return None
    payload = memoryview(body)[header_len:]
    if not isinstance(header, dict) or header.get("algorithm") != HASH_VERSION:
        return None
    n = header.get("count")
    if type(n) is not int or not 0 <= n <= len(payload) // 24:
        return None
    sizes = np.frombuffer(payload, dtype="<i8", count=n)
    mtimes = np.frombuffer(payload, dtype="<i8", count=n, offset=8 * n)
    hashes = np.frombuffer(payload, dtype="<u8", count=n, offset=16 * n)
    names = bytes(payload[24 * n :]).decode("utf-8", "surrogateescape").split("\0") if n else []
    if len(names) != n:
        return None
    return {
        name: Entry(s, m, h)
        for name, s, m, h in zip(
            names, sizes.tolist(), mtimes.tolist(), hashes.tolist(), strict=True
        )
    }


def load(path: Path) -> dict[str, Entry]:
    key = user_key(create=False)
    if key is None:
        return {}
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    return decode(data, key, path.name) or {}


def save(path: Path, entries: dict[str, Entry]) -> None:
    """Replace the cache file atomically; a cache that cannot be written (or whose key is
    refused) is simply skipped."""
    key = user_key(create=True)
    if key is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(encode(entries, key, path.name))
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass


def lookup(
    cached: dict[str, Entry],
    names: list[str],
    sizes: npt.NDArray[np.int64],
    mtimes: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.bool_]]:
    """Cached hashes for the files whose size and mtime still match, and which ones those are."""
    hashes = np.zeros(len(names), dtype=np.uint64)
    fresh = np.zeros(len(names), dtype=bool)
    for k, name in enumerate(names):
        e = cached.get(name)
        if e is not None and e.size == sizes[k] and e.mtime_ns == mtimes[k]:
            hashes[k] = e.phash
            fresh[k] = True
    return hashes, fresh
