"""Prediction lint rules FC601-FC609: predictions that cannot be scored as cross-validation
promises, each at the prediction (or annotation) it is about.

The rules see one prediction file at a time, as ``PredictionFile``: what each prediction was
matched to (an image row and a class row, -1 when unknown) and what the file's model may
predict (its fold's validation images) and may not (its training images, the test set)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from foldcheck.core.findings import Finding, Rule, register

ON_TRAINING_IMAGE = register(
    "FC601",
    "prediction-on-training-image",
    "error",
    "a fold's predictions on an image its model trained on",
)
ON_TEST_IMAGE = register(
    "FC602",
    "prediction-on-test-image",
    "error",
    "a fold's validation predictions on a held-out test image",
)
UNKNOWN_IMAGE = register(
    "FC603", "prediction-unknown-image", "error", "a prediction on an image not in the dataset"
)
UNKNOWN_CATEGORY = register(
    "FC604", "prediction-unknown-category", "error", "a category id not in the dataset"
)
SHIFTED_CATEGORIES = register(
    "FC605",
    "prediction-categories-shifted",
    "error",
    "category ids that fit the dataset only shifted by one",
)
XYXY_BOXES = register(
    "FC606",
    "prediction-boxes-xyxy",
    "warning",
    "boxes that look like [x1, y1, x2, y2], not [x, y, w, h]",
)
OVER_MAX_DETECTIONS = register(
    "FC607",
    "prediction-over-100-per-class",
    "warning",
    "over 100 detections of one class on one image: COCOeval drops the rest",
)
IMAGES_WITHOUT_PREDICTIONS = register(
    "FC608",
    "images-without-predictions",
    "warning",
    "validation images with no prediction at all",
)
ANNOTATION_ID_ZERO = register(
    "FC609",
    "annotation-id-zero",
    "warning",
    "an annotation id 0, which COCOeval never counts as found",
)
PREDICTION_RULES = (
    ON_TRAINING_IMAGE,
    ON_TEST_IMAGE,
    UNKNOWN_IMAGE,
    UNKNOWN_CATEGORY,
    SHIFTED_CATEGORIES,
    XYXY_BOXES,
    OVER_MAX_DETECTIONS,
    IMAGES_WITHOUT_PREDICTIONS,
    ANNOTATION_ID_ZERO,
)
MAX_DETECTIONS = 100  # COCOeval's maxDets[-1], per image and class


@dataclass(frozen=True, eq=False)
class PredictionFile:
    path: str
    role: str  # "fold 2" or "test"
    row: np.ndarray  # intp per prediction: image row, -1 unknown
    cls: np.ndarray  # intp per prediction: class row, -1 unknown
    category_ids: np.ndarray  # int64 per prediction, as written
    boxes: np.ndarray  # float64 [n, 4]
    image_keys: list[object]  # as written
    place: Callable[[int, str | None], tuple[int | None, int | None]]
    asked: np.ndarray  # bool per image row: what this model should predict
    trained: np.ndarray  # bool per row: what it trained on
    held: np.ndarray  # bool per row: the held-out test set
    val_fold: np.ndarray  # intp per row: the fold validating it, -1 none
    image_label: Callable[[int], str]
    width: np.ndarray  # float64 per row, NaN unknown
    height: np.ndarray
    class_ids: np.ndarray  # the dataset's category ids (sorted)
    used: np.ndarray  # bool per class row: has ground truth
    shifted_by_convention: bool  # Ultralytics' class + 1, already mapped


def lint_predictions(file: PredictionFile) -> list[Finding]:
    return [
        *_images(file),
        *_categories(file),
        *_xyxy(file),
        *_over_cap(file),
        *_unpredicted(file),
    ]


def _at(file: PredictionFile, index: int, key: str | None, rule: Rule, message: str) -> Finding:
    line, col = file.place(index, key)
    return Finding(file.path, line, col, rule, message)


def _first_of_each(values: np.ndarray, mask: np.ndarray) -> list[int]:
    """Index of the first masked item of each distinct value, in file order."""
    picked = np.flatnonzero(mask)
    _, first = np.unique(values[picked], return_index=True)
    return sorted(picked[first].tolist())


def _images(file: PredictionFile) -> list[Finding]:
    known = file.row >= 0
    row = np.where(known, file.row, 0)
    trained = known & file.trained[row] & ~file.asked[row]
    hint = _wrong_file_hint(file) if trained.any() else ""
    held = known & file.held[row] & ~file.asked[row]
    keys = np.asarray([str(k) for k in file.image_keys], dtype=object)
    return [
        *_per_image(
            file,
            file.row,
            trained,
            ON_TRAINING_IMAGE,
            lambda i: (
                f"{file.role}'s predictions include {_label(file, i)}, which its model trained "
                f"on: a score on it is not held out{hint}"
            ),
        ),
        *_per_image(
            file,
            file.row,
            held,
            ON_TEST_IMAGE,
            lambda i: (
                f"{file.role}'s validation predictions include {_label(file, i)} of the held-out "
                "test set: give test predictions with --test-predictions"
            ),
        ),
        *_per_image(
            file,
            keys,
            ~known,
            UNKNOWN_IMAGE,
            lambda i: f"image_id {file.image_keys[i]!r} is no image of the dataset",
        ),
    ]


def _label(file: PredictionFile, index: int) -> str:
    return file.image_label(int(file.row[index]))


def _per_image(
    file: PredictionFile,
    keys: np.ndarray,
    mask: np.ndarray,
    rule: Rule,
    message: Callable[[int], str],
) -> list[Finding]:
    """One finding per distinct image key among the masked predictions, at its first."""
    return [_at(file, i, "image_id", rule, message(i)) for i in _first_of_each(keys, mask)]


def _wrong_file_hint(file: PredictionFile) -> str:
    """When most predicted images are another fold's validation images: say which."""
    folds = file.val_fold[file.row[file.row >= 0]]
    folds = folds[folds >= 0]
    if not len(folds):
        return ""
    counts = np.bincount(folds)
    best = int(counts.argmax())
    if counts[best] * 2 <= len(folds) or file.asked[file.val_fold == best].all():
        return ""
    return (
        f" (most of the file's images are fold {best}'s validation images: "
        "are the files in fold order?)"
    )


