"""`foldcheck check` against the data-driven fixtures in tests/fixtures/check/<case>/.

Each case folder holds tiny fold files and a case.json: the CLI args (relative to the folder),
the exit code, the exact set of rule codes and the number of findings expected. The folders
are written by tests/fixtures/check/make_fixtures.py (a test below checks they are in sync).
Cases run on a copy in tmp_path (a git repository of its own), so no pyproject.toml of the
repo can change their settings.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import foldcheck
from foldcheck.checks.rules import catalogue
from foldcheck.cli import main
from foldcheck.config import find_pyproject
from foldcheck.io.folderlock import LOCK_NAME

RULES = catalogue()

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "check"
CASES = sorted(path.parent.name for path in FIXTURES.glob("*/case.json"))
TEXT_LINE = re.compile(r"^[^:]+(:\d+:\d+)?: FC\d{3} .+$")
PARSED_LINE = re.compile(
    r"^(?P<path>[^:]+)(?::(?P<line>\d+):(?P<col>\d+))?: (?P<code>FC\d{3}) (?P<msg>.+)$"
)
SUMMARY = re.compile(
    r"^(All checks passed \(\d+ fold sets?\)\."
    r"|Found \d+ errors? and \d+ warnings? in \d+ fold sets?\.)$"
)
ANSI = "\x1b["


def load_case(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((FIXTURES / name / "case.json").read_text("utf-8"))
    return spec


def copy_case(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The case in a git repository of its own with its files added, as a fold set lives
    (FC306 asks git what it tracks)."""
    work = tmp_path / name
    shutil.copytree(FIXTURES / name, work)
    for command in (["git", "init", "-q"], ["git", "add", "-A"]):
        subprocess.run(command, cwd=work, check=True, capture_output=True)
    monkeypatch.chdir(work)
    return work


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def finding_lines(out: str) -> list[re.Match[str]]:
    """The finding lines of text output (all but the summary), each checked for shape."""
    lines = out.splitlines()
    assert lines and SUMMARY.match(lines[-1]), out
    for line in lines[:-1]:
        assert TEXT_LINE.match(line), line
    return [m for m in map(PARSED_LINE.match, lines[:-1]) if m is not None]


def assert_points_at_offender(work: Path, m: re.Match[str]) -> None:
    """line:col of a finding names the offending image: its id (or file name) in a manifest,
    COCO file or CSV, or for balance findings the first id of the fold in the manifest."""
    path, line, col, message = m["path"], int(m["line"]), int(m["col"]), m["msg"]
    lines = (work / path).read_text("utf-8").splitlines()
    assert 1 <= line <= len(lines), (path, line)
    text = lines[line - 1]
    assert 1 <= col <= len(text), (text, col)
    image = re.search(r"\bimage (\d+|'[^']+')", message)
    if path.endswith(".csv"):
        cells = next(csv.reader([text]))
        assert image is not None
        assert cells[col - 1] == image[1].strip("'"), (text, col, message)
        return
    at = text[col - 1 :]
    if image is None:  # FC4xx: at the first id of the fold named in the message
        fold = int(re.search(r"validation fold (\d+)", message)[1])  # type: ignore[index]
        manifest = json.loads((work / path).read_text("utf-8"))
        assert re.fullmatch(r"\d+,?", at), (text, col)
        assert int(at.rstrip(",")) == manifest["folds"][fold][0]
        return
    wanted = int(image[1])
    if at.startswith("{"):  # an image record of a COCO file (one record per line)
        assert json.loads(at.rstrip(","))["id"] == wanted, (text, col)
    else:
        number = re.match(r"-?\d+", at)
        assert number is not None and int(number[0]) == wanted, (text, col, message)


@pytest.mark.parametrize("name", CASES)
def test_fixture(name: str, tmp_path: Path, monkeypatch, capsys) -> None:
    spec = load_case(name)
    work = copy_case(name, tmp_path, monkeypatch)
    code, out, err = run(capsys, *spec["args"])
    assert err == ""
    assert code == spec["exit"], out
    found = finding_lines(out)
    assert sorted({m["code"] for m in found}) == spec["codes"], out
    assert len(found) == spec["count"], out
    for m in found:
        assert m["line"] is None or (work / m["path"]).is_file()
        if m["line"] is not None:
            assert_points_at_offender(work, m)
    if not spec["codes"]:
        assert out.startswith("All checks passed")


