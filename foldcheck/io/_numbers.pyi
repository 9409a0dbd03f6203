from collections.abc import Sequence
from typing import Any

import numpy as np

def fill_arrays(
    texts: Sequence[Any],
    lengths: np.ndarray,
    values: np.ndarray,
    attribute: str | None = None,
    /,
) -> int: ...
