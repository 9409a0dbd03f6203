"""One row answering "which of these interpreters is the right one?": every interpreter the
picker would offer, marked configured / selected / has the project's dependencies."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from foldcheck.repo.doctor.discovery import Found, discover
from foldcheck.repo.doctor.probe import probe
from foldcheck.repo.doctor.project import Project
from foldcheck.repo.doctor.result import Result

MAX_PROBED = 12  # each probe starts an interpreter; a host with dozens of envs stays quick


def picker_row(
    repo: Path,
    home: Path,
    environ: Mapping[str, str],
    project: Project,
    configured: Path | None,
    selected: str | None,
) -> Result:
    found = discover(repo, home, environ)
    known = {os.path.normpath(f.path) for f in found}
    # The configured and the selected interpreter are offered even where no locator looks.
    for extra, source in ((configured, "from the settings"), (selected, "from VS Code's logs")):
        if extra is not None and os.path.normpath(extra) not in known and Path(extra).exists():
            found.insert(0, Found(str(extra), source))
    asked = [Path(f.path) for f in found[:MAX_PROBED]] if project.distributions else []
    with ThreadPoolExecutor(max_workers=4) as pool:  # each waits on its own interpreter
        answers = list(
            pool.map(lambda p: probe(p, repo, environ, (), project.distributions), asked)
        )
    lines, complete = [], 0
    for index, hit in enumerate(found):
        path = os.path.normpath(hit.path)
        marks = [hit.source]
        if configured is not None and path == os.path.normpath(configured):
            marks.append("configured")
        if selected is not None and path == os.path.normpath(selected):
            marks.append("selected")
        if path == os.path.normpath(sys.executable):
            marks.append("runs foldcheck")
        answer = answers[index] if index < len(answers) else None
        if isinstance(answer, str):
            marks.append("could not be asked")
        elif answer is not None and answer.missing_dists:
            marks.append("lacks " + ", ".join(answer.missing_dists))
        elif answer is not None:
            marks.append("has the dependencies")
            complete += 1
        lines.append(f"{path}  [{'; '.join(marks)}]")
    if not lines:
        return Result("interpreters", "warn", "no Python interpreter found", "install Python 3")
    if project.distributions and complete == 0:
        return Result(
            "interpreters",
            "warn",
            "\n".join(lines) + f"\nnone has what {project.source} declares",
            "install the dependencies into the configured interpreter (row interpreter)",
        )
    return Result("interpreters", "info", "\n".join(lines))
