"""What ``foldcheck score`` found, as data: ``ScoreResult`` and its parts, each with the
``to_dict`` that ``--format json`` prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from foldcheck.core.findings import Finding

STD_IS = "the sample standard deviation (ddof=1) over the folds where the stat is defined"


@dataclass(frozen=True)
class FoldScore:
    """One model's score on its images: ``fold`` (None for the pooled out-of-fold score or
    one test file), ``images`` (the images scored), ``predictions`` (records read, before
    COCOeval's cap of 100 per image and class), ``stats`` (COCOeval's twelve, by name: AP,
    AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl; -1 where undefined)."""

    fold: int | None
    images: int
    predictions: int
    stats: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of a fold."""
        return {
            "fold": self.fold,
            "images": self.images,
            "predictions": self.predictions,
            "stats": self.stats,
        }


@dataclass(frozen=True)
class ClassAP:
    """One class's AP: ``name``, ``ap`` per fold and ``oof`` (-1 where the fold has no
    ground truth of it), ``std`` over the folds where defined (-1 under two)."""

    name: str
    ap: list[float]
    oof: float
    std: float

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of a class."""
        return {"class": self.name, "AP": self.ap, "oof": self.oof, "std": self.std}


@dataclass
class ScoreResult:
    """``foldcheck.score``'s result: ``iou_type`` ("bbox" or "segm"), ``folds`` (a
    :class:`FoldScore` each), ``mean`` and ``std`` of each stat over the folds (std is
    the sample standard deviation, ddof=1; both over the folds where the stat is defined),
    ``oof`` (all folds' predictions pooled, each image predicted by the model that never saw
    it), ``per_class`` (a :class:`ClassAP` each), ``findings`` (FC6xx), ``mapping`` (how
    image and category ids were read, when not as written: Ultralytics' stems and class + 1),
    ``test`` (the held-out test set's score, with ``test_predictions``)."""

    iou_type: str
    folds: list[FoldScore]
    mean: dict[str, float]
    std: dict[str, float]
    oof: FoldScore
    per_class: list[ClassAP]
    findings: list[Finding]
    mapping: str | None = None
    test: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """What ``foldcheck score --format json`` prints."""
        out: dict[str, Any] = {
            "iou_type": self.iou_type,
            "folds": [f.to_dict() for f in self.folds],
            "mean": self.mean,
            "std": self.std,
            "std_is": STD_IS,
            "oof": {
                "images": self.oof.images,
                "predictions": self.oof.predictions,
                "stats": self.oof.stats,
            },
            "per_class": [c.to_dict() for c in self.per_class],
            "mapping": self.mapping,
        }
        if self.test is not None:
            out["test"] = self.test
        out["findings"] = [{**f.to_dict(), "col": f.col} for f in self.findings]
        return out
