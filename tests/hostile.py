"""Running the CLI as a user does (a subprocess) on crafted input, and what a refusal must
look like: exit 2, one line on stderr naming the file and the place, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def foldcheck(
    *args: str | Path, cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "foldcheck", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_refused(proc: subprocess.CompletedProcess[str], starts: str) -> None:
    """Exit 2 with exactly one line on stderr, starting ``starts`` (``path:line:col: error:
    ...``), and nothing on stdout."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [proc.stderr.strip()], proc.stderr
    assert proc.stderr.startswith(starts), proc.stderr
    assert proc.stdout == ""
