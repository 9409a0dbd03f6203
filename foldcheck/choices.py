"""The named values a setting can take: the CLI's choices and config's validation both read
these (standard library only, so ``--help`` imports nothing heavy)."""

from __future__ import annotations

STRATIFY_MODES = ("both", "annotations", "images")
MISSING_GROUP_MODES = ("error", "own")
# --export's formats and what each writes: split's and export's --help and the error naming an
# unknown one all read this.
EXPORT_FORMATS = {
    "coco": "per fold, train_fold{i}.json and val_fold{i}.json (COCO datasets)",
    "csv": "folds.csv, the fold of each image in a fold (holdout.csv: the held-out ones)",
    "yolo": "per fold, fold{i}.yaml with its image lists (YOLO datasets, which always get them)",
}


def export_help(lead: str, default: str | None = None) -> str:
    """``--export``'s help: ``lead``, the formats, and the default if any."""
    formats = "; ".join(f"'{name}': {what}" for name, what in EXPORT_FORMATS.items())
    tail = f" (default: {default})" if default else ""
    return f"{lead}, comma-separated: {formats}{tail}"
