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
from another version, or fails its checksum is ignored and rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from foldcheck.images.phash import HASH_VERSION

_MAGIC = b"FOLDCHECK-PHASH\n"
_FORMAT = 1
_HEAD = struct.Struct("<II")  # format version, header length


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


def encode(entries: dict[str, Entry]) -> bytes:
    names = sorted(entries)
    sizes = np.array([entries[n].size for n in names], dtype="<i8")
    mtimes = np.array([entries[n].mtime_ns for n in names], dtype="<i8")
    hashes = np.array([entries[n].phash for n in names], dtype="<u8")
    blob = "\0".join(names).encode("utf-8", "surrogateescape")  # NUL never occurs in a path
    payload = sizes.tobytes() + mtimes.tobytes() + hashes.tobytes() + blob
    header = json.dumps(
        {
            "algorithm": HASH_VERSION,
            "count": len(names),
            "blake2b": hashlib.blake2b(payload, digest_size=16).hexdigest(),
        }
    ).encode()
    return _MAGIC + _HEAD.pack(_FORMAT, len(header)) + header + payload


def decode(data: bytes) -> dict[str, Entry] | None:
    """The entries, or None for anything but an intact file of this format and algorithm."""
    try:
        if not data.startswith(_MAGIC):
            return None
        at = len(_MAGIC)
        version, header_len = _HEAD.unpack_from(data, at)
        at += _HEAD.size
        header = json.loads(data[at : at + header_len])
        payload = memoryview(data)[at + header_len :]
        if (
            version != _FORMAT
            or header.get("algorithm") != HASH_VERSION
            or hashlib.blake2b(payload, digest_size=16).hexdigest() != header.get("blake2b")
        ):
            return None
        n = int(header["count"])
        sizes = np.frombuffer(payload, dtype="<i8", count=n)
        mtimes = np.frombuffer(payload, dtype="<i8", count=n, offset=8 * n)
        hashes = np.frombuffer(payload, dtype="<u8", count=n, offset=16 * n)
        names = bytes(payload[24 * n :]).decode("utf-8", "surrogateescape").split("\0")
        if n == 0:
            names = []
        if len(names) != n:
            return None
        return {
            name: Entry(s, m, h)
            for name, s, m, h in zip(
                names, sizes.tolist(), mtimes.tolist(), hashes.tolist(), strict=True
            )
        }
    except (ValueError, KeyError, TypeError, struct.error):  # json, numpy, header shape
        return None


def load(path: Path) -> dict[str, Entry]:
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    return decode(data) or {}


def save(path: Path, entries: dict[str, Entry]) -> None:
    """Replace the cache file atomically; a cache that cannot be written is simply skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(encode(entries))
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
