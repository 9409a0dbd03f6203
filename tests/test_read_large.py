"""The reader's fast paths give what a plain reading gives: the manifest's sha256 is the file's
(the digest is taken on a second thread while the records are decoded), an encoding problem is
reported before any other, and the columns of a file too large for the first column block
(grown in place), with ids in any order and numbered from anywhere, are a plain parse's."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from foldcheck.cli import main
from foldcheck.errors import InputError
from foldcheck.formats.coco.reader import load_dataset
from foldcheck.io import jsontext

N_ANNOTATIONS = 70_000  # beyond the first block of a growing column (65,536)


def _document(first_image_id: int, shuffled: bool, seed: int = 0) -> dict[str, Any]:
    rng = random.Random(seed)
    n_images = 5_000
    image_ids = [first_image_id + i for i in range(n_images)]
    annotation_ids = list(range(1, N_ANNOTATIONS + 1))
    if shuffled:
        rng.shuffle(image_ids)
        rng.shuffle(annotation_ids)
    return {
        "images": [
            {"id": i, "file_name": f"bild_{i}_überblick.jpg", "width": 64, "height": 48}
            for i in image_ids
        ],
        "annotations": [
            {
                "id": annotation_id,
                "image_id": rng.choice(image_ids),
                "category_id": rng.choice((3, 7, 11)),
                "bbox": [1.0, 2.0, 3.0, 4.0],
                "area": float(rng.randint(1, 90_000)),
                "iscrowd": 0,
            }
            for annotation_id in annotation_ids
        ],
        "categories": [{"id": c, "name": f"c{c}"} for c in (3, 7, 11)],
    }


@pytest.mark.parametrize(
    ("first_image_id", "shuffled"),
    [(0, False), (1, True), (10**12, False), (10**12, True)],
    ids=["from-0", "from-1-shuffled", "far-from-0", "far-from-0-shuffled"],
)
def test_columns_of_a_large_file_are_a_plain_parse(
    tmp_path: Path, first_image_id: int, shuffled: bool
) -> None:
    document = _document(first_image_id, shuffled)
    path = tmp_path / "large.json"
    path.write_text(json.dumps(document, ensure_ascii=False))
    dataset = load_dataset(path)

    image_row = {record["id"]: row for row, record in enumerate(document["images"])}
    class_row = {3: 0, 7: 1, 11: 2}
    annotations = document["annotations"]
    assert dataset.image_ids.tolist() == [record["id"] for record in document["images"]]
    assert dataset.ann_image.tolist() == [image_row[a["image_id"]] for a in annotations]
    assert dataset.ann_class.tolist() == [class_row[a["category_id"]] for a in annotations]
    assert dataset.ann_area.tolist() == [a["area"] for a in annotations]
    assert dataset.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_repeated_annotation_id_is_found_among_shuffled_ids(tmp_path: Path) -> None:
    document = _document(1, shuffled=True)
    repeated = document["annotations"][N_ANNOTATIONS // 2]["id"]
    document["annotations"][-1]["id"] = repeated
    path = tmp_path / "large.json"
    path.write_text(json.dumps(document))
    with pytest.raises(InputError, match=f"duplicate annotation id {repeated} "):
        load_dataset(path)


def test_the_manifest_records_the_files_sha256_over_many_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocks of 4 KB: the digest of a file hashed in hundreds of blocks, non-ASCII ones among
    them, while the records are decoded on the main thread."""
    monkeypatch.setattr(jsontext, "_CHECK_BYTES", 4096)
    path = tmp_path / "large.json"
    path.write_text(json.dumps(_document(1, shuffled=False), ensure_ascii=False))
    out = tmp_path / "folds"
    assert main(["split", str(path), "-k", "3", "--out", str(out), "-q"]) == 0
    manifest = json.loads((out / "folds.json").read_text())
    assert manifest["dataset"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_bad_encoding_late_is_reported_before_a_bad_id_early(tmp_path: Path) -> None:
    """The encoding is checked beside the decoding; its problem is still the one reported, as
    when it was checked first, and the command writes nothing."""
    document = _document(1, shuffled=False)
    document["images"][1]["id"] = document["images"][0]["id"]
    document["info"] = {"description": "@"}  # the last member
    path = tmp_path / "bad.json"
    path.write_bytes(json.dumps(document).encode().replace(b"@", b"\xe9"))  # Latin-1, at the end
    out = tmp_path / "folds"
    done = subprocess.run(
        [sys.executable, "-m", "foldcheck", "split", str(path), "-k", "3", "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    line = done.stderr.strip()
    assert "\n" not in line
    assert line.startswith(f"{path}:1:") and "not valid UTF-8 (byte 0xe9)" in line
    assert not out.exists()


def test_the_digest_of_a_file_read_for_validate_is_not_taken(tmp_path: Path) -> None:
    """validate reads with no digest; the columns are the same."""
    from foldcheck.formats.coco.reader import load_lint_table

    path = tmp_path / "large.json"
    path.write_text(json.dumps(_document(1, shuffled=True)))
    table = load_lint_table(path)
    assert table.dataset.sha256 == ""
    assert np.array_equal(table.dataset.ann_image, load_dataset(path).ann_image)
