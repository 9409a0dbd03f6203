"""One doctor row: what was checked, how it went, what was found and the fix.

``--format json`` prints these as they are (the shape docs/doctor.md documents): ``id`` is stable
per check, ``status`` one of ok / warn / fail / info, ``fix`` empty when there is nothing to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "warn", "fail", "info"]


@dataclass(frozen=True)
class Result:
    id: str
    status: Status
    found: str
    fix: str = ""


def failed(results: list[Result]) -> bool:
    return any(r.status == "fail" for r in results)
