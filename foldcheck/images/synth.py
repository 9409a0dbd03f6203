"""Photo-like synthetic images for tests and benchmarks: smooth light, shapes, sensor noise.

Flat colours or pure noise hash unlike photos (a flat image's DCT is all ties); a smooth
gradient with a few soft-edged shapes and mild noise has a photo's falling spectrum.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def scene(seed: int, width: int = 640, height: int = 480) -> Image.Image:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    rgb = np.empty((height, width, 3))
    for c in range(3):  # a tilted light gradient and a soft blob of light, per channel
        gx, gy = rng.uniform(-1, 1, 2)
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        blob = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * (0.3 * width) ** 2))
        rgb[..., c] = 110 + 60 * (gx * x / width + gy * y / height) + 70 * blob
    im = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(im)
    for _ in range(int(rng.integers(4, 9))):  # objects
        x0, y0 = rng.uniform(-0.1, 0.9, 2) * (width, height)
        w, h = rng.uniform(0.08, 0.4, 2) * (width, height)
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        box = (x0, y0, x0 + w, y0 + h)
        if rng.random() < 0.5:
            draw.ellipse(box, fill=colour)
        else:
            draw.rectangle(box, fill=colour)
    im = im.filter(ImageFilter.GaussianBlur(2))
    noise = rng.normal(0, 6, (height, width, 3))
    return Image.fromarray(np.clip(np.asarray(im) + noise, 0, 255).astype(np.uint8))
