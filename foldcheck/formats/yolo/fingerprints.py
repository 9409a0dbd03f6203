"""``folds.fingerprints``: beside a YOLO set's manifest, a fingerprint of each image's label
file as the folds were made, so that when the dataset's sha256 changes, ``check`` names the
label files that changed rather than the data.yaml the digest is filed under.

One JSON header line (what the record is of), then 4 bytes per image, in the manifest's own
order (fold 0's images, ..., fold k-1's, then the held-out ones), so no key is written twice:
a 1.7-million-image set takes 6.8 MB. A record that does not match its manifest (another
digest, another count, a damaged header) is ignored, as if absent: it only names files, the
manifest's sha256 alone decides staleness.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from foldcheck.errors import InputError
from foldcheck.formats.export_names import FINGERPRINTS_NAME
from foldcheck.formats.manifest import Manifest
from foldcheck.formats.yolo.reader import FINGERPRINT_DTYPE, YoloColumns
from foldcheck.io.readfile import read_regular

_KIND = "foldcheck label fingerprints"
_HASH = "blake2b-32"
_HEADER_MOST = 1024  # bytes: the header is one short line, a longer one is not a record


@dataclass(frozen=True, eq=False)
class Fingerprints:
    yaml_sha256: str  # the data.yaml's own bytes when the folds were made
    of_listed: np.ndarray  # uint32, one per image the manifest lists, in its order


def fingerprints_bytes(manifest: Manifest, columns: YoloColumns) -> bytes:
    """The record of ``columns``' label files for the images ``manifest`` lists (each is one
    of them: the manifest was made from these columns)."""
    row_of = {key: row for row, key in enumerate(columns.keys)}
    rows = np.fromiter((row_of[key] for key in manifest.listed_keys()), dtype=np.intp)
    header = {
        "format": _KIND,
        "hash": _HASH,
        "images": len(rows),
        "dataset_sha256": manifest.dataset_sha256,
        "yaml_sha256": columns.yaml_sha256,
    }
    line = json.dumps(header, sort_keys=True, separators=(",", ":")) + "\n"
    return line.encode("ascii") + columns.fingerprints[rows].astype(FINGERPRINT_DTYPE).tobytes()


def read_fingerprints(manifest: Manifest) -> Fingerprints | None:
    """The record beside ``manifest``, or None where there is none that belongs to it (folds
    made before foldcheck recorded one, or a file that does not match the manifest)."""
    path = manifest.path.parent / FINGERPRINTS_NAME
    if not path.is_file():
        return None
    try:
        raw = read_regular(path, "a fingerprint record")
    except InputError:
        return None
    end = raw.find(b"\n", 0, _HEADER_MOST)
    try:
        header = json.loads(raw[:end]) if end > 0 else None
    except ValueError:
        return None
    count = manifest.listed_count
    body = raw[end + 1 :]
    if not (
        isinstance(header, dict)
        and header.get("format") == _KIND
        and header.get("hash") == _HASH
        and header.get("images") == count
        and header.get("dataset_sha256") == manifest.dataset_sha256
        and isinstance(header.get("yaml_sha256"), str)
        and len(body) == count * FINGERPRINT_DTYPE.itemsize
    ):
        return None
    return Fingerprints(header["yaml_sha256"], np.frombuffer(body, dtype=FINGERPRINT_DTYPE))
