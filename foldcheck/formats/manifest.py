"""The fold manifest, ``folds.json``: which images validate each fold, and what made them.

Written with one id per line, so that a git diff shows exactly which images moved; validated
against the schema shipped in ``foldcheck/schemas`` on every read.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from foldcheck.errors import InputError
from foldcheck.io.jsonio import read_json
from foldcheck.io.locate import JsonText

FORMAT_VERSION = 1
SCHEMA_ID = "https://foldcheck.dev/schemas/folds-1.json"


@dataclass(frozen=True)
class Manifest:
    path: Path  # where the manifest is, or is to be written
    dataset_path: str  # as recorded: relative to the manifest's folder
    dataset_sha256: str
    dataset_images: int
    dataset_annotations: int
    k: int
    seed: int
    group_by: str
    missing_group: str
    stratify: str
    tolerance: float
    folds: list[list[Any]]  # image ids (COCO) or image paths relative to the root (YOLO)
    holdout: dict[str, Any] | None = None  # {"images": [...], "fraction": f, "from": file}
    # split --group-near-duplicates: {"images_dir", "hash", "max_distance", "pairs"}
    near_duplicates: dict[str, Any] | None = None

    @property
    def dataset_file(self) -> Path:
        return Path(os.path.normpath(self.path.parent / self.dataset_path))

    def to_json(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "dataset": {
                "path": self.dataset_path,
                "sha256": self.dataset_sha256,
                "images": self.dataset_images,
                "annotations": self.dataset_annotations,
            },
            "k": self.k,
            "seed": self.seed,
            "group_by": self.group_by,
            "missing_group": self.missing_group,
            "stratify": self.stratify,
            "tolerance": self.tolerance,
            "folds": self.folds,
            **({"holdout": self.holdout} if self.holdout is not None else {}),
            **({"near_duplicates": self.near_duplicates} if self.near_duplicates else {}),
        }

    def to_bytes(self) -> bytes:
        return (json.dumps(self.to_json(), indent=2) + "\n").encode("utf-8")


def schema_text() -> str:
    """The manifest's JSON Schema as shipped in the package."""
    return (
        resources.files("foldcheck")
        .joinpath("formats/schemas/folds.schema.json")
        .read_text("utf-8")
    )


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


def is_manifest(document: Any) -> bool:
    return isinstance(document, dict) and "folds" in document and "dataset" in document


def read_manifest(path: Path) -> Manifest:
    document, raw = read_json(path)
    return manifest_from_document(document, raw, path)


def manifest_from_document(document: Any, raw: bytes, path: Path) -> Manifest:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema())
    error = next(iter(sorted(validator.iter_errors(document), key=lambda e: list(e.path))), None)
    if error is not None:
        located = JsonText(raw).locate(list(error.absolute_path))
        line, col = located if located else (None, None)
        raise InputError(
            f"not a valid fold manifest: {error.message}",
            path,
            line=line,
            col=col,
            json_path=error.json_path,
        )
    if len(document["folds"]) != document["k"]:
        raise InputError(
            f"k is {document['k']} but there are {len(document['folds'])} folds",
            path,
            json_path="$.folds",
        )
    dataset = document["dataset"]
    return Manifest(
        path,
        dataset["path"],
        dataset["sha256"],
        dataset["images"],
        dataset["annotations"],
        document["k"],
        document["seed"],
        document["group_by"],
        document.get("missing_group", "error"),
        document["stratify"],
        float(document["tolerance"]),
        document["folds"],
        document.get("holdout"),
        document.get("near_duplicates"),
    )
