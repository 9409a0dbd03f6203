"""The near-duplicate image pairs ``split --group-near-duplicates`` keeps in one fold, and
what the manifest records of them (so ``split --update`` finds them again the same way)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from foldcheck.commands.options import progress_off

if TYPE_CHECKING:
    import numpy as np

    from foldcheck.core.dataset import Dataset


def near_duplicates(
    args: argparse.Namespace, dataset: Dataset
) -> tuple[tuple[np.ndarray, np.ndarray], dict[str, Any]]:
    """Near-duplicate image pairs (dataset rows) and what the manifest records of them."""
    from pathlib import Path

    from foldcheck.errors import InputError
    from foldcheck.images.hashes import folder_hashes
    from foldcheck.images.neardup import near_pairs
    from foldcheck.images.phash import HASH_VERSION
    from foldcheck.io.paths import relative_path
    from foldcheck.render.progress import counted, status

    if args.images_dir:
        images = Path(args.images_dir)
    elif getattr(dataset, "yolo", None) is not None:
        images = dataset.root  # type: ignore[attr-defined]
    else:
        raise InputError("--group-near-duplicates needs --images-dir DIR")
    quiet = progress_off(args)
    with counted("hashing images", dataset.n_images, quiet) as advance:
        hashes = folder_hashes(
            images, dataset.file_names, what="split --group-near-duplicates", advance=advance
        ).or_raise()
    with status(f"pairing {dataset.n_images:,} near-duplicate hashes", quiet):
        pairs = near_pairs(hashes, args.near_distance)
    record = {
        "images_dir": relative_path(images, Path(args.out)),
        "hash": HASH_VERSION,
        "max_distance": args.near_distance,
        "pairs": len(pairs.i),
        # The pairs themselves, by image key: check joins the same groups split joined.
        "joined": joined_keys(dataset, pairs.i, pairs.j),
    }
    return (pairs.i, pairs.j), record


def joined_keys(dataset: Dataset, a: np.ndarray, b: np.ndarray) -> list[list[Any]]:
    """Each pair of rows as the manifest keys images (ids, or YOLO paths), in a stable order."""
    keys = dataset.file_names if dataset.keys_are_names else dataset.image_ids.tolist()
    return sorted(sorted([keys[i], keys[j]]) for i, j in zip(a.tolist(), b.tolist(), strict=True))
