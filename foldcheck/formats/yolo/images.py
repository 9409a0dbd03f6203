"""The image files one split of a ``data.yaml`` names, as Ultralytics' ``get_img_files`` finds
them, and the label file of each (``img2label_paths``).

A folder is searched recursively (hidden files and folders skipped, as ``glob`` does), each
real folder once, and a link out of the dataset is refused (``io.links``); a list
file holds one path per line, where a line starting ``./`` is relative to the list's folder
and any other relative line to the working folder. Only image suffixes count; the result is
sorted, and an image listed twice stays twice (Ultralytics trains on it twice).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from foldcheck.errors import InputError
from foldcheck.io.links import walk_inside
from foldcheck.io.readfile import read_regular

IMG_FORMATS = frozenset(
    {"bmp", "dng", "jpeg", "jpg", "mpo", "png", "tif", "tiff", "webp", "pfm", "heic"}
)
_IMAGES, _LABELS = f"{os.sep}images{os.sep}", f"{os.sep}labels{os.sep}"


@dataclass(frozen=True)
class Listed:
    """One image as a split names it."""

    path: str  # as Ultralytics builds it (absolute unless a list line was cwd-relative)
    origin: Path  # the folder or list file that named it
    line: int | None  # the list file's line; None when found in a folder


def is_image_name(name: str) -> bool:
    return name.rpartition(".")[-1].lower() in IMG_FORMATS


def list_images(sources: list[Path], root: Path | None = None) -> list[Listed]:
    """The images the sources name; links in a folder may lead anywhere under the folder
    itself or ``root`` (the dataset's, resolved), and nowhere else."""
    found: list[Listed] = []
    for source in sources:
        roots = (source,) if root is None else (root, source)
        found += _in_folder(source, roots) if source.is_dir() else _in_list(source)
    found.sort(key=lambda item: item.path)
    return found


def label_path(image: str) -> str:
    """The last ``/images/`` becomes ``/labels/`` and the suffix ``.txt``, as in Ultralytics."""
    return _LABELS.join(image.rsplit(_IMAGES, 1)).rsplit(".", 1)[0] + ".txt"


def _in_folder(folder: Path, roots: tuple[Path, ...]) -> list[Listed]:
    found = []
    for top, files in walk_inside(folder, roots):
        found += [
            Listed(os.path.join(top, name), folder, None)
            for name in files
            if "." in name and is_image_name(name)
        ]
    return found


def _in_list(list_file: Path) -> list[Listed]:
    try:
        text = read_regular(list_file, "a list of images").decode("utf-8")
    except UnicodeDecodeError as bad:
        raise InputError(f"not valid UTF-8 (byte offset {bad.start})", list_file) from None
    parent = str(list_file.parent) + os.sep
    found = []
    # Ultralytics strips the whole text, then splits lines; keep the true line numbers.
    skipped = text[: len(text) - len(text.lstrip())].count("\n")
    for number, line in enumerate(text.strip().splitlines(), start=1 + skipped):
        if not is_image_name(line):
            continue
        # Ultralytics replaces the leading "./" only (since PR #24429; 8.4.190 has it), so
        # "./../a.jpg" climbs out of the list's folder.
        path = line.replace("./", parent, 1) if line.startswith("./") else line
        found.append(Listed(path.replace("/", os.sep), list_file, number))
    return found
