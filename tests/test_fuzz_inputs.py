"""The fuzz job: Hypothesis against every input a repository can bring, each against its
documented rule. The COCO reader agrees with ``json.loads`` on generated valid documents
(odd keys, odd numbers, nesting) or refuses them in one InputError; fold CSVs, data.yaml
files and label files are read or refused with an InputError, never another exception (the
CLI's exit 3). ``--fix``'s own property test is in test_fix_converges.py. Kept to a few
seconds: the examples are small and few, the seeds Hypothesis's own (its database keeps
what it found)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foldcheck.errors import InputError
from foldcheck.formats.coco.reader import load_dataset
from foldcheck.formats.foldsets import read_csv_set
from foldcheck.formats.yolo.data_yaml import read_data_yaml
from foldcheck.formats.yolo.labels import parse_labels
from tests.coco_reference import parsed_dataset

FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

KEYS = st.one_of(
    st.sampled_from(["date-captured", "Image Name", "", "__dict__", "class", "id ", "\u00e9"]),
    st.text(max_size=8),
)
# JSON numbers as text: within doubles, past them (1e400), and integers past int64.
NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(json.dumps),
    st.integers(-(10**25), 10**25).map(str),
    st.sampled_from(["1e400", "-1e400", "1e-400", "0.0", "-0", "123456789012345678901234567890"]),
)


@st.composite
def extra_value(draw: st.DrawFn) -> str:
    """A JSON value as text: a number, a string, or arrays/objects up to 6 levels deep."""
    depth = draw(st.integers(0, 6))
    inner = draw(st.one_of(NUMBER_TEXT, st.text(max_size=5).map(json.dumps)))
    for _ in range(depth):
        inner = f"[{inner}]" if draw(st.booleans()) else f"{{{json.dumps(draw(KEYS))}: {inner}}}"
    return inner


@st.composite
def coco_texts(draw: st.DrawFn) -> str:
    n_images = draw(st.integers(1, 4))
    key = json.dumps(draw(KEYS.filter(lambda k: k not in ("id", "file_name", "width", "height"))))
    image_keys = ("id", "file_name", "width", "height", "image_id", "category_id")

    def extra() -> str:
        return f", {key}: {draw(extra_value())}" if draw(st.booleans()) else ""

    images = [
        f'{{"id": {i}, "file_name": "i{i}.jpg", "width": 9, "height": 9{extra()}}}'
        for i in range(1, n_images + 1)
    ]
    annotations = [
        f'{{"id": {a}, "image_id": {draw(st.integers(1, n_images))}, '
        f'"category_id": {draw(st.integers(1, 2))}, "bbox": [1, 1, 2, 2]{extra()}}}'
        for a in range(1, draw(st.integers(0, 6)) + 1)
    ]
    categories = [f'{{"id": {c}, "name": "c{c}"{extra()}}}' for c in (1, 2)]
    del image_keys
    info = f'"info": {draw(extra_value())}, ' if draw(st.booleans()) else ""
    return (
        f'{{{info}"images": [{", ".join(images)}], "annotations": [{", ".join(annotations)}], '
        f'"categories": [{", ".join(categories)}]}}'
    )


def _holds_only_doubles(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_holds_only_doubles(v) for v in value)
    if isinstance(value, dict):
        return all(_holds_only_doubles(v) for v in value.values())
    return True


@FAST
@given(text=coco_texts())
def test_the_coco_reader_agrees_with_json_loads(text: str, tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(text)
    document = json.loads(text)
    try:
        dataset = load_dataset(path)
    except InputError as error:  # refused: only what no double can hold
        assert not _holds_only_doubles(document), error
        assert "\n" not in str(error)
        return
    reference = parsed_dataset(document, path)
    assert dataset.image_ids.tolist() == reference.image_ids.tolist()
    assert dataset.category_ids.tolist() == reference.category_ids.tolist()
    assert dataset.ann_image.tolist() == reference.ann_image.tolist()
    assert dataset.ann_class.tolist() == reference.ann_class.tolist()
    np.testing.assert_array_equal(dataset.ann_area, reference.ann_area)


CELL = st.one_of(
    st.integers(-3, 12).map(str),
    st.sampled_from(["9223372036854775808", "1" * 30, "1000000000", "", " 2 ", "x", '"1,2"']),
    st.text(max_size=6),
)


@FAST
@given(
    header=st.sampled_from(["image_id,fold", "file_name,fold", "fold,image_id,group", "id"]),
    rows=st.lists(st.lists(CELL, min_size=1, max_size=3), max_size=8),
)
def test_a_fold_csv_is_read_by_its_rules_or_refused(
    header: str, rows: list[list[str]], tmp_path: Path
) -> None:
    path = tmp_path / "folds.csv"
    path.write_text(header + "\n" + "".join(",".join(row) + "\n" for row in rows))
    try:
        fold_set = read_csv_set(path)
    except InputError as error:
        assert "\n" not in str(error)
        return
    listed = sum(len(side) for side in fold_set.val)
    assert 2 <= fold_set.k <= listed  # K folds need K rows; every row in one fold
    for side in fold_set.val:
        if side.image_ids is not None:
            assert side.image_ids.dtype == np.int64


YAML_VALUE = st.one_of(
    st.sampled_from(["[a, b]", "{0: a, 1: b}", "*x", "&x [a, b]", "1000000000", "-1", "[]"]),
    st.sampled_from(["images", "../images", "/", "~", "'x'", "[images, images]", "null"]),
    st.text(max_size=8).map(json.dumps),
)


@FAST
@given(
    entries=st.lists(
        st.tuples(st.sampled_from(["names", "nc", "train", "val", "path", "x"]), YAML_VALUE),
        max_size=6,
    )
)
def test_a_data_yaml_is_read_or_refused_in_one_line(
    entries: list[tuple[str, str]], tmp_path: Path
) -> None:
    (tmp_path / "images").mkdir(exist_ok=True)
    path = tmp_path / "data.yaml"
    path.write_text("".join(f"{key}: {value}\n" for key, value in entries))
    try:
        data = read_data_yaml(path)
    except InputError as error:
        assert "\n" not in str(error)
        return
    assert 1 <= len(data.names) <= 100_000
    assert all(isinstance(name, str) for name in data.names)


@FAST
@given(
    text=st.lists(
        st.lists(
            st.one_of(
                st.floats(allow_nan=True, allow_infinity=True).map(str),
                st.sampled_from(["0", "1e999", "nan", "-", "\x1b[31m", "A" * 200]),
                st.text(max_size=4),
            ),
            max_size=8,
        ).map(" ".join),
        max_size=6,
    ).map("\n".join)
)
def test_a_label_file_is_read_by_its_rules(text: str) -> None:
    labels = parse_labels(text)
    assert len(labels.cls) == len(labels.xywh) == len(labels.lines)
    for problem in labels.problems:  # a finding quotes a short, escaped excerpt at most
        assert len(problem.message) <= 120 and "\x1b" not in problem.message
        assert "\n" not in problem.message


@pytest.mark.parametrize("command", ["validate", "split"])
@settings(max_examples=10, deadline=None)
@given(text=coco_texts())
def test_no_generated_coco_file_makes_the_cli_exit_3(command: str, text: str) -> None:
    import os
    import tempfile

    from tests.hostile import run_main_quiet

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.json"
        path.write_text(text)
        extra = (
            ["-k", "2", "--out", os.path.join(folder, "out"), "-q"] if command == "split" else []
        )
        assert run_main_quiet(command, path, *extra) != 3