def test_every_rule_has_failing_and_passing_fixture() -> None:
    from foldcheck.checks.lint import LINT_CHECKS  # validate's rules: tests/fixtures/validate
    from foldcheck.checks.rules.predictions import PREDICTION_RULES  # tests/test_score_rules.py
    from foldcheck.checks.rules.yolo_lint import YOLO_RULES  # tests/test_yolo_validate.py

    linted = {check.rule.code for check in LINT_CHECKS} | {rule.code for rule in YOLO_RULES}
    linted |= {rule.code for rule in PREDICTION_RULES}
    for code in (code for code in RULES if code not in linted):
        failing = [c for c in CASES if code in load_case(c)["codes"]]
        passing = [c for c in CASES if c.startswith(f"{code.lower()}_pass")]
        assert failing, f"no failing fixture for {code}"
        assert passing, f"no passing fixture for {code}"
        for name in passing:
            assert code not in load_case(name)["codes"]


def test_fixtures_are_what_the_generator_writes(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build()
    assert module.write_all(tmp_path) == CASES
    # The lock file a write leaves is .gitignored: never a fixture, whether or not a run left one.
    made = sorted(
        p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file() and p.name != LOCK_NAME
    )
    committed = sorted(
        p.relative_to(FIXTURES)
        for p in FIXTURES.rglob("*")
        if p.is_file() and p.relative_to(FIXTURES).parts[0] in CASES and p.name != LOCK_NAME
    )
    assert made == committed
    for relative in made:
        assert (tmp_path / relative).read_bytes() == (FIXTURES / relative).read_bytes(), relative


# --- output formats -----------------------------------------------------------------------


def test_format_json_matches_text(tmp_path: Path, monkeypatch, capsys) -> None:
    copy_case("mixed_fail", tmp_path, monkeypatch)
    _, text, _ = run(capsys, "folds.json")
    code, out, err = run(capsys, "folds.json", "--format", "json")
    assert code == 1 and err == ""
    document = json.loads(out)
    assert set(document) == {"findings", "summary"}
    assert document["summary"] == "Found 3 errors and 0 warnings in 1 fold set."
    for finding in document["findings"]:
        assert set(finding) == {"path", "line", "column", "code", "rule", "severity", "message"}
        assert finding["rule"] == RULES[finding["code"]].name
        assert finding["severity"] == "error"
    as_text = [
        f"{f['path']}:{f['line']}:{f['column']}: {f['code']} {f['message']}"
        for f in document["findings"]
    ]
    assert as_text == text.splitlines()[:-1]
    by_code = {f["code"]: f for f in document["findings"]}
    assert (by_code["FC202"]["path"], by_code["FC202"]["line"]) == ("folds.json", 24)
    assert by_code["FC201"]["path"] == "dataset.json"


def test_format_json_warning_without_place(tmp_path: Path, monkeypatch, capsys) -> None:
    copy_case("fc204_fail", tmp_path, monkeypatch)
    code, out, _ = run(capsys, *load_case("fc204_fail")["args"], "--format", "json")
    assert code == 0
    (finding,) = json.loads(out)["findings"]
    assert finding["severity"] == "warning" and finding["code"] == "FC204"
    assert finding["line"] is None and finding["column"] is None
    assert finding["path"] == "train_fold0.json"


def test_format_json_clean(tmp_path: Path, monkeypatch, capsys) -> None:
    copy_case("clean_manifest", tmp_path, monkeypatch)
    code, out, _ = run(capsys, "folds.json", "--format", "json")
    assert code == 0
    assert json.loads(out) == {"findings": [], "summary": "All checks passed (1 fold set)."}


def test_format_github(tmp_path: Path, monkeypatch, capsys) -> None:
    copy_case("mixed_fail", tmp_path, monkeypatch)
    code, out, _ = run(capsys, "folds.json", "--format", "github")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 3
    for line in lines:
        assert re.fullmatch(r"::error file=[^,]+,line=\d+,col=\d+,title=FC\d{3}::.+", line), line
    assert (
        "::error file=folds.json,line=24,col=7,title=FC202::image 4 is in validation folds 0 and 1"
        in lines
    )
    copy_case("fc204_fail", tmp_path, monkeypatch)
    code, out, _ = run(capsys, *load_case("fc204_fail")["args"], "--format", "github")
    assert code == 0
    assert re.fullmatch(r"::warning file=train_fold0\.json,title=FC204::fold 0 .+\n", out), out


def test_format_markdown(tmp_path: Path, monkeypatch, capsys) -> None:
    copy_case("fc401_fail", tmp_path, monkeypatch)
    code, out, _ = run(capsys, "folds.json", "--format", "markdown")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "### foldcheck: Found 4 errors and 0 warnings in 1 fold set."
    assert "| where | rule | message |" in lines
    rows = [line for line in lines if line.startswith("| `")]
    assert len(rows) == 4
    assert all("FC401 class-share" in row and row.endswith(" |") for row in rows)
    assert any(row.startswith("| `folds.json:17:7` |") for row in rows)
    copy_case("clean_manifest", tmp_path, monkeypatch)
    _, out, _ = run(capsys, "folds.json", "--format", "markdown")
    assert out.splitlines()[0] == "### foldcheck: All checks passed (1 fold set)."
    assert "|" not in out


# --- selection, verbosity, colour ---------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "codes"),
    [
        ([], {"FC201", "FC202", "FC203"}),
        (["--select", "FC2"], {"FC201", "FC202", "FC203"}),
        (["--select", "fc20"], {"FC201", "FC202", "FC203"}),
        (["--select", "FC202"], {"FC202"}),
        (["--select", "FC201, FC203"], {"FC201", "FC203"}),
        (["--select", "FC2", "--ignore", "FC203"], {"FC201", "FC202"}),
        (["--ignore", "FC201,FC203"], {"FC202"}),
        (["--ignore", "FC2"], set()),
        (["--select", "FC1,FC301"], set()),
    ],
)
def test_select_and_ignore(options, codes, tmp_path: Path, monkeypatch, capsys) -> None:
    copy_case("mixed_fail", tmp_path, monkeypatch)
    code, out, _ = run(capsys, "folds.json", *options)
    assert {m["code"] for m in finding_lines(out)} == codes
    assert code == (1 if codes else 0)


