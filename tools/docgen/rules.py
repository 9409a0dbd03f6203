"""A page per rule, read from the registry: what it catches, why it matters (the lint rule's
docstring, else its family's), and its real output on its failing fixture in tests/fixtures/."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from foldcheck.checks.rules import catalogue
from foldcheck.core.findings import Rule

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
FAMILIES = "foldcheck.checks.rules"


@dataclass(frozen=True)
class Example:
    command: str  # what was run, as a user types it in the fixture's folder
    fixture: str  # the fixture's path in the repository
    line: str  # the first line of its output


@dataclass(frozen=True)
class RuleDoc:
    rule: Rule
    command: str  # the command that reports it
    why: str
    example: Example | None


def rule_docs() -> list[RuleDoc]:
    """Every registered rule with its explanation and example, in code order."""
    rules = catalogue()
    whys = _lint_whys()
    families = _family_docs(rules)
    docs = []
    for code, rule in rules.items():
        command = (
            "foldcheck check"
            if code < "FC500"
            else "foldcheck validate"
            if code < "FC600"
            else "foldcheck score"
        )
        why = whys.get(code) or families.get(code, "")
        docs.append(RuleDoc(rule, command, why, _example(code)))
    return docs


def page(doc: RuleDoc) -> str:
    rule = doc.rule
    lines = [
        f"# {rule.code} {rule.name}",
        "",
        "| code | name | severity | reported by |",
        "|---|---|---|---|",
        f"| {rule.code} | {rule.name} | {rule.severity} | `{doc.command}` |",
        "",
        f"**What it catches:** {rule.summary}.",
        "",
        "## Why it matters",
        "",
        doc.why or "(no explanation registered)",
        "",
        "## Example",
        "",
    ]
    if doc.example is None:
        lines += ["No failing fixture in `tests/fixtures/` yet.", ""]
    else:
        example = doc.example
        lines += [
            f"On its failing fixture, `{example.fixture}`:",
            "",
            "```console",
            f"$ {example.command}",
            example.line,
            "```",
            "",
        ]
    consequence = "fails the command (exit 1)" if rule.severity == "error" else "is printed only"
    lines += [
        f"Severity `{rule.severity}`: a finding {consequence}. `--select {rule.code}` runs only "
        f"this rule, `--ignore {rule.code}` skips it.",
        "",
    ]
    return "\n".join(lines)


def index(docs: list[RuleDoc]) -> str:
    lines = [
        "# Rules",
        "",
        "`foldcheck check` reports FC1xx (leakage), FC2xx (coverage), FC3xx (staleness) and "
        "FC4xx (balance); `foldcheck validate` reports FC5xx (COCO lint) and FC56x-FC57x "
        "(YOLO lint); `foldcheck score` reports FC6xx (prediction files). "
        "Severity `error` makes the command exit 1; `warning` is printed only. "
        "`--list-rules` prints this table; `--select` and `--ignore` take codes or prefixes "
        "(`FC1`, `FC301`).",
        "",
        "| code | name | severity | what it catches |",
        "|---|---|---|---|",
    ]
    for doc in docs:
        rule = doc.rule
        lines.append(
            f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.severity} | {rule.summary} |"
        )
    return "\n".join([*lines, ""])


def _lint_whys() -> dict[str, str]:
    from foldcheck.checks.lint import LINT_CHECKS
    from foldcheck.checks.validate import FORMATS  # noqa: F401  (registers the lint rules)

    return {check.rule.code: check.why for check in LINT_CHECKS if check.why}


def _family_docs(rules: dict[str, Rule]) -> dict[str, str]:
    """A rule without a docstring of its own is explained by its family module's."""
    docs: dict[str, str] = {}
    package = importlib.import_module(FAMILIES)
    for path in sorted(Path(package.__path__[0]).glob("*.py")):
        module = importlib.import_module(f"{FAMILIES}.{path.stem}")
        text = (module.__doc__ or "").strip()
        _, _, body = text.partition("\n\n")
        for value in vars(module).values():
            if isinstance(value, Rule) and value.code in rules:
                docs[value.code] = " ".join((body or text).split())
    return docs


def _example(code: str) -> Example | None:
    check = FIXTURES / "check" / f"{code.lower()}_fail"
    if (check / "case.json").is_file():
        args = json.loads((check / "case.json").read_text("utf-8"))["args"]
        return _run(check, ["check", *args], code)
    lint = FIXTURES / "validate" / f"{code.lower()}_fail.json"
    if lint.is_file():
        cases = json.loads((lint.parent / "cases.json").read_text("utf-8"))
        images = ["--images-dir", "images"] if cases[lint.name]["images_dir"] else []
        return _run(lint.parent, ["validate", lint.name, *images], code, lint)
    for case in sorted((FIXTURES / "yolo").glob("*/case.json")):
        spec = json.loads(case.read_text("utf-8"))
        if code in spec["codes"]:
            return _run(case.parent, ["validate", *spec["args"]], code)
    return None


def _run(folder: Path, argv: list[str], code: str, fixture: Path | None = None) -> Example:
    """The first line foldcheck prints for the rule, run as the fixture tests run it: on a copy
    of the fixture's folder, a git repository with its files added (FC306 asks git what it
    tracks)."""
    from foldcheck.cli import main

    with tempfile.TemporaryDirectory() as scratch, _cwd(Path(scratch) / folder.name) as here:
        shutil.copytree(folder, here)
        for command in (["git", "init", "-q"], ["git", "add", "-A"]):
            subprocess.run(command, cwd=here, check=True, capture_output=True)
        os.chdir(here)
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            main([*argv, "--select", code, "-q", "--color", "never"])
    lines = out.getvalue().splitlines()
    if not lines:
        raise LookupError(f"foldcheck {' '.join(argv)} in {folder} reports no {code}")
    shown = " ".join(argv)
    where = (fixture or folder).relative_to(FIXTURES.parents[1])
    return Example(f"foldcheck {shown}", str(where), lines[0])


@contextlib.contextmanager
def _cwd(path: Path) -> Iterator[Path]:
    before = Path.cwd()
    try:
        yield path
    finally:
        os.chdir(before)
