"""folds.csv and holdout.csv written a column at a time at numpy speed (``io.textcolumns``)
are what csv.writer writes row by row: on a real Roboflow export, and on files laid out
unusually (annotations not grouped by image, ids falling and negative, names of every length,
non-ASCII names, group labels that are text), through the command a user runs."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from foldcheck.formats import exports
from foldcheck.io.textcolumns import ascii_strings, decimal, rows_text

REPO = Path(__file__).resolve().parent.parent
REAL = REPO.parent / "shared" / "data" / "real"


def _split(data: Path, out: Path, *options: str) -> None:
    command = [sys.executable, "-m", "foldcheck", "split", str(data), "--out", str(out)]
    done = subprocess.run([*command, *options, "--export", "csv", "-q"], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


def _csv_writer_text(data: Path, out: Path) -> dict[str, bytes]:
    """folds.csv (and holdout.csv) as csv.writer writes them, row by row, from the file and
    the manifest split wrote: every image of a fold in file order with its fold, then the
    held-out ones."""
    document = json.loads(data.read_text("utf-8"))
    manifest = json.loads((out / "folds.json").read_text("utf-8"))
    fold_of = {key: fold for fold, keys in enumerate(manifest["folds"]) for key in keys}
    held = set(manifest.get("holdout", {}).get("images", []))
    group_by = manifest["group_by"]
    texts = {}
    for name, wanted in (("folds.csv", fold_of.__contains__), ("holdout.csv", held.__contains__)):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["image_id", "file_name", "group", *(["fold"] * (name == "folds.csv"))])
        for image in document["images"]:
            if wanted(image["id"]):
                group = image["id"] if group_by == "image" else image[group_by]
                fold = [fold_of[image["id"]]] if name == "folds.csv" else []
                writer.writerow([image["id"], image["file_name"], group, *fold])
        texts[name] = buffer.getvalue().encode("utf-8")
    return texts


def _unusual(tmp_path: Path, names: list[str], **image_fields: list[Any]) -> Path:
    """Images with ids falling through zero, annotations in a shuffled order."""
    rng = np.random.default_rng(len(names))
    ids = [7 * (len(names) // 2 - i) for i in range(len(names))]  # falling, some negative
    images = [
        {"id": image_id, "file_name": name, **{k: v[i] for k, v in image_fields.items()}}
        for i, (image_id, name) in enumerate(zip(ids, names, strict=True))
    ]
    annotations = [
        {
            "id": 5000 - j,
            "image_id": ids[int(rng.integers(len(ids)))],
            "category_id": int(rng.integers(1, 4)),
            "bbox": [0, 0, 4, 4],
            "area": float(rng.choice([10.0, 2000.0, 1e4])),
            "iscrowd": 0,
        }
        for j in range(5 * len(names))
    ]
    path = tmp_path / "data.json"
    document = {"images": images, "annotations": annotations}
    document["categories"] = [{"id": c, "name": f"c{c}"} for c in (1, 2, 3)]
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


NAMES = {
    "alike": [f"{i:012d}.jpg" for i in range(300)],
    "any length": [f"{'d/' * (i % 5)}{i}_jpg.rf.{i * 7919 % 1000:x}.jpg" for i in range(300)],
    "some empty": ["" if i % 9 == 0 else f"p{i}.png" for i in range(300)],
    "non-ASCII": [f"été_{i}.jpg" if i % 50 == 0 else f"img{i}.jpg" for i in range(300)],
    "quoted": [f'a,"{i}".jpg' if i == 150 else f"img{i}.jpg" for i in range(300)],
}


@pytest.mark.parametrize("names", NAMES.values(), ids=NAMES.keys())
@pytest.mark.parametrize("holdout", [[], ["--holdout", "0.2"]], ids=["folds", "holdout"])
def test_unusual_files_write_what_csv_writer_writes(
    tmp_path: Path, names: list[str], holdout: list[str]
) -> None:
    data = _unusual(tmp_path, names)
    out = tmp_path / "out"
    _split(data, out, "-k", "3", "--seed", "4", *holdout)
    expected = _csv_writer_text(data, out)
    assert (out / "folds.csv").read_bytes() == expected["folds.csv"]
    if holdout:
        assert (out / "holdout.csv").read_bytes() == expected["holdout.csv"]


@pytest.mark.parametrize(
    "labels",
    [[f"clip{i % 17}" for i in range(300)], [i % 23 - 11 for i in range(300)]],
    ids=["text labels", "integer labels"],
)
def test_groups_by_a_key_write_their_labels(tmp_path: Path, labels: list[Any]) -> None:
    data = _unusual(tmp_path, NAMES["any length"], clip=labels)
    out = tmp_path / "out"
    _split(data, out, "-k", "4", "--group-by", "clip")
    assert (out / "folds.csv").read_bytes() == _csv_writer_text(data, out)["folds.csv"]


@pytest.mark.parametrize("name", ["chess", "car-damage"])
def test_real_export_writes_what_csv_writer_writes(tmp_path: Path, name: str) -> None:
    data = REAL / name / "train.json"
    if not data.is_file():
        pytest.skip(f"real export {data} is absent (read from ../shared/data/real/)")
    out = tmp_path / "out"
    _split(data, out, "-k", "5", "--holdout", "0.1")
    expected = _csv_writer_text(data, out)
    assert (out / "folds.csv").read_bytes() == expected["folds.csv"]
    assert (out / "holdout.csv").read_bytes() == expected["holdout.csv"]


def test_blocks_of_rows_join_to_the_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows written a block at a time (here 7 rows a block, the last one short; names that
    are ASCII in some blocks and not in others) are the rows written at once."""
    import foldcheck

    data = _unusual(tmp_path, NAMES["non-ASCII"])
    assignment = foldcheck.split(data, k=3, seed=1)
    whole = b"".join(exports.fold_csv(assignment))
    monkeypatch.setattr(exports, "_CSV_ROWS", 7)
    assert b"".join(exports.fold_csv(assignment)) == whole


@pytest.mark.parametrize("seed", range(4))
def test_decimal_is_str_of_every_int64(seed: int) -> None:
    rng = np.random.default_rng(seed)
    edges = [0, 9, 10, -1, -9, -10, 2**32 - 1, 2**32, -(2**32), 2**63 - 1, -(2**63)]
    values = np.concatenate(
        [
            np.array(edges, np.int64),
            rng.integers(-(2**63), 2**63 - 1, 500, dtype=np.int64, endpoint=True),
            rng.integers(-1000, 1000, 500),
            (10 ** rng.integers(0, 19, 500)).astype(np.int64) * rng.choice([-1, 1], 500),
        ]
    )
    text = rows_text([decimal(values)], b",", b"\n")
    assert text == "".join(f"{value}\n" for value in values.tolist()).encode()


def test_rows_are_their_fields_joined() -> None:
    names = ["a", "", "b\x00", "longer name", "x"]
    numbers = np.array([3, -12, 0, 7, 100])
    columns = [decimal(numbers), ascii_strings(names), decimal(numbers[::-1])]
    assert all(column is not None for column in columns)
    text = rows_text([c for c in columns if c is not None], b";", b"\r\n")
    rows = zip(map(str, numbers.tolist()), names, map(str, numbers[::-1].tolist()), strict=True)
    assert text == "".join(";".join(row) + "\r\n" for row in rows).encode()
    assert ascii_strings(["plain", "été"]) is None
    assert rows_text([decimal(np.zeros(0, np.int64))], b",", b"\n") == b""
