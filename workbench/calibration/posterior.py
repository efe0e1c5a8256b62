"""Posterior on the emulator: Gaussian likelihood, importance sampling, effective sample size.

With a uniform prior on the parameter box, the posterior density is
proportional to ``N(z; E[f(x)], Σ_obs + diag(V_emu(x) + V_disc))`` on
non-implausible points (ABC with a Gaussian kernel whose width is the
observation plus emulator uncertainty, restricted to the history-matching
NROY set). It is sampled by importance sampling with an adaptive defensive
mixture proposal, then resampled.

Examples
--------
>>> import numpy as np
>>> effective_sample_size(np.ones(100))
100.0
"""

from __future__ import annotations

import numpy as np


def gaussian_loglik(
    observed: np.ndarray, mean: np.ndarray, covariance: np.ndarray, extra_var: np.ndarray
) -> np.ndarray:
    """(m,) log N(observed; mean_i, covariance + diag(extra_var_i)) for each row i."""
    k = len(observed)
    total = np.empty(len(mean))
    for start in range(0, len(mean), 4000):
        m = mean[start : start + 4000]
        s = covariance[None, :, :] + extra_var[start : start + 4000, :, None] * np.eye(k)[None]
        chol = np.linalg.cholesky(s)
        resid = (observed[None, :] - m)[..., None]
        solved = np.linalg.solve(chol, resid)[..., 0]
        logdet = 2 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(1)
        total[start : start + 4000] = -0.5 * ((solved**2).sum(1) + logdet + k * np.log(2 * np.pi))
    return total


def normalise(logw: np.ndarray) -> np.ndarray:
    """Normalised weights from log weights (−inf allowed)."""
    finite = np.isfinite(logw)
    weights = np.zeros_like(logw)
    if finite.any():
        weights[finite] = np.exp(logw[finite] - logw[finite].max())
        weights /= weights.sum()
    return weights


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size ``(Σw)² / Σw²``."""
    total = weights.sum()
    return float(total**2 / np.sum(weights**2)) if total > 0 else 0.0


def systematic_resample(weights: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Indices drawn by systematic resampling (low variance)."""
    positions = (rng.random() + np.arange(count)) / count
    return np.minimum(np.searchsorted(np.cumsum(weights), positions), len(weights) - 1)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: np.ndarray) -> np.ndarray:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    cumulative /= cumulative[-1]
    return np.interp(q, cumulative, values[order])
