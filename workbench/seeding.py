"""Seeds: one root seed → independent, reproducible streams for replications and runs."""

from __future__ import annotations

import numpy as np


def derive_seeds(root: int, count: int, *key: int) -> list[int]:
    """``count`` independent 63-bit seeds derived from ``root`` with numpy's SeedSequence.

    The k-th seed depends only on ``root``, ``key`` and ``k``: never on how many
    seeds are asked for, nor on which worker runs it.

    Examples
    --------
    >>> derive_seeds(42, 3) == derive_seeds(42, 5)[:3]
    True
    """
    return [
        int(np.random.SeedSequence(root, spawn_key=(*key, k)).generate_state(2, np.uint64)[0] >> 1)
        for k in range(count)
    ]
