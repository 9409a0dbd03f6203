"""Per-fold COCO files written from the original text: every top-level member and every record
the fold keeps is copied byte for byte, so fields foldcheck does not know and the spelling of
every number survive exactly.

Records of one image usually sit next to each other, and so do the images of one fold's long
stretches, so consecutive kept records are copied as one slice (with the separators between
them as they were); only the top-level object and the joins between slices are written anew,
compactly. Memory stays bounded: the pieces are views of the mapped file, streamed out.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

import numpy as np
import orjson

from foldcheck.core.dataset import Dataset
from foldcheck.formats.coco.text import text_of

_RECORD_ARRAYS = ("images", "annotations")
_BATCH_BYTES = 4 << 20


def coco_subset_pieces(dataset: Dataset, image_mask: np.ndarray) -> Iterator[bytes | memoryview]:
    """The dataset restricted to the masked images and their annotations, as pieces of text."""
    source = text_of(dataset)
    view = memoryview(source.text)
    spans = source.spans
    kept = {
        "images": (spans.images, image_mask),
        "annotations": (spans.annotations, image_mask[dataset.ann_image]),
    }
    yield b"{"
    for index, (key, start, end) in enumerate(source.members):
        yield (b"," if index else b"") + orjson.dumps(key) + b":"
        if key in kept:
            yield b"["
            yield from _kept_records(view, *kept[key])
            yield b"]"
        else:
            yield view[start:end]
    yield b"}"


def _kept_records(
    view: memoryview, spans: np.ndarray, mask: np.ndarray
) -> Iterator[bytes | memoryview]:
    rows = np.flatnonzero(mask)
    if not len(rows):
        return
    breaks = np.flatnonzero(np.diff(rows) != 1)
    first = np.concatenate([[rows[0]], rows[breaks + 1]])
    last = np.concatenate([rows[breaks], [rows[-1]]])
    starts, ends = spans[first, 0], spans[last, 1]
    # Stretches are joined by "," a batch of about _BATCH_BYTES at a time, in one copy: a
    # validation fold's stretches are a record or two each, too many to write one by one.
    # A stretch that long goes out alone, uncopied.
    lengths = ends - starts
    big = lengths >= _BATCH_BYTES
    batch = np.cumsum(lengths) // _BATCH_BYTES
    new = np.ones(len(starts), bool)
    new[1:] = (batch[1:] != batch[:-1]) | big[1:] | big[:-1]
    bounds = [*np.flatnonzero(new).tolist(), len(starts)]
    starts_list, ends_list = starts.tolist(), ends.tolist()
    for index, (low, high) in enumerate(pairwise(bounds)):
        if index:
            yield b","
        if high - low == 1:
            yield view[starts_list[low] : ends_list[low]]
        else:
            yield b",".join(
                [view[a:b] for a, b in zip(starts_list[low:high], ends_list[low:high], strict=True)]
            )
