"""The fold manifest, ``folds.json``: which images validate each fold, and what made them.

Written with one id per line, so that a git diff shows exactly which images moved; validated
against the schema shipped in ``foldcheck/schemas`` on every read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from itertools import chain
from pathlib import Path
from typing import Any

from foldcheck.errors import InputError
from foldcheck.io.jsonio import read_json
from foldcheck.io.locate import JsonText
from foldcheck.io.schemacheck import conforms

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
    def held_out(self) -> list[Any]:
        """The held-out test set's image keys (none without one)."""
        return self.holdout["images"] if self.holdout is not None else []

    def listed_keys(self) -> Iterator[Any]:
        """Every image key listed, in the manifest's order: the folds, then the held-out set."""
        return chain(*self.folds, self.held_out)

    @property
    def listed_count(self) -> int:
        return sum(map(len, self.folds)) + len(self.held_out)

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
        return self._bytes

    @cached_property
    def _bytes(self) -> bytes:
        """Made once: split writes them, and its --html page places findings in them."""
        return (_indented(self.to_json()) + "\n").encode("utf-8")


_MARKER = "\x1bfoldcheck-keys-{}\x1b"


def _indented(document: dict[str, Any]) -> str:
    """``json.dumps(document, indent=2)``, byte for byte, with the long key lists (folds,
    held-out images) written by one join each instead of the encoder's calls per item (most of
    the manifest's cost at millions of images): each list stands in as a marker string first."""
    lists = [*document["folds"]]
    stand_in: dict[str, Any] = {**document, "folds": [_MARKER.format(i) for i in range(len(lists))]}
    if document.get("holdout") is not None:
        lists.append(document["holdout"]["images"])
        stand_in["holdout"] = dict(document["holdout"], images=_MARKER.format(len(lists) - 1))
    text = json.dumps(stand_in, indent=2)
    pieces, position = [], 0
    for index, keys in enumerate(lists):
        quoted = json.dumps(_MARKER.format(index))
        at = text.find(quoted, position)
        kinds = set(map(type, keys))
        if at < 0 or text.count(quoted) != 1 or not (kinds <= {int} or kinds == {str}):
            return json.dumps(document, indent=2)  # a marker's text in a value, or odd keys
        line = text[text.rfind("\n", 0, at) + 1 : at]
        indent = " " * (len(line) - len(line.lstrip(" ")))
        items = map(str, keys) if kinds <= {int} else map(json.dumps, keys)
        pieces += [text[position:at], _list_text(items, indent) if keys else "[]"]
        position = at + len(quoted)
    return "".join([*pieces, text[position:]])


def _list_text(items: Iterable[str], indent: str) -> str:
    """A JSON list of encoded items as ``json.dumps(indent=2)`` lays it out at ``indent``."""
    inner = ",\n" + indent + "  "
    return "[" + inner[1:] + inner.join(items) + "\n" + indent + "]"


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


def _schema_view(document: Any) -> Any:
    """The document with each key list whose keys are all alike (all integers, or all
    non-empty strings) cut to its first key: the others would fail or pass the schema as that
    one does, at later paths, so the first error is unchanged, and jsonschema does not walk
    millions of ids in Python."""
    if not isinstance(document, dict) or not isinstance(document.get("folds"), list):
        return document
    view: dict[str, Any] = {**document, "folds": [_first_of_alike(f) for f in document["folds"]]}
    holdout = document.get("holdout")
    if isinstance(holdout, dict) and "images" in holdout:
        view["holdout"] = dict(holdout, images=_first_of_alike(holdout["images"]))
    return view


def _first_of_alike(keys: Any) -> Any:
    if not isinstance(keys, list) or len(keys) < 2:
        return keys
    kinds = set(map(type, keys))
    if kinds == {int} or (kinds == {str} and all(keys)):
        return keys[:1]
    return keys


def _raise_schema_error(view: Any, raw: bytes, path: Path) -> None:
    """jsonschema's first error, by path, as a one-line InputError (jsonschema is imported only
    here: see ``io.schemacheck``)."""
    from jsonschema import Draft202012Validator

    errors = Draft202012Validator(schema()).iter_errors(view)
    error = next(iter(sorted(errors, key=lambda e: list(e.path))), None)
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


def manifest_from_document(document: Any, raw: bytes, path: Path) -> Manifest:
    view = _schema_view(document)
    if conforms(view, schema()) is not True:
        _raise_schema_error(view, raw, path)
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
