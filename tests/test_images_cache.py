"""The hash cache: reused when files are unchanged, rebuilt when it is damaged."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from foldcheck.errors import InputError
from foldcheck.images import cache, hashes
from foldcheck.images.hashes import folder_hashes, list_images
from foldcheck.images.phash import hash_file
from foldcheck.images.synth import scene

NAMES = ["0.jpg", "1.jpg", "2.jpg", "sub/3.jpg"]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLDCHECK_CACHE_DIR", str(tmp_path / "cache"))
    images = tmp_path / "images"
    (images / "sub").mkdir(parents=True)
    for k, name in enumerate(NAMES):
        scene(k, 160, 120).save(images / name)
    return images


def _hashed(monkeypatch) -> list:
    """Spy on the real hash function: the files actually decoded."""
    calls: list = []
    real = hashes.hash_file
    monkeypatch.setattr(hashes, "hash_file", lambda p: calls.append(p) or real(p))
    return calls


def _hash(root, names):
    return folder_hashes(root, names, what="test").or_raise()


def test_second_run_decodes_nothing(folder, monkeypatch):
    first = _hash(folder, NAMES)
    assert first.tolist() == [hash_file(folder / n) for n in NAMES]
    calls = _hashed(monkeypatch)
    np.testing.assert_array_equal(_hash(folder, NAMES), first)
    assert calls == []


def test_cache_lives_in_the_user_cache_folder(folder, tmp_path, monkeypatch):
    monkeypatch.delenv("FOLDCHECK_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    _hash(folder, NAMES)
    assert cache.cache_path(folder).parent == tmp_path / "xdg" / "foldcheck" / "phash"
    assert cache.cache_path(folder).is_file()
    assert not any(p.name.startswith(".") for p in folder.iterdir())  # nothing in the tree


def test_changed_file_is_rehashed(folder, monkeypatch):
    _hash(folder, NAMES)
    scene(9, 160, 120).save(folder / "1.jpg")
    st = os.stat(folder / "1.jpg")
    os.utime(folder / "1.jpg", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    calls = _hashed(monkeypatch)
    got = _hash(folder, NAMES)
    assert calls == [folder / "1.jpg"]
    assert int(got[1]) == hash_file(folder / "1.jpg")


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty", "algorithm"])
def test_damaged_cache_is_rebuilt_not_trusted(folder, monkeypatch, damage):
    want = _hash(folder, NAMES)
    path = cache.cache_path(folder)
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[:-5]
    elif damage == "flip":
        data[-40] ^= 0xFF  # inside the stored hashes
    elif damage == "garbage":
        data = bytearray(os.urandom(300))
    elif damage == "empty":
        data = bytearray()
    else:
        data = data.replace(b"phash-", b"qhash-")  # another algorithm's cache
    path.write_bytes(bytes(data))
    calls = _hashed(monkeypatch)
    np.testing.assert_array_equal(_hash(folder, NAMES), want)
    assert len(calls) == len(NAMES)
    assert (
        cache.decode(path.read_bytes(), cache.user_key(create=False), path.name) is not None
    )  # rewritten whole


def test_concurrent_writers_leave_one_whole_file(folder):
    path = cache.cache_path(folder)
    versions = [{f"{w}-{k}": cache.Entry(k, k, k) for k in range(2000)} for w in range(4)]
    threads = [threading.Thread(target=cache.save, args=(path, v)) for v in versions * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.decode(path.read_bytes(), cache.user_key(create=False), path.name) in versions
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left


def test_unwritable_cache_folder_only_costs_the_cache(folder, tmp_path, monkeypatch):
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("FOLDCHECK_CACHE_DIR", str(tmp_path / "file" / "cache"))
    assert len(_hash(folder, NAMES)) == 4


def test_problems_are_listed_and_the_rest_hashed(folder):
    (folder / "bad.jpg").write_bytes(b"not an image")
    got = folder_hashes(folder, ["bad.jpg", "0.jpg", "gone.jpg"], what="test")
    assert got.ok.tolist() == [False, True, False]
    assert int(got.values[1]) == hash_file(folder / "0.jpg")
    assert [str(p.path) for p in got.problems] == [
        str(folder / "bad.jpg"),
        str(folder / "gone.jpg"),
    ]
    again = folder_hashes(folder, ["bad.jpg"], what="test")  # failures are not cached
    assert again.ok.tolist() == [False]


def test_missing_fifo_and_broken_images_name_the_file(folder):
    with pytest.raises(InputError, match="not found") as e:
        _hash(folder, [*NAMES, "nope.jpg"])
    assert e.value.path == str(folder / "nope.jpg")
    os.mkfifo(folder / "pipe.jpg")
    with pytest.raises(InputError, match="not a regular file"):
        _hash(folder, ["pipe.jpg"])
    (folder / "bad.jpg").write_bytes(b"\xff\xd8\xff not a jpeg")
    with pytest.raises(InputError, match="cannot read image") as e:
        _hash(folder, ["bad.jpg"])
    assert e.value.path == str(folder / "bad.jpg")


def test_list_images_skips_hidden_folders_and_other_files(folder):
    (folder / ".git").mkdir()
    scene(1, 32, 32).save(folder / ".git" / "x.png")
    (folder / "notes.txt").write_text("x")
    scene(1, 32, 32).save(folder / "UPPER.PNG")
    assert list_images(folder) == ["0.jpg", "1.jpg", "2.jpg", "UPPER.PNG", "sub/3.jpg"]