def _categories(file: PredictionFile) -> list[Finding]:
    unknown = file.cls < 0
    ids = file.category_ids
    if not len(ids):
        return []
    known_ids = set(file.class_ids.tolist())
    used_ids = set(file.class_ids[file.used].tolist())
    present = set(np.unique(ids).tolist())
    step = None if file.shifted_by_convention else _shift(present, known_ids, used_ids)
    if step is not None:
        if unknown.any():
            first = int(np.flatnonzero(unknown)[0])
            why = f"the dataset has no category with {_ids(sorted(present - known_ids))}"
        else:
            first = int(np.flatnonzero(~np.isin(ids, list(used_ids)))[0])
            why = f"the dataset has no annotation with {_ids(sorted(present - used_ids))}"
        message = (
            f"predicted category {_ids(sorted(present))}: {why} "
            f"({_ids(sorted(known_ids))}), while shifted by {step:+d} every one is an annotated "
            f"category: the model's class numbering looks off by one (category_id {step:+d})"
        )
        return [_at(file, first, "category_id", SHIFTED_CATEGORIES, message)]
    return [
        _at(
            file,
            i,
            "category_id",
            UNKNOWN_CATEGORY,
            f"category_id {int(ids[i])} is no category of the dataset "
            f"({_ids(file.class_ids.tolist())})",
        )
        for i in _first_of_each(ids, unknown)
    ]


def _shift(present: set[int], known: set[int], used: set[int]) -> int | None:
    """The shift (+1 or -1) under which the predicted ids all fit the dataset, when they do
    not as written: some ids are unknown, or some land on categories without annotations (a
    placeholder such as Roboflow's category 0) while shifted they all land on annotated ones."""
    for step in (-1, 1):
        moved = {i + step for i in present}
        if (not present <= known and moved <= known) or (
            present <= known and not present <= used and moved <= used
        ):
            return step
    return None


def _ids(ids: list[int]) -> str:
    """Ids as a range when they are one (1..80), else listed."""
    if len(ids) > 2 and ids == list(range(ids[0], ids[0] + len(ids))):
        return f"ids {ids[0]}..{ids[-1]}"
    return f"id {ids[0]}" if len(ids) == 1 else f"ids {ids}"


def _xyxy(file: PredictionFile) -> list[Finding]:
    boxes = file.boxes
    ok = (file.row >= 0) & np.isfinite(boxes).all(axis=1)
    if ok.sum() < 5:
        return []
    b, row = boxes[ok], file.row[ok]
    x2_beyond_x1 = (b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1])
    spill = (b[:, 0] + b[:, 2] > file.width[row] + 1) | (b[:, 1] + b[:, 3] > file.height[row] + 1)
    if not (x2_beyond_x1.all() and spill.mean() >= 0.1):
        return []
    first = int(np.flatnonzero(ok)[np.flatnonzero(spill)[0]])
    return [
        _at(
            file,
            first,
            "bbox",
            XYXY_BOXES,
            f"{int(spill.sum())} of {int(ok.sum())} boxes reach past their image and every "
            "box has x2 > x1, y2 > y1: these look like [x1, y1, x2, y2]; COCO results are "
            "[x, y, w, h] (w = x2 - x1, h = y2 - y1)",
        )
    ]


def _over_cap(file: PredictionFile) -> list[Finding]:
    ok = (file.row >= 0) & (file.cls >= 0)
    pair = file.row.astype(np.int64) * (len(file.class_ids) + 1) + file.cls
    _, first, counts = np.unique(pair[ok], return_index=True, return_counts=True)
    indices = np.flatnonzero(ok)
    found = []
    for at, count in zip(
        indices[first[counts > MAX_DETECTIONS]].tolist(),
        counts[counts > MAX_DETECTIONS].tolist(),
        strict=True,
    ):
        label = file.image_label(int(file.row[at]))
        found.append(
            _at(
                file,
                at,
                None,
                OVER_MAX_DETECTIONS,
                f"{count} detections of category {int(file.category_ids[at])} on {label}: "
                f"COCOeval keeps the {MAX_DETECTIONS} highest-scoring per image and "
                "class, so recall is capped; keep the top 100 (most detectors' max_det)",
            )
        )
    return found


def _unpredicted(file: PredictionFile) -> list[Finding]:
    predicted = np.zeros(len(file.asked), bool)
    predicted[file.row[file.row >= 0]] = True
    missing = np.flatnonzero(file.asked & ~predicted)
    if not len(missing):
        return []
    return [
        Finding.at_file(
            file.path,
            IMAGES_WITHOUT_PREDICTIONS,
            f"{len(missing)} of {file.role}'s {int(file.asked.sum())} images have no "
            f"prediction (first: {file.image_label(int(missing[0]))}): they count "
            "as all missed; if the model found nothing there, that is right",
        )
    ]


def annotation_id_zero(path: str, line: int | None, col: int | None) -> Finding:
    return Finding(
        path,
        line,
        col,
        ANNOTATION_ID_ZERO,
        "annotation id 0: pycocotools' COCOeval stores a match as the annotation's id, "
        "so it never counts this one as found and the score (like COCOeval's) is "
        "lower than it should be; renumber the annotation ids from 1",
    )
