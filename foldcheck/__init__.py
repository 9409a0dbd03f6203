"""foldcheck: leakage-free, balanced cross-validation folds for object detection datasets
(COCO files and YOLO data.yaml).

    >>> import foldcheck
    >>> folds = foldcheck.split("train.json", k=5, group_by="video_id")
    >>> for train_idx, val_idx in folds.split(): ...
    >>> foldcheck.check("folds/folds.json")       # [] when the fold files are sound

The library API is imported lazily so that ``foldcheck --help`` (and a pre-commit hook that
finds nothing to do) starts without numpy; ``dir(foldcheck)`` lists it all.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from foldcheck.api import (
        check,
        duplicates,
        load_dataset,
        load_folds,
        report,
        score,
        split,
        validate,
    )
    from foldcheck.core.assignment import FoldAssignment
    from foldcheck.core.balance import Balance
    from foldcheck.core.dataset import Dataset
    from foldcheck.core.findings import Finding
    from foldcheck.errors import InputError
    from foldcheck.scoring.result import ScoreResult

# Each public name and the module that defines it, imported on first use.
_LAZY = {
    "split": "foldcheck.api",
    "load_folds": "foldcheck.api",
    "check": "foldcheck.api",
    "duplicates": "foldcheck.api",
    "validate": "foldcheck.api",
    "report": "foldcheck.api",
    "score": "foldcheck.api",
    "load_dataset": "foldcheck.api",
    "FoldAssignment": "foldcheck.core.assignment",
    "Balance": "foldcheck.core.balance",
    "Dataset": "foldcheck.core.dataset",
    "Finding": "foldcheck.core.findings",
    "InputError": "foldcheck.errors",
    "ScoreResult": "foldcheck.scoring.result",
}
__all__ = [
    "Balance",
    "Dataset",
    "Finding",
    "FoldAssignment",
    "InputError",
    "ScoreResult",
    "check",
    "duplicates",
    "load_dataset",
    "load_folds",
    "report",
    "score",
    "split",
    "validate",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # found directly from now on
        return value
    raise AttributeError(f"module 'foldcheck' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public API, for tab completion (not this module's own imports)."""
    return sorted([*__all__, "__version__"])
