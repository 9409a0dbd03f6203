"""foldcheck: leakage-free, balanced cross-validation folds for object detection datasets
(COCO files and YOLO data.yaml).

The library API is imported lazily so that ``foldcheck --help`` (and a pre-commit hook that
finds nothing to do) starts without numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Dataset", "Finding", "check", "load_dataset", "split"]

if TYPE_CHECKING:
    from foldcheck.api import check, split
    from foldcheck.core.dataset import Dataset
    from foldcheck.core.findings import Finding
    from foldcheck.formats.coco.reader import load_dataset

_LAZY = {
    "Dataset": "foldcheck.core.dataset",
    "load_dataset": "foldcheck.formats.coco.reader",
    "split": "foldcheck.api",
    "check": "foldcheck.api",
    "Finding": "foldcheck.core.findings",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'foldcheck' has no attribute {name!r}")
