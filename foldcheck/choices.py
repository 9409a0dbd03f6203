"""The named values a setting can take: the CLI's choices and config's validation both read
these (standard library only, so ``--help`` imports nothing heavy)."""

from __future__ import annotations

STRATIFY_MODES = ("both", "annotations", "images")
MISSING_GROUP_MODES = ("error", "own")
