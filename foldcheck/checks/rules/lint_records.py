"""COCO lint rules FC52x (images), FC53x (categories) and FC54x (the file itself)."""

from __future__ import annotations

import numpy as np

from foldcheck.checks.lint import Hits, LintSettings, lint_rule
from foldcheck.checks.rules.lint_annotations import repeats
from foldcheck.formats.coco.lint import LintTable
from foldcheck.io.excerpt import quoted


@lint_rule("FC521", "image-size-invalid", "error", "an image without a positive width and height")
def image_size_invalid(t: LintTable, s: LintSettings) -> Hits:
    """Detectron2's ``load_coco_json`` and MMDetection's ``parse_data_info`` read
    ``img['width']``/``img['height']`` (``KeyError``); Ultralytics' ``convert_coco`` divides
    by them; pycocotools' ``annToRLE`` needs them for every segm evaluation."""
    c = t.lint
    with np.errstate(invalid="ignore"):
        bad = ~((c.image_width > 0) & (c.image_height > 0))

    def describe(row: int) -> str:
        width, height = float(c.image_width[row]), float(c.image_height[row])
        missing = [k for k, v in (("width", width), ("height", height)) if np.isnan(v)]
        what = (
            f"has no usable {' or '.join(missing)}" if missing else f"has size {width:g}x{height:g}"
        )
        return f"image {int(t.image_ids[row])} {what}; Detectron2 and MMDetection need both > 0"

    return Hits("images", np.flatnonzero(bad), describe)


@lint_rule("FC522", "duplicate-file-name", "error", "two image ids share one file_name")
def duplicate_file_names(t: LintTable, s: LintSettings) -> Hits:
    """One picture under two ids is counted twice by every evaluator, can sit in train and
    val at once, and Ultralytics' ``convert_coco`` appends both ids' labels to the one label
    file of that name."""
    if len(set(t.file_names)) == len(t.file_names):
        return Hits.none()  # the common case, without sorting strings
    names = np.array(t.file_names, dtype=str)
    return Hits.repeated(
        "images",
        repeats(names, names != ""),
        lambda row, first: (
            f"image {int(t.image_ids[row])} has the file_name {quoted(str(names[row]))}"
            f" of image {int(t.image_ids[first])}"
        ),
    )


@lint_rule("FC531", "duplicate-category-name", "error", "two categories share one name")
def duplicate_category_names(t: LintTable, s: LintSettings) -> Hits:
    """MMDetection maps its ``classes`` to ids with ``get_cat_ids(cat_names=...)``, which
    returns both ids of a repeated name: one more label than classes, and every later class
    shifted. Detectron2's ``thing_classes`` then lists the name twice."""
    names = np.array(t.category_names, dtype=str)
    return Hits.repeated(
        "categories",
        repeats(names, np.ones(len(names), bool)),
        lambda row, first: (
            f"category {int(t.category_ids[row])} has the name {quoted(str(names[row]))} of"
            f" category {int(t.category_ids[first])}"
        ),
    )


@lint_rule("FC532", "unused-category", "warning", "a category no annotation uses")
def unused_categories(t: LintTable, s: LintSettings) -> Hits:
    """Harmless for pycocotools (its AP is -1 and left out of the mean), but Detectron2 and
    MMDetection still give it an output of the classifier, and per-class tables list it.
    Labelling services export a placeholder category of this kind."""
    used = np.bincount(t.ann_class, minlength=len(t.category_ids)) > 0
    return Hits(
        "categories",
        np.flatnonzero(~used),
        lambda row: (
            f"category {int(t.category_ids[row])} ({quoted(t.category_names[row])})"
            " has no annotations"
        ),
    )


@lint_rule(
    "FC533", "category-ids-remapped", "warning", "category ids are not 1..N, so frameworks remap"
)
def remapped_category_ids(t: LintTable, s: LintSettings) -> Hits:
    """Detectron2's ``load_coco_json`` maps ids that are not exactly 1..N to 0..N-1 in sorted
    order (with a warning); Ultralytics' ``convert_coco`` writes ``category_id - 1``, so id 0
    becomes class -1 and the image is rejected; MMDetection orders classes by its own
    ``classes`` list. The numbers a model predicts are then not the file's ids."""
    ids = np.sort(t.category_ids)
    n = len(ids)
    if n == 0 or (ids[0] == 1 and ids[-1] == n):
        return Hits.none()
    if ids[0] == 0 and ids[-1] == n - 1:
        reason = (
            "Detectron2 numbers the classes by sorted id (0..N-1), Ultralytics' convert_coco"
            " by id - 1 (so id 0 becomes -1)"
        )
    else:
        reason = "Detectron2 maps them to 0..N-1 in sorted order"
    return Hits(
        "categories",
        np.array([int(np.argmin(t.category_ids))]),
        lambda _: (
            f"category {int(ids[0])}: the ids run {int(ids[0])}..{int(ids[-1])} for {n}"
            f" categories, not 1..{n}; {reason}"
        ),
    )


@lint_rule("FC541", "info-missing", "warning", 'the file has no top-level "info"')
def info_missing(t: LintTable, s: LintSettings) -> Hits:
    """pycocotools 2.0.9 and 2.0.10 copy ``dataset['info']`` in ``loadRes``: without it,
    evaluating any results raises ``KeyError('info')`` (2.0.11 relaxed it again). ``--fix``
    adds ``"info": {}``."""
    if t.lint.has_info:
        return Hits.none()
    return Hits(
        "",
        np.array([0]),
        lambda _: (
            "no top-level \"info\": loadRes of pycocotools 2.0.9/2.0.10 raises KeyError('info')"
        ),
    )