def test_ignore_balance_rules_by_prefix(tmp_path: Path, monkeypatch, capsys) -> None:
    copy_case("fc405_fail", tmp_path, monkeypatch)
    assert run(capsys, "folds.json", "--ignore", "FC4")[0] == 0
    assert run(capsys, "folds.json", "--ignore", "FC40")[0] == 0
    code, out, _ = run(capsys, "folds.json", "--ignore", "FC401")
    assert code == 1 and {m["code"] for m in finding_lines(out)} == {"FC405"}


def test_quiet_prints_findings_only(tmp_path: Path, monkeypatch, capsys) -> None:
    copy_case("mixed_fail", tmp_path, monkeypatch)
    code, out, _ = run(capsys, "folds.json", "-q")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 3 and all(TEXT_LINE.match(line) for line in lines)
    copy_case("clean_manifest", tmp_path, monkeypatch)
    assert run(capsys, "folds.json", "--quiet") == (0, "", "")


def test_color_always_and_never(tmp_path: Path, monkeypatch, capsys) -> None:
    copy_case("mixed_fail", tmp_path, monkeypatch)
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, _ = run(capsys, "folds.json", "--color", "always")
    assert code == 1 and ANSI in out  # an explicit --color always beats NO_COLOR
    assert "\x1b[1;31mFC202\x1b[0m" in out
    monkeypatch.delenv("NO_COLOR")
    code, out, _ = run(capsys, "folds.json", "--color", "never")
    assert code == 1 and ANSI not in out
    finding_lines(out)


