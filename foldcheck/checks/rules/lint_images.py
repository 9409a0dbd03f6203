"""COCO lint rules FC523-FC525: the image files themselves (only with ``--images-dir``).

Sizes come from the file header (Pillow opens lazily and decodes no pixels), with the EXIF
orientation applied, because Detectron2's ``read_image``, MMDetection's ``LoadImageFromFile``
(cv2 ``IMREAD_COLOR``) and Ultralytics' ``exif_size`` all rotate before they compare or use
the size.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from foldcheck.checks.lint import Hits, LintSettings, lint_rule
from foldcheck.formats.coco.lint import LintTable
from foldcheck.images.pil import require_pil

ORIENTATION_TAG = 0x0112
TRANSPOSED = {5, 6, 7, 8}  # EXIF orientations that swap width and height


@dataclass(frozen=True)
class Probe:
    state: np.ndarray  # int8 [m]: 0 read, 1 missing, 2 unreadable
    size: np.ndarray  # int64 [m, 2] width, height as displayed (EXIF applied); -1 unknown
    orientation: np.ndarray  # int64 [m]: EXIF orientation, 1 when none
    detail: tuple[str, ...]  # why a file was unreadable


def header_size(image_module: Any, path: Path) -> tuple[int, int, int, int, str]:
    """(state, width, height, orientation, detail) of one file, from its header only."""
    try:
        with image_module.open(path) as im:
            width, height = im.size
            orientation = int(im.getexif().get(ORIENTATION_TAG, 1) or 1)
    except FileNotFoundError:
        return 1, -1, -1, 1, ""
    except (OSError, ValueError, SyntaxError) as exc:  # PIL.UnidentifiedImageError is OSError
        return 2, -1, -1, 1, str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
    if orientation in TRANSPOSED:
        width, height = height, width
    return 0, width, height, orientation, ""


@lru_cache(maxsize=2)
def probe(t: LintTable, images_dir: Path) -> Probe:
    image_module = require_pil("validate --images-dir")
    paths = [images_dir / name for name in t.file_names]
    # Opening files is I/O bound: a few threads hide the latency of a network disk.
    with ThreadPoolExecutor(max_workers=8) as pool:
        rows = list(pool.map(lambda p: header_size(image_module, p), paths))
    m = len(rows)
    state = np.array([r[0] for r in rows], np.int8).reshape(m)
    size = np.array([(r[1], r[2]) for r in rows], np.int64).reshape(m, 2)
    orientation = np.array([r[3] for r in rows], np.int64).reshape(m)
    return Probe(state, size, orientation, tuple(r[4] for r in rows))


def _probed(
    t: LintTable, s: LintSettings, state: int, describe: Callable[[Probe, int], str]
) -> Hits:
    """The images whose probe ended in ``state``, when an images folder was given."""
    if s.images_dir is None:
        return Hits.none()
    p = probe(t, s.images_dir)
    return Hits("images", np.flatnonzero(p.state == state), lambda row: describe(p, row))


def _image(t: LintTable, row: int) -> str:
    return f"image {int(t.image_ids[row])} ({t.file_names[row]})"


@lint_rule("FC523", "image-file-missing", "error", "an image's file is not in --images-dir")
def image_file_missing(t: LintTable, s: LintSettings) -> Hits:
    """Every training framework opens the file by ``file_name`` under its image root:
    ``FileNotFoundError`` at whatever step first draws that image."""
    return _probed(t, s, 1, lambda p, row: f"{_image(t, row)}: no such file in {s.images_dir}")


@lint_rule("FC524", "image-file-unreadable", "error", "an image's file is not a readable image")
def image_file_unreadable(t: LintTable, s: LintSettings) -> Hits:
    """A truncated, empty or non-image file: Pillow and OpenCV fail to open it, and
    Ultralytics skips the image as corrupt."""
    return _probed(
        t, s, 2, lambda p, row: f"{_image(t, row)}: not a readable image ({p.detail[row]})"
    )


@lint_rule("FC525", "image-size-differs", "error", "an image's file is not the recorded size")
def image_size_differs(t: LintTable, s: LintSettings) -> Hits:
    """Detectron2's ``check_image_size`` raises ``SizeMismatchError`` when the decoded image
    (EXIF rotation applied) is not ``width`` x ``height``; elsewhere boxes are scaled by the
    wrong size. A photo rotated by EXIF is the usual cause."""
    if s.images_dir is None:
        return Hits.none()
    p = probe(t, s.images_dir)
    with np.errstate(invalid="ignore"):
        recorded = np.stack([t.lint.image_width, t.lint.image_height], axis=1)
        known = np.isfinite(recorded).all(axis=1)  # else FC521
        bad = (p.state == 0) & known & (p.size != recorded).any(axis=1)

    def describe(row: int) -> str:
        width, height = p.size[row].tolist()
        rotated = (
            f" after its EXIF orientation {int(p.orientation[row])}"
            if p.orientation[row] != 1
            else ""
        )
        rw, rh = float(t.lint.image_width[row]), float(t.lint.image_height[row])
        return (
            f"{_image(t, row)} is {width}x{height}{rotated} but its record says {rw:g}x{rh:g};"
            " Detectron2 raises SizeMismatchError"
        )

    return Hits("images", np.flatnonzero(bad), describe)
