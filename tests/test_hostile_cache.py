"""Issue 20, item 8: the near-duplicate hash cache. A cache file of any shape that is not
this user's foldcheck's own is ignored and rebuilt, never a crash; entries carry an HMAC
under a per-user key (``hmac.key``, mode 0600, in the cache folder), so whoever can write the
cache folder but not read the key cannot forge an entry that hides a true FC106."""

from __future__ import annotations

import json
import os
import stat
import struct
from pathlib import Path

import pytest

from foldcheck.images import cache
from foldcheck.images.synth import scene
from tests.hostile import foldcheck


@pytest.fixture
def copies(tmp_path: Path) -> Path:
    """images/: three photos and a PNG copy of the first, the copy in the other fold."""
    images = tmp_path / "images"
    images.mkdir()
    for s in range(3):
        scene(s, 160, 120).save(images / f"photo{s}.jpg", quality=90)
    scene(0, 160, 120).save(images / "copy.png")
    (tmp_path / "folds.csv").write_text(
        "file_name,fold\nphoto0.jpg,0\nphoto1.jpg,0\nphoto2.jpg,1\ncopy.png,1\n"
    )
    return tmp_path


def _check(folder: Path) -> tuple[int, str, str]:
    proc = foldcheck(
        "check",
        "folds.csv",
        "--images-dir",
        "images",
        "--select",
        "FC106",
        cwd=folder,
        FOLDCHECK_CACHE_DIR=str(folder / "cache"),
    )
    return proc.returncode, proc.stdout, proc.stderr


def _cache_file(folder: Path) -> Path:
    (found,) = (folder / "cache" / "phash").glob("*.bin")
    return found


def _entries(folder: Path) -> dict[str, cache.Entry]:
    key = (folder / "cache" / cache.KEY_NAME).read_bytes()
    path = _cache_file(folder)
    entries = cache.decode(path.read_bytes(), key, path.name)
    assert entries is not None
    return entries


def test_the_key_is_private_and_the_cache_is_used(copies: Path) -> None:
    code, out, err = _check(copies)
    assert code == 1 and "FC106" in out, err
    key = copies / "cache" / cache.KEY_NAME
    st = key.lstat()
    assert stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600
    assert st.st_uid == os.getuid() and st.st_size == 32
    assert sorted(_entries(copies)) == ["copy.png", "photo0.jpg", "photo1.jpg", "photo2.jpg"]


def test_a_forged_entry_is_ignored_and_the_true_fc106_still_fires(copies: Path) -> None:
    _check(copies)
    entries = _entries(copies)
    forged = {  # the copy's hash made far from its original's: it would hide the FC106
        name: e._replace(phash=e.phash ^ 0xFFFFFFFFFFFFFFFF) if name == "copy.png" else e
        for name, e in entries.items()
    }
    path = _cache_file(copies)
    path.write_bytes(cache.encode(forged, os.urandom(32), path.name))  # not the user's key
    code, out, err = _check(copies)
    assert code == 1 and "FC106" in out and "'copy.png'" in out, err
    assert _entries(copies) == entries  # rebuilt with the true hashes


def _head(header: bytes) -> bytes:
    return b"FOLDCHECK-PHASH\n" + struct.pack("<II", 2, len(header)) + bytes(32) + header


MALFORMED = {
    "header-a-list": _head(b"[1, 2]"),
    "header-a-number": _head(b"7"),
    "header-not-json": _head(b"{]"),
    "count-huge": _head(json.dumps({"algorithm": "x", "count": 10**30}).encode()),
    "head-truncated": b"FOLDCHECK-PHASH\n\x02\x00",
    "format-1": b"FOLDCHECK-PHASH\n" + struct.pack("<II", 1, 2) + b"[]",
    "empty": b"",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_cache_of_any_shape_is_rebuilt(copies: Path, name: str) -> None:
    _check(copies)
    entries = _entries(copies)
    _cache_file(copies).write_bytes(MALFORMED[name])
    code, out, err = _check(copies)
    assert code == 1 and "FC106" in out and err == "", err
    assert _entries(copies) == entries


@pytest.mark.parametrize("how", ["group-readable", "a-link", "too-short"])
def test_a_key_that_is_not_private_is_refused_and_the_cache_left_alone(
    copies: Path, how: str
) -> None:
    _check(copies)
    key = copies / "cache" / cache.KEY_NAME
    if how == "group-readable":
        key.chmod(0o640)
    elif how == "a-link":
        real = copies / "somebody-elses.key"
        real.write_bytes(key.read_bytes())
        real.chmod(0o600)
        key.unlink()
        key.symlink_to(real)
    else:
        key.write_bytes(b"short")
    path = _cache_file(copies)
    path.write_bytes(b"left as it was")
    code, out, err = _check(copies)
    assert code == 1 and "FC106" in out, err  # hashed afresh: the finding stands
    assert path.read_bytes() == b"left as it was"  # neither trusted nor rewritten
