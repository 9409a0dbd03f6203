"""Property tests: clean folds of random small COCO datasets check clean; one planted leak
of a random kind is always found, with its code.

Folds are made two ways: by foldcheck itself (``split`` + ``manifest_of`` + ``write_fold_files``,
with COCO and CSV exports) and by hand (a manifest and train/val pairs written here, from a
random group-respecting assignment), so a bug shared by the writer and the checker cannot hide.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import foldcheck
from foldcheck.formats.fold_files import manifest_of, write_fold_files

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    database=None,  # write nothing into the repository
    suppress_health_check=[HealthCheck.too_slow],
)
VIDEOS = ("v0", "v1", "v2", "v3", "v4", "v5")
LEAKS = ("second_fold", "split_group", "train_copy", "dropped", "dataset_edited")
EXPECTED = {  # the code each leak must raise, and codes it may raise as well
    "second_fold": ({"FC202"}, {"FC101", "FC304"}),
    "split_group": ({"FC101"}, {"FC304"}),
    "train_copy": ({"FC103"}, set()),
    "dropped": ({"FC201"}, {"FC304"}),
    "dataset_edited": ({"FC301"}, set()),
}


@st.composite
def coco_datasets(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(4, 14))
    ids = draw(st.lists(st.integers(-(2**40), 2**53), min_size=n, max_size=n, unique=True))
    n_classes = draw(st.integers(1, 3))
    images, annotations = [], []
    for image_id in ids:
        record: dict[str, Any] = {
            "id": image_id,
            "file_name": f"im_{image_id}.jpg",
            "width": 640,
            "height": 480,
        }
        video = draw(st.one_of(st.none(), st.sampled_from(VIDEOS)))
        if video is not None:
            record["video_id"] = video
        images.append(record)
        for _ in range(draw(st.integers(0, 3))):
            side = draw(st.sampled_from([8, 50, 150]))
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": draw(st.integers(1, n_classes)),
                    "bbox": [1, 2, side, side],
                    "area": side * side,
                    "iscrowd": 0,
                }
            )
    return {
        "info": {"description": "hypothesis"},
        "images": images,
        "annotations": annotations,
        "categories": [{"id": c, "name": f"class{c}"} for c in range(1, n_classes + 1)],
    }


def group_of(doc: dict[str, Any], group_by: str) -> list[Any]:
    """Each image's group (images without a video are groups of their own)."""
    if group_by == "image":
        return [("image", r["id"]) for r in doc["images"]]
    return [r.get("video_id", ("own", r["id"])) for r in doc["images"]]


def coco_subset(doc: dict[str, Any], ids: set[int]) -> bytes:
    part = dict(doc)
    part["images"] = [r for r in doc["images"] if r["id"] in ids]
    part["annotations"] = [a for a in doc["annotations"] if a["image_id"] in ids]
    return json.dumps(part, indent=1).encode()


