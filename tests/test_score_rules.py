"""Every prediction rule FC601-FC609 on a failing and a passing fixture: a small COCO dataset
split into two folds and a held-out test set, each fold's perfect predictions (no finding),
and one change per rule that makes exactly that rule fire, at the offending record."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from foldcheck.checks.rules.predictions import PREDICTION_RULES
from foldcheck.cli import main

Case = Callable[[dict[str, Any], list[list[dict[str, Any]]], dict[str, Any]], None]
LINE = re.compile(r"^(?P<path>[^:\s]+)(?::(?P<line>\d+):(?P<col>\d+))?: (?P<code>FC\d{3}) ")


def _dataset(first_id: int = 1) -> dict[str, Any]:
    images = [
        {"id": i, "width": 100, "height": 80, "file_name": f"im{i}.jpg", "video": i // 2}
        for i in range(1, 13)
    ]
    anns = []
    for image in images:
        for k in range(2):
            box = [50.0 + 5 * k, 20.0 + 10 * k, 30.0, 20.0]
            anns.append(
                {
                    "id": first_id + len(anns),
                    "image_id": image["id"],
                    "category_id": 1 + (image["id"] + k) % 2,
                    "bbox": box,
                    "area": 600.0,
                    "iscrowd": 0,
                }
            )
    return {
        "images": images,
        "annotations": anns,
        "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
    }


def _perfect(gt: dict[str, Any], images: list[int]) -> list[dict[str, Any]]:
    mine = set(images)
    return [
        {
            "image_id": a["image_id"],
            "category_id": a["category_id"],
            "bbox": list(a["bbox"]),
            "score": 0.9,
        }
        for a in gt["annotations"]
        if a["image_id"] in mine
    ]


def _on_training_image(
    gt: dict[str, Any], files: list[list[dict[str, Any]]], m: dict[str, Any]
) -> None:
    files[0].append({**files[1][0]})


def _on_test_image(
    gt: dict[str, Any], files: list[list[dict[str, Any]]], m: dict[str, Any]
) -> None:
    files[0] += _perfect(gt, m["holdout"]["images"][:1])


def _unknown_image(
    gt: dict[str, Any], files: list[list[dict[str, Any]]], m: dict[str, Any]
) -> None:
    files[0].append({**files[0][0], "image_id": 999})


def _unknown_category(
    gt: dict[str, Any], files: list[list[dict[str, Any]]], m: dict[str, Any]
) -> None:
    files[0].append({**files[0][0], "category_id": 7})


def _shifted(gt: dict[str, Any], files: list[list[dict[str, Any]]], m: dict[str, Any]) -> None:
    for p in files[1]:
        p["category_id"] += 1


def _xyxy(gt: dict[str, Any], files: list[list[dict[str, Any]]], m: dict[str, Any]) -> None:
    for p in files[0]:
        x, y, w, h = p["bbox"]
        p["bbox"] = [x, y, x + w, y + h]


def _over_cap(gt: dict[str, Any], files: list[list[dict[str, Any]]], m: dict[str, Any]) -> None:
    files[0] += [{**files[0][0], "score": 0.01 * (i % 50)} for i in range(101)]


def _unpredicted(gt: dict[str, Any], files: list[list[dict[str, Any]]], m: dict[str, Any]) -> None:
    gone = files[1][0]["image_id"]
    files[1][:] = [p for p in files[1] if p["image_id"] != gone]


CASES: dict[str, tuple[Case | None, int, str | None]] = {
    # code: (the change, exit code, the key the finding points at)
    "FC601": (_on_training_image, 1, "image_id"),
    "FC602": (_on_test_image, 1, "image_id"),
    "FC603": (_unknown_image, 1, "image_id"),
    "FC604": (_unknown_category, 1, "category_id"),
    "FC605": (_shifted, 1, "category_id"),
    "FC606": (_xyxy, 0, "bbox"),
    "FC607": (_over_cap, 0, None),
    "FC608": (_unpredicted, 0, None),
    "FC609": (None, 0, "id"),  # the dataset's annotation ids start at 0
}


def _run(
    tmp_path: Path, code: str, failing: bool, capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[re.Match[str]]]:
    gt = _dataset(first_id=0 if (failing and code == "FC609") else 1)
    (tmp_path / "data.json").write_text(json.dumps(gt, indent=1))
    assert (
        main(
            [
                "split",
                str(tmp_path / "data.json"),
                "-k",
                "2",
                "--group-by",
                "video",
                "--holdout",
                "0.2",
                "--out",
                str(tmp_path / "folds"),
                "-q",
            ]
        )
        == 0
    )
    manifest = json.loads((tmp_path / "folds" / "folds.json").read_text())
    files = [_perfect(gt, fold) for fold in manifest["folds"]]
    change = CASES[code][0]
    if failing and change is not None:
        change(gt, files, manifest)
    for i, predictions in enumerate(files):
        # One record per line, as json.dump(indent=...) writes them, so a place is a record.
        text = "[\n" + ",\n".join(json.dumps(p) for p in predictions) + "\n]\n"
        (tmp_path / f"fold{i}.json").write_text(text)
    capsys.readouterr()
    exit_code = main(
        [
            "score",
            str(tmp_path / "folds" / "folds.json"),
            "--predictions",
            str(tmp_path / "fold{i}.json"),
            "-q",
            "--color",
            "never",
        ]
    )
    out, err = capsys.readouterr()
    assert err == ""
    return exit_code, [m for m in map(LINE.match, out.splitlines()) if m]


def test_every_prediction_rule_has_a_case() -> None:
    assert sorted(CASES) == [rule.code for rule in PREDICTION_RULES]


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fails_on_its_fixture(
    code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exit_code, found = _run(tmp_path, code, True, capsys)
    assert {m["code"] for m in found} == {code}, [m.string for m in found]
    assert exit_code == CASES[code][1]
    key = CASES[code][2]
    for m in found:
        if key is None or m["line"] is None:
            continue
        text = (
            (
                tmp_path / Path(m["path"]).name
                if not m["path"].endswith("data.json")
                else tmp_path / "data.json"
            )
            .read_text()
            .splitlines()[int(m["line"]) - 1]
        )
        assert text[: int(m["col"]) - 1].endswith(f'"{key}": '), (text, m.string)


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_passes_on_its_fixture(
    code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exit_code, found = _run(tmp_path, code, False, capsys)
    assert found == [] and exit_code == 0
