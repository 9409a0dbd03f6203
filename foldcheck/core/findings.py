"""Findings: what ``foldcheck check`` reports, and the table of rules with their stable codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple


class Rule(NamedTuple):
    code: str
    name: str
    severity: str  # "error" fails the check; "warning" is reported only
    summary: str


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            "FC101",
            "group-in-several-folds",
            "error",
            "a group (image, video, ...) is in more than one fold's validation set",
        ),
        Rule(
            "FC102",
            "group-in-train-and-val",
            "error",
            "a group has images in both the train and the val file of one fold",
        ),
        Rule(
            "FC103",
            "image-in-train-and-val",
            "error",
            "an image id is in both the train and the val file of one fold",
        ),
        Rule(
            "FC104",
            "file-name-on-both-sides",
            "error",
            "the same file_name, under different ids, is on both sides of a fold",
        ),
        Rule(
            "FC105",
            "identical-image-files",
            "error",
            "byte-identical image files (--images-dir) are on both sides of a fold",
        ),
        Rule("FC201", "image-in-no-fold", "error", "a dataset image is in no validation fold"),
        Rule(
            "FC202",
            "image-in-several-folds",
            "error",
            "an image is in more than one validation fold",
        ),
        Rule("FC203", "unknown-image", "error", "a fold names an image the dataset does not have"),
        Rule(
            "FC204",
            "train-not-complement",
            "warning",
            "a fold's train set is not the rest of the dataset",
        ),
        Rule(
            "FC301",
            "dataset-changed",
            "error",
            "the dataset changed since the folds were made (sha256 differs)",
        ),
        Rule(
            "FC302",
            "fold-count-mismatch",
            "error",
            "the number of folds in file names differs from the manifest's k",
        ),
        Rule(
            "FC303",
            "export-out-of-date",
            "error",
            "a fold file's annotations differ from the dataset's",
        ),
        Rule(
            "FC304",
            "export-differs-from-manifest",
            "error",
            "fold files beside a manifest put images in other folds than the manifest does",
        ),
        Rule(
            "FC401",
            "class-share",
            "error",
            "a class's annotation count in a validation fold is beyond the tolerance",
        ),
        Rule(
            "FC402",
            "fold-size",
            "error",
            "a validation fold's image or annotation count is beyond the tolerance",
        ),
        Rule(
            "FC403",
            "class-missing-from-fold",
            "error",
            "a class held by at least K groups is absent from a validation fold",
        ),
        Rule(
            "FC404",
            "class-image-share",
            "error",
            "the number of images containing a class in a validation fold is beyond the tolerance",
        ),
        Rule(
            "FC405",
            "box-size-share",
            "error",
            "a COCO box-size bucket's count in a validation fold is beyond the tolerance",
        ),
    )
}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int | None
    col: int | None
    code: str
    message: str

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line or 0, self.col or 0, self.code, self.message)

    @property
    def severity(self) -> str:
        return RULES[self.code].severity

    def location(self) -> str:
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}:{self.col or 1}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.col,
            "code": self.code,
            "rule": RULES[self.code].name,
            "severity": self.severity,
            "message": self.message,
        }


def selected(code: str, select: list[str], ignore: list[str]) -> bool:
    """ruff-style selection by code prefix: ``FC1`` means every FC1xx rule."""
    if select and not any(code.startswith(prefix) for prefix in select):
        return False
    return not any(code.startswith(prefix) for prefix in ignore)
