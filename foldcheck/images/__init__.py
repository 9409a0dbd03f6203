"""Near-duplicate images: perceptual hashes of image files (phash), their cache (cache,
hashes), the exact search for pairs within a Hamming distance (neardup) and the clusters
those pairs make (clusters). numpy only at import; Pillow is imported when an image is
opened, through ``pil.require_pil``, so it can stay an optional extra."""

# Hamming distance (of 64 bits) up to which two images count as near-duplicates: the threshold
# study in docs/duplicates.md (re-encodes, resizes, brightness, 1-2 % crops inside; other
# photos out).
DEFAULT_MAX_DISTANCE = 8
