"""History matching: rule out parameter values whose emulated summaries cannot match the data.

Implausibility of a summary k at parameters x (Craig et al. 1997; Vernon et al. 2010)::

    I_k(x) = |z_k − E[f_k(x)]| / sqrt(V_obs,k + V_emu,k(x) + V_disc,k)

A point is *not ruled out yet* (NROY) when the largest I_k (or, with many
summaries, the second largest, which tolerates one unlucky statistic) is below
the cut-off, 3 by default (Pukelsheim's three-sigma rule).

Examples
--------
>>> import numpy as np
>>> implausibility(np.array([[0.0, 1.0]]), np.array([[0.0, 0.0]]), np.array([0.5, 0.5]),
...                np.array([[0.5, 0.5]])).round(3).tolist()
[[0.0, 1.0]]
"""

from __future__ import annotations

import numpy as np


def implausibility(
    observed: np.ndarray, mean: np.ndarray, obs_var: np.ndarray, emu_var: np.ndarray
) -> np.ndarray:
    """(m, k) implausibility of every summary at every point."""
    return np.abs(observed - mean) / np.sqrt(obs_var + emu_var)


def combined(values: np.ndarray, rank: int = 1) -> np.ndarray:
    """Largest (``rank=1``) or second largest (``rank=2``) implausibility per point."""
    if values.shape[1] < rank:
        rank = 1
    return -np.partition(-values, rank - 1, axis=1)[:, rank - 1]


def refill(
    pool: np.ndarray, count: int, rng: np.random.Generator, spread: float = 0.5
) -> np.ndarray:
    """``count`` new unit-cube points around ``pool`` (Gaussian jitter scaled by its spread)."""
    if len(pool) == 0:
        return rng.random((count, 0))
    centre = pool[rng.integers(len(pool), size=count)]
    sd = pool.std(0) if len(pool) > 1 else np.full(pool.shape[1], 0.05)
    return np.clip(centre + rng.normal(size=centre.shape) * spread * np.maximum(sd, 0.01), 0, 1)
