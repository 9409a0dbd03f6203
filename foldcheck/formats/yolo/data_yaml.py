"""A YOLO ``data.yaml``, resolved by Ultralytics' own rules (``check_det_dataset``).

The root is ``path:`` if given (a relative one is taken from the working folder, as
Ultralytics does), else the YAML's folder. ``train``/``val``/``test`` are each a folder, a text
file of image paths, or a list of those, relative to the root; a single ``../x`` that does not
exist is retried as ``x`` (Roboflow's exports write ``../train/images`` beside the YAML).
``names`` is a list or an ``{id: name}`` map and must agree with ``nc``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foldcheck.errors import InputError
from foldcheck.io.excerpt import quoted
from foldcheck.io.readfile import read_regular

SPLITS = ("train", "val", "test")
# Without names, one is made up per class: nc is bounded first. The largest detection
# vocabularies (LVIS 1,203; Objects365 365; Open Images 601) are far below it.
MAX_CLASSES = 100_000
# Keys a fold YAML does not copy from its source: paths it sets itself, and ``download``,
# which would let Ultralytics fetch the whole dataset again when a list is missing.
_OWN_KEYS = frozenset({"path", "train", "val", "test", "minival", "download", "yaml_file"})


@dataclass(frozen=True)
class DataYaml:
    path: Path  # the YAML file
    root: Path  # absolute, resolved
    names: tuple[str, ...]  # class names by id 0..nc-1
    sources: dict[str, list[Path]]  # split -> its folders/list files, absolute, resolved
    extra: dict[str, Any] = field(default_factory=dict)  # other keys, copied into fold YAMLs
    places: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> value line, col

    def error(self, message: str, key: str) -> InputError:
        """An input error placed at a key's value in the YAML."""
        line, col = self.places.get(key, (1, 1))
        return InputError(message, self.path, line=line, col=col)


def load_yaml_mapping(path: Path) -> tuple[dict[str, Any], dict[str, tuple[int, int]]]:
    """The YAML's top-level mapping and where each key's value starts (1-based)."""
    import yaml

    from foldcheck.io.yamltext import load_yaml

    try:
        text = read_regular(path, "a YAML file").decode("utf-8")
    except UnicodeDecodeError as bad:
        raise InputError(f"not valid UTF-8 (byte offset {bad.start})", path) from None
    document = load_yaml(text, path)
    data, node = document.data, document.root
    if not isinstance(data, dict):
        raise InputError("expected a mapping of keys (path, train, val, names)", path, line=1)
    places: dict[str, tuple[int, int]] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            mark = value.start_mark
            places[str(key.value)] = (mark.line + 1, mark.column + 1)
    return data, places


def read_data_yaml(path: str | Path) -> DataYaml:
    path = Path(path)
    data, places = load_yaml_mapping(path)

    def fail(message: str, key: str) -> InputError:
        line, col = places.get(key, (1, 1))
        return InputError(message, path, line=line, col=col)

    if "val" not in data and "validation" in data:
        data["val"] = data.pop("validation")
        places["val"] = places.get("validation", (1, 1))
    for key in ("train", "val"):
        if not data.get(key):
            raise fail(f"'{key}:' missing: Ultralytics requires train and val", key)
    names = _names(data, fail)
    root = _root(path, data.get("path"), fail)
    sources = {}
    for split in SPLITS:
        value = data.get(split)
        if value:
            sources[split] = _split_sources(root, value, split, fail)
    extra = {k: v for k, v in data.items() if k not in _OWN_KEYS and k not in ("names", "nc")}
    return DataYaml(path, root, names, sources, extra, places)


def _names(data: dict[str, Any], fail: Any) -> tuple[str, ...]:
    raw = data.get("names")
    nc = data.get("nc")
    if raw is None:
        if type(nc) is not int or nc < 1:
            raise fail("'names:' missing and 'nc:' is not a positive integer", "nc")
        if nc > MAX_CLASSES:  # names made up for each: bounded before any is made
            raise fail(
                f"nc: {nc} classes without 'names:' is more than foldcheck makes up names "
                f"for ({MAX_CLASSES}); list the names",
                "nc",
            )
        return tuple(f"class_{i}" for i in range(nc))
    if isinstance(raw, list):
        names = [str(v) for v in raw]
    elif isinstance(raw, dict):
        by_id: dict[int, str] = {}
        for key, value in raw.items():
            try:
                index = int(key)
            except (TypeError, ValueError):
                raise fail(f"names: key {quoted(key)} is not a class id", "names") from None
            by_id[index] = str(value)
        if sorted(by_id) != list(range(len(by_id))):
            raise fail(
                f"names: class ids must be 0..{len(by_id) - 1}, found {sorted(by_id)[:8]}",
                "names",
            )
        names = [by_id[i] for i in range(len(by_id))]
    else:
        raise fail("names: expected a list or an {id: name} mapping", "names")
    if not names:
        raise fail("names: no classes", "names")
    if nc is not None and nc != len(names):
        raise fail(f"nc is {nc} but names has {len(names)} classes", "nc")
    return tuple(names)


def _root(yaml_path: Path, value: Any, fail: Any) -> Path:
    if not value:
        return yaml_path.resolve().parent
    if not isinstance(value, str):
        raise fail("path: expected a folder name", "path")
    root = Path(value).expanduser()
    if not root.exists():
        where = "" if root.is_absolute() else " (relative: from the working folder, as Ultralytics)"
        raise fail(f"path: no such folder {quoted(value)}{where}", "path")
    return root.resolve()


def _split_sources(root: Path, value: Any, split: str, fail: Any) -> list[Path]:
    if isinstance(value, str):
        source = root / value
        if not source.exists() and value.startswith("../"):
            source = root / value[3:]
        sources = [source]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        sources = [root / v for v in value]
    else:
        raise fail(f"{split}: expected a folder, a list file or a list of those", split)
    for source in sources:
        if not source.exists():
            raise fail(f"{split}: no such folder or list file {quoted(str(source))}", split)
    return [Path(os.path.realpath(s)) for s in sources]
