"""Does the dev container finish its set-up before the Python extension looks for interpreters?

VS Code connects once the container's ``waitFor`` command is done (default
``updateContentCommand``, containers.dev json reference); a ``postCreateCommand`` that makes
the environment then runs while extensions start, and the interpreter may be chosen first.
"""

from __future__ import annotations

from pathlib import Path

from foldcheck.io.jsonc import load_jsonc
from foldcheck.repo.doctor.result import Result

CONFIGS = (".devcontainer/devcontainer.json", ".devcontainer.json")
_ORDER = (
    "initializeCommand",
    "onCreateCommand",
    "updateContentCommand",
    "postCreateCommand",
    "postStartCommand",
)


def devcontainer_row(repo: Path) -> Result | None:
    path = next((repo / c for c in CONFIGS if (repo / c).is_file()), None)
    if path is None:
        return None
    try:
        config = load_jsonc(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        return Result("devcontainer", "fail", f"{path}: {exc}", "fix the file")
    if not isinstance(config, dict) or "postCreateCommand" not in config:
        return Result("devcontainer", "ok", f"{path}: no postCreateCommand to wait for")
    wait = config.get("waitFor", "updateContentCommand")
    if wait in _ORDER and _ORDER.index(wait) >= _ORDER.index("postCreateCommand"):
        return Result("devcontainer", "ok", f"{path}: VS Code waits for {wait}")
    return Result(
        "devcontainer",
        "warn",
        f"{path}: postCreateCommand runs after VS Code connects (waitFor is {wait}), so the "
        "Python extension can pick an interpreter before the set-up made one",
        f'add "waitFor": "postCreateCommand" to {path}',
    )