def _on_a_terminal(cwd: Path, env: dict[str, str], *argv: str) -> str:
    """Run foldcheck with stdout on a pseudo-terminal; what it printed there."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "foldcheck", "check", *argv],
            cwd=cwd,
            env=env,
            stdout=follower,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )
    finally:
        os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other end is closed and drained
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.returncode == 1, proc.stderr
    return b"".join(chunks).decode()


def test_color_auto_on_a_terminal_honours_no_color(tmp_path: Path, monkeypatch) -> None:
    work = copy_case("mixed_fail", tmp_path, monkeypatch)
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    coloured = _on_a_terminal(work, env, "folds.json")
    assert ANSI in coloured and "FC202" in coloured
    plain = _on_a_terminal(work, {**env, "NO_COLOR": "1"}, "folds.json")
    assert ANSI not in plain and "FC202" in plain


def test_list_rules(capsys) -> None:
    code, out, err = run(capsys, "--list-rules")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == list(RULES)
    for line, rule in zip(lines, RULES.values(), strict=True):
        assert line.split()[1:3] == [rule.name, rule.severity]
        assert line.endswith(rule.summary)


# --- library API ----------------------------------------------------------------------------


def _api_arguments(args: list[str]) -> dict[str, Any] | None:
    """check() keyword arguments for CLI args the API has (None when it has not)."""
    paths, options, rest = [], {}, list(args)
    while rest:
        arg = rest.pop(0)
        if arg in ("--dataset", "--group-by", "--tolerance", "--images-dir"):
            options[arg[2:].replace("-", "_")] = rest.pop(0)
        elif arg.startswith("-"):
            return None
        else:
            paths.append(arg)
    return {"paths": paths, **options}


API_CASES = [name for name in CASES if _api_arguments(load_case(name)["args"]) is not None]


@pytest.mark.parametrize("name", API_CASES)
def test_library_api_matches_cli(name: str, tmp_path: Path, monkeypatch, capsys) -> None:
    spec = load_case(name)
    copy_case(name, tmp_path, monkeypatch)
    findings = foldcheck.check(**_api_arguments(spec["args"]))  # type: ignore[arg-type]
    assert capsys.readouterr() == ("", "")  # the API prints nothing
    assert all(isinstance(f, foldcheck.Finding) for f in findings)
    _, out, _ = run(capsys, *spec["args"], "-v", "--format", "json")
    assert [f.to_dict() for f in findings] == json.loads(out)["findings"]
    assert sorted({f.code for f in findings}) == spec["codes"]


def test_api_cases_cover_most_fixtures() -> None:
    assert len(API_CASES) >= len(CASES) - 2


# --- the cap on findings per rule -----------------------------------------------------------


def test_cap_and_verbose(tmp_path: Path, monkeypatch, capsys) -> None:
    work = copy_case("clean_manifest", tmp_path, monkeypatch)
    manifest = json.loads((work / "folds.json").read_text("utf-8"))
    manifest["folds"][1] += list(range(1000, 1030))  # 30 unknown images: FC203 x 30
    (work / "folds.json").write_text(json.dumps(manifest, indent=2), "utf-8")

    code, out, _ = run(capsys, "folds.json", "--select", "FC203")
    lines = out.splitlines()
    assert code == 1
    assert len(lines) == 22  # 20 findings, the "and N more" line, the summary
    assert all(re.match(r"folds\.json:\d+:7: FC203 image 10\d\d is not in", x) for x in lines[:20])
    assert lines[20] == "folds.json: FC203 ... and 10 more FC203 findings (-v shows them all)"
    listed = [int(re.search(r"image (\d+)", x)[1]) for x in lines[:20]]  # type: ignore[index]
    assert listed == list(range(1000, 1020))

    code, out, _ = run(capsys, "folds.json", "--select", "FC203", "-v")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 31
    assert not any("more" in line for line in lines)
    assert lines[-1] == "Found 30 errors and 0 warnings in 1 fold set."
    api = foldcheck.check(["folds.json"])  # the API never caps
    assert [f.code for f in api] == ["FC203"] * 30

    assert (
        "... and" not in run(capsys, "folds.json", "--select", "FC203", "--format", "json", "-v")[1]
    )


# --- tolerance precedence: CLI > manifest > [tool.foldcheck] > 0.1 ---------------------------

# 40 images, one cat each, split 24 / 16: 4 off an equal share of 20. Beyond a tolerance of
# 0.1 or 0.15 (allowed 2 or 3), within 0.25 (allowed 5).
TOL_IDS = list(range(1, 41))


def _tolerance_project(root: Path, manifest_tolerance: float | None) -> None:
    images = [{"id": i, "file_name": f"p{i}.jpg", "width": 64, "height": 64} for i in TOL_IDS]
    annotations = [
        {"id": i, "image_id": i, "category_id": 1, "bbox": [0, 0, 8, 8], "area": 64, "iscrowd": 0}
        for i in TOL_IDS
    ]
    data = json.dumps(
        {"images": images, "annotations": annotations, "categories": [{"id": 1, "name": "cat"}]}
    ).encode()
    (root / "data").mkdir(parents=True)
    (root / "data" / "dataset.json").write_bytes(data)
    folds = [TOL_IDS[:24], TOL_IDS[24:]]
    if manifest_tolerance is not None:
        import hashlib

        manifest = {
            "version": 1,
            "dataset": {
                "path": "../data/dataset.json",
                "sha256": hashlib.sha256(data).hexdigest(),
                "images": 40,
                "annotations": 40,
            },
            "k": 2,
            "seed": 0,
            "group_by": "image",
            "stratify": "both",
            "tolerance": manifest_tolerance,
            "folds": folds,
        }
        (root / "folds").mkdir()
        (root / "folds" / "folds.json").write_text(json.dumps(manifest, indent=2), "utf-8")
    rows = "".join(f"{i},{f}\n" for f, ids in enumerate(folds) for i in ids)
    (root / "folds.csv").write_text("image_id,fold\n" + rows, "utf-8")


def _tolerances(capsys, *argv: str) -> set[str]:
    """The tolerances named by the FC4xx findings (empty when there are none)."""
    code, out, err = run(capsys, *argv)
    assert err == ""
    found = re.findall(r"FC4\d\d .*\(tolerance ±(\d+)%", out)
    assert code == (1 if found else 0), out
    return set(found)


@pytest.mark.parametrize(
    ("manifest", "pyproject", "option", "expected"),
    [
        (0.25, None, None, set()),  # the manifest's tolerance
        (0.1, None, None, {"10"}),
        (0.25, None, "0.1", {"10"}),  # CLI beats manifest
        (0.1, None, "0.25", set()),
        (0.25, 0.1, None, set()),  # manifest beats pyproject
        (0.1, 0.25, None, {"10"}),
        (0.1, 0.25, "0.15", {"15"}),  # CLI beats both
    ],
)
def test_tolerance_precedence_with_manifest(
    manifest, pyproject, option, expected, tmp_path: Path, monkeypatch, capsys
) -> None:
    _tolerance_project(tmp_path, manifest)
    assert find_pyproject(tmp_path) is None, "a pyproject.toml above tmp_path spoils the test"
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(f"[tool.foldcheck]\ntolerance = {pyproject}\n")
    monkeypatch.chdir(tmp_path)
    argv = ["folds/folds.json", *(["--tolerance", option] if option else [])]
    assert _tolerances(capsys, *argv) == expected


@pytest.mark.parametrize(
    ("pyproject", "option", "expected"),
    [
        (None, None, {"10"}),  # the default, 0.1
        (0.25, None, set()),  # [tool.foldcheck] beats the default
        (0.15, None, {"15"}),
        (0.25, "0.1", {"10"}),  # CLI beats [tool.foldcheck]
        (None, "0.25", set()),
    ],
)
def test_tolerance_precedence_without_manifest(
    pyproject, option, expected, tmp_path: Path, monkeypatch, capsys
) -> None:
    _tolerance_project(tmp_path, None)
    assert find_pyproject(tmp_path) is None, "a pyproject.toml above tmp_path spoils the test"
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(f"[tool.foldcheck]\ntolerance = {pyproject}\n")
    monkeypatch.chdir(tmp_path)
    argv = ["folds.csv", "--dataset", "data/dataset.json"]
    assert _tolerances(capsys, *argv, *(["--tolerance", option] if option else [])) == expected


def test_pyproject_in_a_parent_folder_applies(tmp_path: Path, monkeypatch, capsys) -> None:
    _tolerance_project(tmp_path, None)
    (tmp_path / "pyproject.toml").write_text("[tool.foldcheck]\ntolerance = 0.15\n")
    monkeypatch.chdir(tmp_path / "data")
    assert _tolerances(capsys, "../folds.csv", "--dataset", "dataset.json") == {"15"}


def test_docs_rule_table_is_the_registry() -> None:
    """The docs' rule table (generated) has a row per registered rule, and no other."""
    from tools.docgen import rules

    rows = [
        line.split("|")[1:4]
        for line in rules.index(rules.rule_docs()).splitlines()
        if re.match(r"^\| \[FC\d{3}\]", line)
    ]
    documented = [tuple(cell.strip() for cell in row) for row in rows]
    assert documented == [
        (f"[{r.code}]({r.code}.md)", r.name, r.severity) for r in catalogue().values()
    ]


@pytest.mark.parametrize("case", [c for c in CASES if re.fullmatch(r"fc\d{3}_fail", c)])
def test_each_check_rule_page_shows_its_fixture_output(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A check rule's docs page quotes what `foldcheck check` really prints on its fixture."""
    from tools.docgen import rules

    code = case[:5].upper()
    doc = next(d for d in rules.rule_docs() if d.rule.code == code)
    copy_case(case, tmp_path, monkeypatch)
    _, out, _ = run(capsys, *load_case(case)["args"], "--select", code, "-q", "--color", "never")
    assert out.splitlines()[0] in rules.page(doc).splitlines()


def test_rule_codes_are_checked_when_registered() -> None:
    from foldcheck.core.findings import register

    with pytest.raises(ValueError, match="registered twice"):
        register("FC101", "again", "error", "a second FC101")
    with pytest.raises(ValueError, match="not of the form"):
        register("FC1O1", "typo", "error", "a letter O for a zero")
