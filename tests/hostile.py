"""Running the CLI as a user does (a subprocess) on crafted input, and what a refusal must
look like: exit 2, one line on stderr naming the file and the place, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def foldcheck(
    *args: str | Path, cwd: Path, timeout: float = 60, **environ: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **environ}
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


def coco_document(extra_image: dict[str, Any] | None = None, n_images: int = 4) -> dict[str, Any]:
    """A small valid COCO document; ``extra_image`` keys go first in every image record (the
    first record's keys decide the fast reader's types)."""
    images = [
        {**(extra_image or {}), "id": i, "file_name": f"img{i}.jpg", "width": 64, "height": 48}
        for i in range(1, n_images + 1)
    ]
    annotations = [
        {
            "id": a,
            "image_id": a % n_images + 1,
            "category_id": a % 2 + 1,
            "bbox": [a % 40, 2, 10, 8],
            "area": 80.0,
            "iscrowd": 0,
        }
        for a in range(1, 2 * n_images + 1)
    ]
    categories = [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]
    return {"images": images, "annotations": annotations, "categories": categories}


def run_main(capsys: Any, *argv: str | Path) -> tuple[int, str, str]:
    """The CLI in this process (for the many cheap cases; the journeys run a subprocess)."""
    from foldcheck.cli import main

    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_main_quiet(*argv: str | Path) -> int:
    """The CLI's exit code in this process, its output discarded (for property tests)."""
    import contextlib
    import io

    from foldcheck.cli import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main([str(a) for a in argv])


def alias_bomb(levels: int = 10) -> str:
    """575 bytes at 9 levels: 9**9 strings when expanded (Ultralytics' names: list)."""
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for name in "bcdefghijklmnop"[: levels - 1]:
        text += f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
        previous = name
    return text + f"names: *{previous}\n"
