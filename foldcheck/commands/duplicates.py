"""Find near-duplicate images in a folder: clusters of the same photo re-encoded, resized,
brightened, slightly cropped or re-saved.

Hashes every image under DIR (a 64-bit perceptual hash, cached per file, see docs/duplicates.md)
and joins images whose hashes differ in at most --near-distance bits. Prints the clusters,
largest first; --sheet also draws the largest as a PNG contact sheet. Exit codes: 0 report
printed (clusters or not), 2 unreadable input. Needs Pillow (pip install Pillow).
"""

from __future__ import annotations

import argparse

from foldcheck.commands.options import add_near_distance, progress_off


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("images_dir", metavar="DIR", help="folder of images (searched recursively)")
    add_near_distance(parser)
    parser.add_argument(
        "--sheet", metavar="FILE.png", help="also draw the largest clusters' thumbnails here"
    )
    parser.add_argument(
        "--top", type=int, default=20, metavar="N", help="clusters shown (default 20)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--no-cache", action="store_true", help="hash every file afresh")
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary line")


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from foldcheck.images.clusters import find_clusters
    from foldcheck.images.hashes import folder_hashes, list_images
    from foldcheck.render.duplicates import render_clusters
    from foldcheck.render.progress import counted, status

    root = Path(args.images_dir)
    quiet = progress_off(args)
    with status(f"listing images in {root}", quiet):
        names = list_images(root)
    if not names:
        from foldcheck.errors import InputError

        raise InputError("no images here (searched recursively for image files)", root)
    with counted("hashing images", len(names), quiet) as advance:
        hashed = folder_hashes(
            root, names, what="foldcheck duplicates", use_cache=not args.no_cache, advance=advance
        )
    if hashed.problems:
        print(
            f"note: {len(hashed.problems)} of {len(names)} files left out, not readable as "
            f"images (first: {hashed.problems[0].path}: {hashed.problems[0].message})",
            file=sys.stderr,
        )
    names = [n for n, ok in zip(names, hashed.ok.tolist(), strict=True) if ok]
    clusters, _ = find_clusters(hashed.values[hashed.ok], args.near_distance)
    render_clusters(names, clusters, args.format, sys.stdout, most=args.top, quiet=args.quiet)
    if args.sheet:
        from foldcheck.io.atomic import write_atomic
        from foldcheck.render.contact_sheet import contact_sheet

        write_atomic(Path(args.sheet), contact_sheet(root, names, clusters))
        print(f"wrote {args.sheet}", file=sys.stderr)
    return 0
