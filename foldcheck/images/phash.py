"""64-bit perceptual hashes (DCT pHash) of image files, in numpy over Pillow.

The hash: decode at reduced size (JPEG draft mode), apply the EXIF orientation, grey, 32x32
box-filtered thumbnail, 2-D DCT-II, keep the 8x8 lowest frequencies, one bit per coefficient
above their median. Small edits (re-encoding, resizing, brightness, a 1-2 % crop) move few
coefficients across the median; a different photo moves about half of them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from PIL import Image as PILImage

# Bump when anything below changes a hash value: the cache keys on it.
HASH_VERSION = "phash-dct32x8-v1"
HASH_BITS = 64

_SIDE = 32  # thumbnail side the DCT runs on
_KEEP = 8  # low-frequency block kept (8x8 = 64 bits)
# JPEG draft decoding picks the largest 1/2, 1/4, 1/8 scale still at least this big, so the
# thumbnail is box-filtered from at least 4x its size (aliasing stays below hash noise).
_DRAFT_SIDE = 4 * _SIDE


def _dct_matrix(n: int) -> npt.NDArray[np.float64]:
    """Orthonormal DCT-II basis: row k is cos(pi/n * (i + 1/2) * k)."""
    i = np.arange(n)
    m = np.cos(np.pi / n * (i[None, :] + 0.5) * np.arange(n)[:, None])
    m[0] *= 1 / math.sqrt(2)
    return m * math.sqrt(2 / n)  # type: ignore[no-any-return]


# Only the first _KEEP basis rows are ever used: D[:8] @ X @ D[:8].T
_D = _dct_matrix(_SIDE)[:_KEEP]
_BIT_WEIGHTS = (np.uint64(1) << np.arange(HASH_BITS - 1, -1, -1, dtype=np.uint64)).astype(np.uint64)


def hash_pixels(grey: npt.NDArray[Any]) -> int:
    """pHash of a 32x32 grey thumbnail (any numeric dtype)."""
    low = _D @ grey.astype(np.float64) @ _D.T
    bits = (low > np.median(low)).ravel()
    return int(_BIT_WEIGHTS[bits].sum(dtype=np.uint64))


def thumbnail(im: PILImage.Image) -> PILImage.Image:
    """The 32x32 grey thumbnail of an opened (not yet loaded) image, orientation applied."""
    from PIL import Image, ImageOps

    im.draft("L", (_DRAFT_SIDE, _DRAFT_SIDE))  # JPEG only; a no-op for other formats
    im = ImageOps.exif_transpose(im)
    if im.mode not in ("L", "RGB"):
        im = im.convert("RGB")  # palette, CMYK, 16-bit, alpha: one path to grey
    return im.convert("L").resize((_SIDE, _SIDE), Image.Resampling.BOX)


def hash_image(im: PILImage.Image) -> int:
    return hash_pixels(np.asarray(thumbnail(im)))


def hash_file(path: Path) -> int:
    """pHash of one image file. Raises OSError/ValueError (PIL's) for an unreadable image."""
    from PIL import Image

    with Image.open(path) as im:
        return hash_image(im)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()
