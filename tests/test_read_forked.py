"""A large annotations array read in two processes (``formats/coco/forked.py``): the same
columns, the same digest and the same errors as a read in one process, whatever the layout,
and the child's half thrown away when its first record was a wrong guess."""

from __future__ import annotations

import json
import random
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from foldcheck.cli import main
from foldcheck.errors import InputError
from foldcheck.formats.coco import forked
from foldcheck.formats.coco import records as coco_records
from foldcheck.formats.coco.reader import load_dataset
from foldcheck.io import jsontext
from tests.coco_reference import parsed_dataset

REAL = Path(__file__).resolve().parent.parent / ".." / "shared" / "data" / "real"


class Halves:
    """Whether the child's columns were used, read by read."""

    def __init__(self) -> None:
        self.used: list[bool] = []


@pytest.fixture(params=[64, 1 << 22], ids=["tiny-runs", "default-runs"])
def halves(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Halves]:
    """Every array forks (whatever its size and however many cores this machine lends), in
    runs of 64 bytes or of the default size."""
    monkeypatch.setattr(coco_records, "RUN_BYTES", request.param)
    monkeypatch.setattr(forked, "FORK_BYTES", 0)
    monkeypatch.setattr(forked, "_can_fork", _linux)
    seen = Halves()
    collect = forked.Rest.collect

    def recording(rest: forked.Rest, dtypes: Any) -> Any:
        got = collect(rest, dtypes)
        seen.used.append(got is not None)
        return got

    monkeypatch.setattr(forked.Rest, "collect", recording)
    yield seen


def _linux() -> bool:
    return sys.platform.startswith("linux")


def _one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "FORK_BYTES", 1 << 62)


