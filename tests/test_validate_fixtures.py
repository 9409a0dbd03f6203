"""`foldcheck validate` on its fixtures in tests/fixtures/validate/: clean.json passes every
rule, each fc5xx_fail.json fails exactly its rule, at the line and column of the offending
record, naming its id. The files are written by make_fixtures.py (a test checks the sync)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

from foldcheck.checks.lint import LINT_CHECKS
from foldcheck.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "validate"
CASES: dict[str, dict[str, Any]] = json.loads((FIXTURES / "cases.json").read_text("utf-8"))
LINE = re.compile(r"^(?P<path>[^:]+)(?::(?P<line>\d+):(?P<col>\d+))?: (?P<code>FC5\d\d) (?P<m>.+)$")
SUMMARY = re.compile(r"^(All checks passed|Found \d+ errors? and \d+ warnings?) .*\d+ files?\)?\.$")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["validate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture(name: str, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    case = CASES[name]
    monkeypatch.chdir(FIXTURES)
    argv = [name, *(["--images-dir", "images"] if case["images_dir"] else [])]
    code, out, err = run(capsys, *argv)
    assert err == ""
    lines = out.splitlines()
    assert SUMMARY.match(lines[-1]), out
    found = [LINE.match(line) for line in lines[:-1]]
    assert all(found), out
    assert sorted({m["code"] for m in found if m}) == case["codes"], out
    errors = [c for c in case["codes"] if _severity(c) == "error"]
    assert code == (1 if errors else 0), out
    text = (FIXTURES / name).read_text("utf-8").splitlines()
    for m in found:
        assert m is not None
        if m["line"] is None:
            continue  # a finding about the whole file (FC541)
        record = json.loads(text[int(m["line"]) - 1][int(m["col"]) - 1 :].rstrip(","))
        named = re.search(r"\b(annotation|image|category) (\d+)\b", m["m"])
        if named:
            assert record.get("id") == int(named[2]), (m.group(0), record)
        else:  # no usable id: named by its place, $.annotations[3]
            row = int(re.search(r"\$\.annotations\[(\d+)\]", m["m"])[1])  # type: ignore[index]
            assert record == json.loads((FIXTURES / name).read_text())["annotations"][row]


def _severity(code: str) -> str:
    return next(c.rule.severity for c in LINT_CHECKS if c.rule.code == code)


def test_every_lint_rule_has_a_failing_fixture_and_clean_passes_all() -> None:
    codes = {c.rule.code for c in LINT_CHECKS if c.fmt == "coco"}
    failing = {code for case in CASES.values() for code in case["codes"]}
    assert codes == failing
    assert CASES["clean.json"] == {"codes": [], "images_dir": True}


def test_fixtures_are_what_make_fixtures_writes(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    setattr(module, "HERE", tmp_path)  # noqa: B010  (a module attribute the type checker cannot see)
    module.main()
    for path in sorted(tmp_path.rglob("*")):
        if path.suffix == ".json":
            assert path.read_bytes() == (FIXTURES / path.name).read_bytes(), path.name
    made = {p.name for p in (tmp_path / "images").iterdir()}
    assert made == {p.name for p in (FIXTURES / "images").iterdir()}


def test_list_rules_names_every_lint_rule(capsys) -> None:
    code, out, _ = run(capsys, "--list-rules")
    assert code == 0
    listed = [line.split()[0] for line in out.splitlines()]
    from foldcheck.checks.rules.yolo_lint import YOLO_RULES

    yolo = [rule.code for rule in YOLO_RULES]  # data.yaml's label rules, listed after COCO's
    assert listed == sorted(c.rule.code for c in LINT_CHECKS) + yolo
    assert "FC501  duplicate-annotation-id" in out


def test_select_and_ignore(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(FIXTURES)
    assert run(capsys, "fc508_fail.json", "--ignore", "FC508")[0] == 0
    assert run(capsys, "fc508_fail.json", "--select", "FC51")[0] == 0
    code, out, _ = run(capsys, "fc508_fail.json", "--select", "fc50")
    assert code == 1 and "FC508" in out


@pytest.mark.parametrize("fmt", ["json", "github", "markdown"])
def test_formats(fmt: str, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(FIXTURES)
    code, out, _ = run(capsys, "fc505_fail.json", "fc532_fail.json", "--format", fmt)
    assert code == 1
    if fmt == "json":
        document = json.loads(out)
        assert [f["code"] for f in document["findings"]] == ["FC505", "FC532"]
        assert document["findings"][0]["line"] == 13
        assert document["summary"] == "Found 1 error and 1 warning in 2 files."
    elif fmt == "github":
        assert out.startswith("::error file=fc505_fail.json,line=13,col=5,title=FC505::")
        assert "::warning file=fc532_fail.json,line=22" in out
    else:
        assert "| `fc505_fail.json:13:5` | FC505 area-missing |" in out


def test_bad_input_is_one_line_exit_2_and_the_other_files_are_still_linted(
    tmp_path: Path, capsys
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"images": [], "annotations": [}', "utf-8")
    code, out, err = run(capsys, str(broken), str(FIXTURES / "fc505_fail.json"))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"{broken}:1:") and "error:" in err
    assert "FC505" in out


def test_many_findings_are_capped(tmp_path: Path, capsys) -> None:
    doc = json.loads((FIXTURES / "clean.json").read_text("utf-8"))
    record = doc["annotations"][0]
    doc["annotations"] = [
        {k: v for k, v in dict(record, id=i).items() if k != "area"} for i in range(1, 31)
    ]
    path = tmp_path / "many.json"
    path.write_text(json.dumps(doc), "utf-8")
    _, out, _ = run(capsys, str(path), "--select", "FC505")
    assert out.count(": FC505 annotation") == 20
    assert "... and 10 more FC505 findings (-v shows them all)" in out
    _, out, _ = run(capsys, str(path), "--select", "FC505", "-v")
    assert out.count(": FC505 annotation") == 30


def test_images_dir_without_pillow_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import builtins

    real_import = builtins.__import__

    def no_pil(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pil)
    monkeypatch.chdir(FIXTURES)
    code, _, err = run(capsys, "fc523_fail.json", "--images-dir", "images")
    assert code == 2
    assert err == "error: validate --images-dir needs Pillow: pip install Pillow\n"


def test_split_and_check_refuse_duplicate_annotation_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    data = tmp_path / "data.json"
    data.write_bytes((FIXTURES / "clean.json").read_bytes())
    monkeypatch.chdir(tmp_path)
    assert main(["split", "data.json", "-k", "2", "--out", "folds", "-q"]) == 0
    data.write_bytes((FIXTURES / "fc501_fail.json").read_bytes())
    message = (
        "data.json: error: $.annotations[3].id: duplicate annotation id 3 (first at"
        " $.annotations[2]); pycocotools' COCO() keeps only one of them: foldcheck validate"
        " --fix renumbers them\n"
    )
    capsys.readouterr()
    assert main(["split", "data.json", "-k", "2", "--out", "again"]) == 2
    assert capsys.readouterr() == ("", message)
    assert not (tmp_path / "again").exists()
    assert main(["check", "folds"]) == 2
    assert capsys.readouterr().err.endswith(message)


def test_docs_page_of_every_lint_rule_has_its_why_and_fixture_output() -> None:
    """Each lint rule's docs page gives the rule's docstring (which framework breaks, how) and
    the real output of `foldcheck validate` on its failing fixture."""
    from tools.docgen import rules

    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    docs = {doc.rule.code: rules.page(doc) for doc in rules.rule_docs()}
    outputs = module.fixture_outputs()
    assert len(outputs) >= 25
    for check, example in outputs:
        page = docs[check.rule.code]
        assert check.why in page, check.rule.code
        assert example in page.splitlines(), example