def write_by_hand(
    root: Path, doc: dict[str, Any], k: int, group_by: str, fold_of_group: dict[Any, int]
) -> Path:
    data = (root / "dataset.json").read_bytes()
    groups = group_of(doc, group_by)
    folds: list[list[int]] = [[] for _ in range(k)]
    for record, group in zip(doc["images"], groups, strict=True):
        folds[fold_of_group[group]].append(record["id"])
    out = root / "folds"
    out.mkdir()
    manifest = {
        "version": 1,
        "dataset": {
            "path": "../dataset.json",
            "sha256": hashlib.sha256(data).hexdigest(),
            "images": len(doc["images"]),
            "annotations": len(doc["annotations"]),
        },
        "k": k,
        "seed": 0,
        "group_by": group_by,
        "missing_group": "own",
        "stratify": "both",
        "tolerance": 0.1,
        "folds": [sorted(f) for f in folds],
    }
    (out / "folds.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    every = {r["id"] for r in doc["images"]}
    for fold, ids in enumerate(folds):
        (out / f"val_fold{fold}.json").write_bytes(coco_subset(doc, set(ids)))
        (out / f"train_fold{fold}.json").write_bytes(coco_subset(doc, every - set(ids)))
    return out


def write_with_foldcheck(root: Path, k: int, group_by: str, seed: int) -> Path:
    result = foldcheck.split(
        root / "dataset.json", k=k, group_by=group_by, seed=seed, missing_group="own"
    )
    out = root / "folds"
    manifest = manifest_of(result, out, 0.1)
    write_fold_files(result, out, ("coco", "csv"), force=False, manifest=manifest)
    return out


def leak_codes(out: Path) -> set[str]:
    return {f.code for f in foldcheck.check([out]) if f.code[:3] in ("FC1", "FC2", "FC3")}


def plant(
    leak: str, data: st.DataObject, root: Path, out: Path, doc: dict[str, Any], group_by: str
) -> None:
    manifest_path = out / "folds.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    folds: list[list[int]] = manifest["folds"]
    k = len(folds)
    filled = [f for f in range(k) if folds[f]]
    if leak in ("second_fold", "dropped", "split_group"):
        if leak == "split_group":
            groups = group_of(doc, group_by)
            ids_of: dict[Any, list[int]] = {}
            for record, group in zip(doc["images"], groups, strict=True):
                ids_of.setdefault(group, []).append(record["id"])
            big = sorted((ids for ids in ids_of.values() if len(ids) > 1), key=min)
            image = data.draw(st.sampled_from(data.draw(st.sampled_from(big))))
        else:
            image = data.draw(st.sampled_from(sorted(i for f in folds for i in f)))
        home = next(f for f in range(k) if image in folds[f])
        if leak != "second_fold":
            folds[home].remove(image)
        if leak != "dropped":
            other = data.draw(st.sampled_from([f for f in range(k) if f != home]))
            folds[other] = sorted([*folds[other], image])
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    elif leak == "train_copy":
        fold = data.draw(st.sampled_from(filled))
        image = data.draw(st.sampled_from(folds[fold]))
        train = json.loads((out / f"train_fold{fold}.json").read_bytes())
        train["images"] += [r for r in doc["images"] if r["id"] == image]
        train["annotations"] += [a for a in doc["annotations"] if a["image_id"] == image]
        (out / f"train_fold{fold}.json").write_text(json.dumps(train), "utf-8")
    else:  # dataset_edited: a byte-level change that keeps the dataset valid
        edited = dict(doc, info={"description": "edited after the split"})
        (root / "dataset.json").write_text(json.dumps(edited), "utf-8")


def has_group_of_two(doc: dict[str, Any], group_by: str) -> bool:
    groups = group_of(doc, group_by)
    return len(set(groups)) < len(groups)


@pytest.mark.parametrize("leak", LEAKS)
@settings(SETTINGS, max_examples=12)
@given(
    doc=coco_datasets(),
    k=st.integers(2, 4),
    group_by=st.sampled_from(["image", "video_id"]),
    seed=st.integers(0, 2**31),
    by_hand=st.booleans(),
    data=st.data(),
)
def test_clean_folds_check_clean_and_a_planted_leak_is_found(
    leak: str,
    doc: dict[str, Any],
    k: int,
    group_by: str,
    seed: int,
    by_hand: bool,
    data: st.DataObject,
) -> None:
    if leak == "split_group":
        group_by = "video_id"
        assume(has_group_of_two(doc, group_by))
    distinct = sorted(set(group_of(doc, group_by)), key=repr)
    assume(len(distinct) >= 2)
    k = min(k, len(distinct))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "dataset.json").write_text(json.dumps(doc, indent=1), "utf-8")
        if by_hand:
            order = data.draw(st.permutations(distinct))
            assignment = data.draw(
                st.lists(st.integers(0, k - 1), min_size=len(order), max_size=len(order))
            )
            assignment[:k] = range(k)  # no fold left empty
            out = write_by_hand(root, doc, k, group_by, dict(zip(order, assignment, strict=True)))
        else:
            out = write_with_foldcheck(root, k, group_by, seed)

        assert leak_codes(out) == set()

        event(f"{'by hand' if by_hand else 'by foldcheck'}, group by {group_by}, k={k}")
        plant(leak, data, root, out, doc, group_by)
        found = leak_codes(out)
        must, may = EXPECTED[leak]
        assert must <= found, (leak, found)
        assert found <= must | may, (leak, found)


@SETTINGS
@given(doc=coco_datasets(), k=st.integers(2, 3), seed=st.integers(0, 2**31))
def test_split_output_checks_clean_through_every_entry_point(
    doc: dict[str, Any], k: int, seed: int
) -> None:
    """The manifest, each exported COCO file and the CSV, checked one by one, are clean."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "dataset.json").write_text(json.dumps(doc), "utf-8")
        out = write_with_foldcheck(root, k, "image", seed)
        for entry in ("folds.json", "val_fold0.json", f"train_fold{k - 1}.json", "folds.csv"):
            findings = foldcheck.check([out / entry])
            assert not [f for f in findings if f.code[:3] in ("FC1", "FC2", "FC3")], entry
        # The CSV and the COCO pairs checked against the dataset, without the manifest's help.
        elsewhere = root / "elsewhere"
        elsewhere.mkdir()
        for name in [
            "folds.csv",
            *(f"{s}_fold{f}.json" for f in range(k) for s in ("train", "val")),
        ]:
            (elsewhere / name).write_bytes((out / name).read_bytes())
        findings = foldcheck.check([elsewhere], dataset=root / "dataset.json")
        assert not [f for f in findings if f.code[:3] in ("FC1", "FC2", "FC3")]
