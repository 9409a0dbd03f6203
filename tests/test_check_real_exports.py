"""`foldcheck split` then `foldcheck check` on real published COCO exports (Roboflow: category
ids from 0, a placeholder class, ``<stem>_jpg.rf.<hash>.jpg`` augmented copies).

The exports are read in place from ../shared/data/real/ (relative to the repository root) and
never copied into the repository; the tests skip when they are absent.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from foldcheck.cli import main

REPO = Path(__file__).resolve().parent.parent
REAL = REPO.parent / "shared" / "data" / "real"
STEM = r"re:^(.+)_jpg\.rf\."


def _train(name: str) -> Path:
    path = REAL / name / "train.json"
    if not path.is_file():
        pytest.skip(f"real export {path} is absent (read from ../shared/data/real/)")
    return path


@pytest.mark.parametrize("name", ["chess", "car-damage"])
@pytest.mark.parametrize("group_by", [STEM, "image"])
def test_split_checks_clean_then_a_leak_is_found(
    name: str, group_by: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    train = _train(name)
    before = train.read_bytes()
    monkeypatch.chdir(tmp_path)
    # chess also has "IMG_0297_JPG.rf.<hash>.jpg": no match, so each such image is its own group.
    argv = ["split", str(train), "-k", "5", "--group-by", group_by, "--missing-group", "own"]
    assert main([*argv, "--seed", "0", "--out", "out", "--export", "coco,csv", "-q"]) == 0
    capsys.readouterr()

    code = main(["check", "out"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), out
    assert out == "All checks passed (1 fold set).\n"  # the manifest with its COCO pairs and CSV

    manifest = json.loads(Path("out/folds.json").read_text("utf-8"))
    assert manifest["group_by"] == group_by and manifest["k"] == 5
    leaked = manifest["folds"][0][0]
    manifest["folds"][1] = sorted([*manifest["folds"][1], leaked])
    Path("out/folds.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")

    code = main(["check", "out/folds.json"])
    out, _ = capsys.readouterr()
    assert code == 1
    lines = [line for line in out.splitlines() if " FC202 " in line]
    assert len(lines) == 1, out
    match = re.match(
        r"^out/folds\.json:(\d+):(\d+): FC202 image (\d+) is in validation folds 0 and 1$", lines[0]
    )
    assert match is not None, lines[0]
    assert int(match[3]) == leaked
    text = Path("out/folds.json").read_text("utf-8").splitlines()[int(match[1]) - 1]
    assert text[int(match[2]) - 1 :].rstrip(",") == str(leaked)
    if group_by == STEM:  # the leaked image's stem is now in two folds as well
        assert " FC101 " in out

    code = main(["check", "out"])  # the exports beside it now disagree with the manifest
    out, _ = capsys.readouterr()
    assert code == 1 and " FC202 " in out and " FC304 " in out
    assert train.read_bytes() == before
