"""The YOLO lint fixtures (tests/fixtures/yolo/, written by its make_fixtures.py) show every
rule they name, as the docs' rule pages quote them, and every YOLO rule has one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foldcheck.checks.rules import yolo_lint
from foldcheck.cli import main
from foldcheck.core.findings import Rule

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "yolo"
CASES = sorted(path.parent.name for path in FIXTURES.glob("*/case.json"))


@pytest.mark.parametrize("case", CASES)
def test_case_shows_each_rule_it_names(case: str, monkeypatch, capsys) -> None:
    spec = json.loads((FIXTURES / case / "case.json").read_text("utf-8"))
    monkeypatch.chdir(FIXTURES / case)
    assert main(["validate", *spec["args"], "--color", "never"]) == 1
    shown = {line.split(": ")[1].split()[0] for line in capsys.readouterr().out.splitlines()[:-1]}
    assert shown == set(spec["codes"])


def test_every_yolo_rule_has_a_fixture() -> None:
    named = {
        code
        for case in CASES
        for code in json.loads((FIXTURES / case / "case.json").read_text("utf-8"))["codes"]
    }
    assert named == {rule.code for rule in vars(yolo_lint).values() if isinstance(rule, Rule)}
