"""`foldcheck validate` on the real published exports in ../shared/data/real: no errors
(warnings allowed: Roboflow's placeholder category 0, one duplicate box in chess)."""

from __future__ import annotations

import pytest

from foldcheck.cli import main
from tests.conftest import real_dataset


@pytest.mark.parametrize("part", ["train", "valid", "test"])
@pytest.mark.parametrize("name", ["chess", "car-damage"])
def test_real_export_has_no_errors(name: str, part: str, capsys) -> None:
    path = real_dataset(name, part)
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Found 0 errors" in out
    assert "FC533" in out and "FC532" in out  # ids from 0; the unused placeholder
