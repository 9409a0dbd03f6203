"""What split writes and prints, against the plain encoders and counts it must equal byte for
byte: folds.csv as the csv module writes it, folds.json as ``json.dumps(indent=2)``, the balance
table as a direct count per (row, group), and the manifest's schema errors as jsonschema finds
them on the whole document."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from jsonschema import Draft202012Validator

import foldcheck
from foldcheck.cli import main
from foldcheck.core.assignment import FoldAssignment
from foldcheck.core.balance import compute_balance
from foldcheck.core.distinct import distinct
from foldcheck.core.group_presets import preset_hint
from foldcheck.core.groups import GroupKey, group_images
from foldcheck.errors import InputError
from foldcheck.formats import exports
from foldcheck.formats.coco.reader import load_dataset
from foldcheck.formats.manifest import _indented, manifest_from_document, read_manifest, schema
from tests.conftest import write_coco


def _dataset(tmp_path: Path, names: list[str], videos: list[Any] | None = None) -> Path:
    rng = np.random.default_rng(len(names))
    images = [
        {"id": 10 + 3 * i, "file_name": name, **({"video": videos[i]} if videos else {})}
        for i, name in enumerate(names)
    ]
    annotations = [
        {
            "id": j + 1,
            "image_id": 10 + 3 * int(rng.integers(len(names))),
            "category_id": int(rng.integers(1, 4)),
            "area": float(rng.choice([10.0, 2000.0, 1e4])),
        }
        for j in range(6 * len(names))
    ]
    categories = [{"id": c, "name": f"c{c}"} for c in (1, 2, 3)]
    return write_coco(tmp_path / "data.json", images, annotations, categories)


def _csv_module(assignment: FoldAssignment) -> bytes:
    """folds.csv as csv.writer writes it, row by row."""
    dataset, groups = assignment.dataset, assignment.groups
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["image_id", "file_name", "group", "fold"])
    for image_id, name, group, fold in zip(
        dataset.image_ids.tolist(),
        dataset.file_names,
        groups.of_image.tolist(),
        assignment.fold_of_row.tolist(),
        strict=True,
    ):
        writer.writerow([image_id, name, groups.labels[group], fold])
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize(
    ("names", "videos"),
    [
        ([f"img/{i:05d}.jpg" for i in range(40)], None),
        ([f'odd, "{i}"\n.jpg' if i % 7 == 0 else f"p{i}.jpg" for i in range(40)], None),
        (
            [f"p{i}.jpg" for i in range(40)],
            [f"v,{i % 6}" if i % 5 else f"v\r{i % 6}" for i in range(40)],
        ),
        ([f"é{i}.jpg" if i else "" for i in range(40)], [i % 8 for i in range(40)]),
    ],
)
def test_folds_csv_is_what_the_csv_module_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, names: list[str], videos: list[Any] | None
) -> None:
    monkeypatch.setattr(exports, "_CSV_ROWS", 7)  # several blocks, the last one short
    path = _dataset(tmp_path, names, videos)
    assignment = foldcheck.split(path, k=3, group_by="video" if videos else "image", seed=2)
    assert b"".join(exports.fold_csv(assignment)) == _csv_module(assignment)
    out = tmp_path / "out"
    argv = ["split", str(path), "-k", "3", "--seed", "2", "--out", str(out), "--export", "csv"]
    assert main([*argv, "--group-by", "video" if videos else "image", "-q"]) == 0
    assert (out / "folds.csv").read_bytes() == _csv_module(assignment)


@pytest.mark.parametrize(
    "document",
    [
        {"k": 3, "folds": [[5, 1, 2], [], [7]], "holdout": {"images": [9, 8], "fraction": 0.1}},
        {
            "dataset": {"path": "d.yaml"},
            "folds": [["a/b.jpg", 'é"\\q'], []],
            "holdout": {"images": [], "fraction": None, "from": "list.txt"},
        },
        {"note": "\x1bfoldcheck-keys-0\x1b", "folds": [[1, 2]]},  # a marker's own text
        {"folds": [[True, 1], [1.5, 2]], "holdout": None},  # keys the joins do not write
        {"folds": []},
    ],
)
def test_manifest_text_is_json_dumps_with_indent_2(document: dict[str, Any]) -> None:
    assert _indented(document) == json.dumps(document, indent=2)


def test_written_manifest_is_json_dumps_of_its_record(tmp_path: Path) -> None:
    path = _dataset(tmp_path, [f"p{i}.jpg" for i in range(60)])
    out = tmp_path / "out"
    assert main(["split", str(path), "--holdout", "0.2", "--out", str(out), "-q"]) == 0
    text = (out / "folds.json").read_text("utf-8")
    assert text == json.dumps(json.loads(text), indent=2) + "\n"
    assert json.loads(text)["holdout"]["images"]


def _first_error(document: Any) -> tuple[str, str] | None:
    errors = Draft202012Validator(schema()).iter_errors(document)
    first = next(iter(sorted(errors, key=lambda e: list(e.path))), None)
    return None if first is None else (first.message, first.json_path)


def _manifest(folds: list[Any], path: str = "d.json", **extra: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "dataset": {"path": path, "sha256": "0" * 64, "images": 9, "annotations": 0},
        "k": len(folds),
        "seed": 0,
        "group_by": "image",
        "stratify": "both",
        "tolerance": 0.1,
        "folds": folds,
        **extra,
    }


@pytest.mark.parametrize(
    "document",
    [
        _manifest([[1, 2, 3], [4, 5, "6"]]),  # a mixed list is validated whole
        _manifest([["a", "b"], ["c", "d"]]),  # alike keys of the wrong kind: the first's error
        _manifest([["a.jpg", "b.jpg"], [3, 4]], path="d.yaml"),
        _manifest([["a.jpg", ""], ["c.jpg"]], path="d.yaml"),  # an empty path among strings
        _manifest([[1, 2], [3, 4.0]], holdout={"images": [7, "x", "y"]}),
        _manifest([[1, 2], [3]], holdout={"images": ["x", "y"]}, tolerance=-1),
        _manifest([[1, 2], [3, 4]], holdout={"images": [5, 6]}),
    ],
)
def test_manifest_schema_errors_are_those_of_the_whole_document(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    raw = json.dumps(document, indent=2).encode()
    expected = _first_error(document)
    if expected is None:
        assert manifest_from_document(document, raw, tmp_path / "folds.json").folds
        return
    with pytest.raises(InputError) as caught:
        manifest_from_document(document, raw, tmp_path / "folds.json")
    assert expected[0] in str(caught.value) and caught.value.json_path == expected[1]


def _direct_balance(assignment: FoldAssignment, tolerance: float) -> list[tuple[Any, ...]]:
    """Every table counted with np.unique over (row, group) pairs, one table at a time."""
    dataset, k = assignment.dataset, assignment.k
    fold, group = assignment.fold_of_row, assignment.groups.of_image
    pair_image, pair_class = np.divmod(
        np.unique(dataset.ann_image * dataset.n_classes + dataset.ann_class), dataset.n_classes
    )
    sized = dataset.ann_size >= 0
    specs = [
        (dataset.ann_class, dataset.ann_image, dataset.n_classes),
        (pair_class, pair_image, dataset.n_classes),
        (dataset.ann_size[sized], dataset.ann_image[sized], 3),
        (
            np.concatenate([np.zeros(dataset.n_images, int), np.ones(dataset.n_annotations, int)]),
            np.concatenate([np.arange(dataset.n_images), dataset.ann_image]),
            2,
        ),
    ]
    tables = []
    for row, image, n_rows in specs:
        inside = fold[image] >= 0
        row, image = row[inside], image[inside]
        counts = np.bincount(row * k + fold[image], minlength=n_rows * k).reshape(n_rows, k)
        largest = np.zeros(n_rows)
        if len(row):
            cells, per_cell = np.unique(row * (group.max() + 1) + group[image], return_counts=True)
            np.maximum.at(largest, cells // (group.max() + 1), per_cell)
        tables.append(
            (counts.tolist(), np.maximum(tolerance * (counts.sum(1) / k), largest).tolist())
        )
    return tables


@pytest.mark.parametrize("group_by", ["image", "video"])
@pytest.mark.parametrize("holdout", [None, 0.25])
def test_balance_tables_are_the_direct_counts(
    tmp_path: Path, group_by: str, holdout: float | None
) -> None:
    names = [f"p{i}.jpg" for i in range(90)]
    path = _dataset(tmp_path, names, [i // 4 for i in range(90)])
    assignment = foldcheck.split(path, k=4, group_by=group_by, seed=1, holdout=holdout)
    balance = compute_balance(assignment, 1e-3)
    assert [(t.counts.tolist(), t.allowed.tolist()) for t in balance.tables] == _direct_balance(
        assignment, 1e-3
    )


@pytest.mark.parametrize("group_by", ["image", "video"])
def test_balance_counts_many_rows_and_groups(tmp_path: Path, group_by: str) -> None:
    """Rows x groups beyond a table of cells: one image per group reads the image-class pair
    counts; coarser groups sort their (group, row) keys."""
    names = [f"p{i}.jpg" for i in range(400)]
    document = json.loads(_dataset(tmp_path, names, [i % 300 for i in range(400)]).read_text())
    many = [{"id": c, "name": f"c{c}"} for c in range(1, 5000)]  # 4999 x 300 > 4n + 2^20
    wide = write_coco(tmp_path / "wide.json", document["images"], document["annotations"], many)
    dataset = load_dataset(wide)
    groups = group_images(dataset, GroupKey.parse(group_by))
    fold = np.where(np.arange(dataset.n_images) % 7 == 0, -1, np.arange(dataset.n_images) % 3)
    assignment = FoldAssignment(dataset, groups, 3, fold)
    balance = compute_balance(assignment, 1e-3)
    assert [(t.counts.tolist(), t.allowed.tolist()) for t in balance.tables] == _direct_balance(
        assignment, 1e-3
    )


@pytest.mark.parametrize(
    ("names", "hint"),
    [
        (["a_jpg.rf.1.jpg", "a_jpg.RF.2.jpg", "b.jpg"], "roboflow"),
        (["big_0_0_512_512.jpg", "big_256_0_768_512.jpg", "b.jpg"], "sahi"),
        (["a_jpg.rf.1.jpg", "b_jpg.rf.2.jpg", "x_1_2_3.jpg"], None),  # clues, no copies
        (["a.jpg", "b.jpg"], None),
    ],
)
def test_preset_hint_names_the_preset_that_ties_images(names: list[str], hint: str | None) -> None:
    found = preset_hint(names)
    assert (found is None) if hint is None else f"--group-by {hint}" in str(found)


@pytest.mark.parametrize("size", [0, 1, 2, 1000])
def test_distinct_is_np_unique(size: int) -> None:
    values = np.random.default_rng(size).integers(-50, 50, size)
    assert np.array_equal(distinct(values), np.unique(values))


def test_a_previous_manifest_is_read_back_when_split_runs_again(tmp_path: Path) -> None:
    path = _dataset(tmp_path, [f"p{i}.jpg" for i in range(30)])
    out = tmp_path / "out"
    assert (
        main(["split", str(path), "--holdout", "0.2", "--out", str(out), "-q", "--export", "coco"])
        == 0
    )
    assert (out / "test.json").exists() and read_manifest(out / "folds.json").holdout
    assert main(["split", str(path), "--out", str(out), "-q", "--force", "--export", "coco"]) == 0
    assert not (out / "test.json").exists()
