"""What the pre-commit hook's process imports: `foldcheck check` of a manifest stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from foldcheck.cli import main
from tests.conftest import SAMPLE

# Needed by other commands or options only (splitting, --images-dir, exports, rich output of
# other commands, YAML, the editor tooling), never by the check of a manifest.
NOT_FOR_A_CHECK = (
    "foldcheck.splitter",
    "foldcheck.images.hashes",
    "foldcheck.images.neardup",
    "foldcheck.formats.exports",
    "foldcheck.formats.coco.lint",
    "foldcheck.formats.coco.places",
    "foldcheck.formats.coco.rle",
    "foldcheck.api",
    "foldcheck.repo",
    "concurrent.futures",
    "PIL",
    "yaml",
    "rich",
    "jsonschema",
)


def test_check_of_a_manifest_imports_nothing_it_does_not_use(tmp_path: Path) -> None:
    out = tmp_path / "folds"
    assert main(["split", str(SAMPLE), "-k", "3", "--group-by", "video_id", "--out", str(out)]) == 0
    code = (
        "import sys\n"
        "from foldcheck.cli import main\n"
        f"code = main(['check', {str(out / 'folds.json')!r}])\n"
        f"heavy = {NOT_FOR_A_CHECK!r}\n"
        "print(code, sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "0 []"


def test_near_duplicate_search_still_loads_its_modules_when_asked(tmp_path: Path) -> None:
    """The lazy imports of FC106 are reached: --images-dir runs the search (no images: FC105's
    business, and the search has nothing to pair)."""
    out = tmp_path / "folds"
    assert main(["split", str(SAMPLE), "-k", "3", "--group-by", "video_id", "--out", str(out)]) == 0
    images = tmp_path / "images"
    images.mkdir()
    code = (
        "import sys\n"
        "from foldcheck.cli import main\n"
        f"main(['check', {str(out / 'folds.json')!r}, '--images-dir', {str(images)!r}])\n"
        "print('foldcheck.images.neardup' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip().splitlines()[-1] == "True", done.stderr
