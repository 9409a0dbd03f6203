from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "foldcheck" / "data" / "sample.json"
REAL_DATA = REPO.parent / "shared" / "data" / "real"


def write_coco(
    path: Path,
    images: list[dict[str, Any]],
    annotations: list[dict[str, Any]],
    categories: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> Path:
    document = {
        **extra,
        "images": images,
        "annotations": annotations,
        "categories": categories or [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
    }
    path.write_text(json.dumps(document, indent=1))
    return path


def real_dataset(name: str, part: str = "train") -> Path:
    path = REAL_DATA / name / f"{part}.json"
    if not path.is_file():
        pytest.skip(f"shared real data not present at {path}")
    return path


@pytest.fixture(autouse=True)
def _own_hash_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Perceptual-hash caches go to a temporary folder, never the user's cache folder."""
    monkeypatch.setenv("FOLDCHECK_CACHE_DIR", str(tmp_path_factory.mktemp("hash-cache")))


@pytest.fixture
def sample() -> Path:
    return SAMPLE
