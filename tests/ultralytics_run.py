"""Running a script in the Ultralytics interpreter that FOLDCHECK_ULTRALYTICS_PYTHON names
(``.ci/run``'s Ultralytics job makes one outside the clone): from another working folder,
with its settings in the test's own folder, offline."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

PYTHON = os.environ.get("FOLDCHECK_ULTRALYTICS_PYTHON")
needs_ultralytics = pytest.mark.skipif(
    not PYTHON, reason="set FOLDCHECK_ULTRALYTICS_PYTHON to an interpreter with ultralytics"
)


def run_in_ultralytics(script: Path, tmp_path: Path, out: Path, args: list[Path]) -> None:
    """``python SCRIPT CONFIG_DIR OUT ARGS...`` (the probes' calling convention)."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    assert PYTHON is not None
    done = subprocess.run(
        [PYTHON, str(script), str(tmp_path / "ultralytics-config"), str(out), *map(str, args)],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=1200,
        env={**os.environ, "YOLO_OFFLINE": "1"},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
