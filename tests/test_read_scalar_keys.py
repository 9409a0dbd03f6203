"""Keys nobody reads whose first value is a number, a boolean or null (COCO's ``iscrowd``)
are decoded as any value rather than kept as undecoded text: the same columns whatever a later
record holds there, and a repeated key found wherever it is, in split's reading and in
validate's."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from foldcheck.errors import InputError
from foldcheck.formats.coco import records as coco_records
from foldcheck.formats.coco import text as coco_text
from foldcheck.formats.coco.reader import load_dataset, load_lint_table
from tests.coco_reference import parsed_dataset

# What a later record may hold where the first held a number: each is read all the same.
LATER_VALUES = [1, -3, 2**70, 1.5e300, True, None, "crowd", [1, [2, {"a": 3}]], {"a": {"b": 1}}]


@pytest.fixture(params=[64, 1 << 22], ids=["tiny-runs", "default-runs"])
def run_bytes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Tiny runs put every record in runs of its own and cut runs everywhere."""
    monkeypatch.setattr(coco_records, "RUN_BYTES", request.param)
    monkeypatch.setattr(coco_text, "_RUN_BYTES", request.param)
    return int(request.param)


def _document(first: Any, later: list[Any]) -> dict[str, Any]:
    """Annotations with one key list; ``iscrowd`` and ``score`` are ``first`` in the first
    record and take the ``later`` values in turn after it."""
    values = [first, *later] * 3
    annotations = [
        {
            "id": 1000 - i,  # falling: the id check sorts them
            "image_id": 10 + i % 4,
            "category_id": 1 + i % 2,
            "bbox": [1.0, 2.0, 3.0, 4.0],
            "area": 12.0 + i,
            "iscrowd": value,
            "score": None if i % 2 else value,
        }
        for i, value in enumerate(values)
    ]
    return {
        "images": [{"id": 10 + i, "file_name": f"é_{i}.jpg"} for i in range(4)],
        "annotations": annotations,
        "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
    }


def _columns(dataset: Any) -> tuple[list[Any], ...]:
    return (
        dataset.image_ids.tolist(),
        dataset.ann_image.tolist(),
        dataset.ann_class.tolist(),
        np.nan_to_num(dataset.ann_area, nan=-1).tolist(),
    )


@pytest.mark.parametrize("first", [0, 7, -1.25, False, None], ids=repr)
@pytest.mark.parametrize("read", [load_dataset, load_lint_table], ids=["split", "validate"])
def test_a_later_record_holding_anything_reads_the_same_columns(
    tmp_path: Path, run_bytes: int, first: Any, read: Callable[[Path], Any]
) -> None:
    document = _document(first, LATER_VALUES)
    path = tmp_path / "d.json"
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")
    read_back = read(path)
    dataset = getattr(read_back, "dataset", read_back)
    assert _columns(dataset) == _columns(parsed_dataset(document, path))


@pytest.mark.parametrize(
    ("later", "key"),
    [
        ('{"a": 1, "a": 2}', "a"),  # a repeated key inside the value
        ('[0, {"k": [{"x": 1, "x": 1}]}]', "x"),  # deeper down
        ('0, "iscrowd": 1', "iscrowd"),  # the key itself twice
    ],
)
@pytest.mark.parametrize("read", [load_dataset, load_lint_table], ids=["split", "validate"])
def test_a_repeated_key_in_a_later_record_is_refused(
    tmp_path: Path, run_bytes: int, later: str, key: str, read: Callable[[Path], Any]
) -> None:
    rows = [
        f'{{"id": {i + 1}, "image_id": 1, "category_id": 1, "area": 4.0, '
        f'"iscrowd": {later if i == 30 else "0"}}}'
        for i in range(60)
    ]
    path = tmp_path / "d.json"
    path.write_text(
        '{"images": [{"id": 1}],\n"annotations": [\n'
        + ",\n".join(rows)
        + '],\n"categories": [{"id": 1}]}'
    )
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.message == f"duplicate key {key!r} in one object"
    assert caught.value.line == 2 + 31


def test_split_of_such_a_file_writes_what_the_plain_parse_gives(tmp_path: Path) -> None:
    """The whole command: the folds it writes list every image once, as the file holds them."""
    document = _document(0, LATER_VALUES)
    path = tmp_path / "d.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    out = tmp_path / "folds"
    command = [sys.executable, "-m", "foldcheck", "split", str(path), "-k", "2", "--out", str(out)]
    subprocess.run([*command, "--export", "csv"], check=True, capture_output=True)
    manifest = json.loads((out / "folds.json").read_text())
    assert sorted(i for fold in manifest["folds"] for i in fold) == [10, 11, 12, 13]
    rows = (out / "folds.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "image_id,file_name,group,fold"
    assert sorted(row.split(",")[1] for row in rows[1:]) == [f"é_{i}.jpg" for i in range(4)]
