"""Group presets: the keys real datasets carry in their file names and folders.

``roboflow``: a labelling service's augmented copies ``<stem>_jpg.rf.<hash>.jpg`` of one photo
(any case: ``IMG_1_JPG.rf.…``); ``sahi``: SAHI's tiles ``<stem>_<x0>_<y0>_<x1>_<y1>.jpg`` of one
image; ``folder``: the image's parent folder (one video or sequence per folder). The name
presets look at the file's own name only, so copies in ``train/`` and ``valid/`` still meet.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple


class Preset(NamedTuple):
    key: Callable[[str], str | None]  # file_name -> group key, None when it does not match
    help: str
    # Text every matching name contains: when the names joined hold none, none match.
    clue: re.Pattern[str] | None = None


def _name_pattern(pattern: str) -> Callable[[str], str | None]:
    compiled = re.compile(pattern)

    def key(file_name: str) -> str | None:
        match = compiled.match(file_name.replace("\\", "/").rpartition("/")[2])
        return match[1] if match else None

    return key


def _folder(file_name: str) -> str:
    return file_name.replace("\\", "/").rpartition("/")[0]


PRESETS: dict[str, Preset] = {
    "roboflow": Preset(
        _name_pattern(r"(?i)^(.+_[a-z0-9]+)\.rf\.[0-9a-z]+\.[^.]+$"),
        "a labelling service's copies <stem>_jpg.rf.<hash>.jpg of one photo",
        re.compile(r"(?i)\.rf\."),
    ),
    "sahi": Preset(
        _name_pattern(r"^(.+)_\d+_\d+_\d+_\d+\.[^.]+$"),
        "SAHI tiles <stem>_<x0>_<y0>_<x1>_<y1>.jpg of one image",
        re.compile(r"_\d+_\d+_\d+_\d+\."),
    ),
    "folder": Preset(_folder, "the image's parent folder (one video or sequence per folder)"),
}
# Presets whose match is evidence by itself that images belong together.
NAME_PRESETS = ("roboflow", "sahi")


def preset_hint(file_names: list[str]) -> str | None:
    """A warning when image grouping would scatter images a name preset ties together."""
    joined = "\n".join(file_names)
    for name in NAME_PRESETS:
        key, clue = PRESETS[name].key, PRESETS[name].clue
        if clue is not None and clue.search(joined) is None:
            continue  # one scan in C instead of a match per name
        keys = [k for k in map(key, file_names) if k is not None]
        groups = len(set(keys))
        if groups < len(keys):
            return (
                f"{len(keys)} of {len(file_names)} file names look like {PRESETS[name].help}; "
                f"they come from {groups} originals, and grouping by image can put copies of one "
                f"on both sides of a fold: --group-by {name} keeps them together"
            )
    return None
