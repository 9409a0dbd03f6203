"""The names foldcheck gives the files of a fold set beside its manifest: what ``split`` and
``export`` write, what they may replace, and what ``check`` of the manifest reads with it.
Kept apart from the writers so the check of a manifest imports no writer."""

from __future__ import annotations

import re

MANIFEST_NAME = "folds.json"
HOLDOUT_COCO = "test.json"
FOLD_CSV = "folds.csv"
HOLDOUT_CSV = "holdout.csv"  # not test.csv: Kaggle's test.csv is a competition's unlabelled set
HOLDOUT_NAMES = (HOLDOUT_COCO, HOLDOUT_CSV, "test.txt")  # and yolo.folds.TEST_LIST
FINGERPRINTS_NAME = "folds.fingerprints"  # a YOLO set's label fingerprints (yolo/fingerprints)

# A fold's files carry its index.
EXPORT_NAME = re.compile(
    r"^(?:(?:train|val)_fold(?P<coco>\d+)\.json|fold(?P<yolo>\d+)(?:\.yaml|_train\.txt|_val\.txt)"
    r"|folds\.csv)$"
)


def is_set_file(name: str) -> bool:
    """Whether a file ``name`` beside a manifest is one of its set's: the manifest, a held-out
    set or an export (``check`` reads it with the manifest, ``split`` may write it)."""
    return name == MANIFEST_NAME or name in HOLDOUT_NAMES or EXPORT_NAME.match(name) is not None