def _document(n_images: int, seed: int, *, shuffled: bool) -> dict[str, Any]:
    """Non-ASCII file names; with ``shuffled``, ids falling and annotations in no image's
    order, as merged exports have them."""
    rng = random.Random(seed)
    image_ids = list(range(1, n_images + 1))
    if shuffled:
        rng.shuffle(image_ids)
    images = [
        {"id": i, "file_name": f"bild_{i}_straße_猫.jpg", "width": 64, "height": 48}
        for i in image_ids
    ]
    annotations = [
        {
            "id": n,
            "image_id": rng.choice(image_ids) if shuffled else image_ids[n // 4 % n_images],
            "category_id": rng.randint(1, 3),
            "bbox": [1.5, 2.0, 3.25, 4.0],
            "area": 13.0,
            "iscrowd": 0,
        }
        for n in range(1, 4 * n_images + 1)
    ]
    if shuffled:
        rng.shuffle(annotations)
    return {
        "info": {"description": "forked"},
        "images": images,
        "annotations": annotations,
        "categories": [{"id": c, "name": f"c{c}"} for c in (1, 2, 3)],
    }


def _columns(dataset: Any) -> tuple[Any, ...]:
    return (
        dataset.image_ids.tolist(),
        dataset.category_ids.tolist(),
        dataset.ann_image.tolist(),
        dataset.ann_class.tolist(),
        np.nan_to_num(dataset.ann_area, nan=-1).tolist(),
        dataset.sha256,
    )


def _write(path: Path, document: dict[str, Any], indent: int | None = None) -> Path:
    path.write_text(json.dumps(document, indent=indent, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("shuffled", [False, True])
@pytest.mark.parametrize("indent", [None, 2])
def test_two_processes_read_the_columns_one_reads(
    tmp_path: Path,
    halves: Halves,
    monkeypatch: pytest.MonkeyPatch,
    shuffled: bool,
    indent: int | None,
) -> None:
    document = _document(150, seed=3, shuffled=shuffled)
    path = _write(tmp_path / "d.json", document, indent)
    forked_read = _columns(load_dataset(path))
    assert halves.used == ([True] if _linux() else [])  # the child read the second half
    _one_process(monkeypatch)
    assert forked_read == _columns(load_dataset(path))
    assert forked_read[:5] == _columns(parsed_dataset(document, path))[:5]


def test_a_wrong_guess_of_the_halves_first_record_is_not_used(
    tmp_path: Path, halves: Halves, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The middle of the array falls in a record's nested list of objects shaped like records:
    the child reads them as the half's records (up to the list's end, which it takes for the
    array's), but the parent's runs cross the guess, so the child's columns are dropped."""
    document = _document(40, seed=5, shuffled=False)
    annotations = document["annotations"]
    annotations[len(annotations) // 2]["attributes"] = annotations[:50] * 40
    path = _write(tmp_path / "d.json", document)
    text = path.read_bytes()
    start = text.index(b"[", text.index(b'"annotations"'))
    middle = start + (len(text) - start) // 2
    nested = text.index(b'"attributes"')
    assert nested < middle < text.index(b"]}", nested)  # the guess is inside the list
    forked_read = _columns(load_dataset(path))
    assert True not in halves.used
    assert forked_read[:5] == _columns(parsed_dataset(document, path))[:5]
    _one_process(monkeypatch)
    assert forked_read == _columns(load_dataset(path))


def _late_problem(kind: str) -> Callable[[dict[str, Any]], None]:
    """A problem near the end of the annotations, in the child's half."""

    def make(document: dict[str, Any]) -> None:
        record = document["annotations"][-3]
        if kind == "string id":
            record["image_id"] = "7"
        elif kind == "unknown image":
            record["image_id"] = 10**6
        elif kind == "no area, no box":
            del record["area"], record["bbox"]
        elif kind == "repeated id":
            record["id"] = document["annotations"][-2]["id"]

    return make


@pytest.mark.parametrize(
    "kind", ["string id", "unknown image", "no area, no box", "repeated id", "repeated key"]
)
def test_a_problem_in_the_childs_half_is_the_error_one_process_reports(
    tmp_path: Path, halves: Halves, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    document = _document(100, seed=7, shuffled=False)
    _late_problem(kind)(document)
    path = _write(tmp_path / "d.json", document)
    if kind == "repeated key":
        text = path.read_text(encoding="utf-8")
        at = text.rindex('"iscrowd": 0}')
        path.write_text(text[:at] + '"iscrowd": 0, "iscrowd": 1}' + text[at + 13 :], "utf-8")
    outcome: list[str] = []
    for one_process in (False, True):
        if one_process:
            _one_process(monkeypatch)
        try:
            dataset = load_dataset(path)
        except InputError as error:
            outcome.append(str(error))
        else:
            outcome.append(repr(_columns(dataset)))
    assert outcome[0] == outcome[1]
    if kind != "no area, no box":  # that one is no error: its area is unknown (NaN)
        assert f"{path}:" in outcome[0]


@pytest.mark.skipif(not REAL.is_dir(), reason="the shared real exports are not here")
def test_a_real_export_split_in_two_processes_writes_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Roboflow export (ids from 0, a placeholder category, hashed file names)."""
    monkeypatch.setattr(forked, "FORK_BYTES", 0)
    monkeypatch.setattr(forked, "_can_fork", _linux)
    data = tmp_path / "train.json"
    shutil.copyfile(REAL / "car-damage" / "train.json", data)
    written = []
    for one_process in (False, True):
        if one_process:
            _one_process(monkeypatch)
        out = tmp_path / ("one" if one_process else "two")
        assert (
            main(["split", str(data), "-k", "3", "--out", str(out), "--export", "csv", "-q"]) == 0
        )
        written.append([(out / name).read_bytes() for name in ("folds.json", "folds.csv")])
    assert written[0] == written[1]


def test_a_long_stretch_of_continuation_bytes_is_an_error_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A block cut among continuation bytes used to step back past the block's start, and the
    encoding check went round the same block for ever."""
    monkeypatch.setattr(jsontext, "_CHECK_BYTES", 4096)
    path = tmp_path / "bad.json"
    path.write_bytes(
        b'{"images": [], "annotations": [], "categories": [], "info": "'
        + b"\x80" * 3 * 4096
        + b'"}'
    )
    with pytest.raises(InputError, match=r"not valid UTF-8 \(byte 0x80\)") as found:
        load_dataset(path)
    assert str(found.value).startswith(f"{path}:1:62: ")
