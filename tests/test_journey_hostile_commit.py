"""Issue 20, as a user meets it: crafted files committed to a repository set up with
`foldcheck init` (real git, real pre-commit). The hook refuses each in one line naming the
file and the place, the commit does not happen, and nothing hangs or ends in a traceback."""

from __future__ import annotations

from pathlib import Path

from tests import test_precommit_e2e as e2e
from tests.conftest import commit

# The end-to-end module's fixtures: a repository after `foldcheck init`, copied per test.
initialised, repo = e2e.initialised, e2e.repo


def _refused(repo: Path, env: dict[str, str], expected: str) -> None:
    before = e2e.head(repo, env)
    done = commit(repo, env, "crafted")
    output = done.stdout + done.stderr  # git shows a hook's output on stderr
    assert done.returncode != 0, output
    assert expected in output, output
    assert "Traceback" not in output
    assert e2e.head(repo, env) == before


def test_a_category_number_past_doubles_is_refused_by_the_hook(
    repo: Path, env: dict[str, str]
) -> None:
    data = repo / "data" / "sample.json"
    text = data.read_text()
    at = text.index('"categories"')
    crafted = text[:at] + text[at:].replace('"id"', '"weight": 1e999, "id"', 1)
    data.write_text(crafted)
    line = crafted[: crafted.index("1e999")].count("\n") + 1
    _refused(repo, env, f"data/sample.json:{line}:")


def test_a_dataset_nested_past_the_parsers_is_refused_by_the_hook(
    repo: Path, env: dict[str, str]
) -> None:
    data = repo / "data" / "sample.json"
    text = data.read_text()
    data.write_text(
        text.replace('"images"', '"deep": ' + "[" * 5000 + "]" * 5000 + ', "images"', 1)
    )
    _refused(repo, env, "data/sample.json:")
