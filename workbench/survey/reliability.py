"""Reliability: Cronbach's alpha, McDonald's omega and item statistics, per scale and wave.

Alpha follows the textbook formula on the item covariance matrix,
``k/(k−1)·(1 − Σσᵢ²/σ²_total)``, with pairwise-complete covariances by default
(as pingouin and R's psych do) and Feldt's F-based confidence interval.

Omega (total) comes from a one-factor model fitted by maximum likelihood to the
standardised items (scikit-learn's :class:`~sklearn.decomposition.FactorAnalysis`):
``ω = (Σλ)² / ((Σλ)² + Σψ)`` with standardised loadings λ and uniquenesses ψ.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> latent = rng.normal(size=(500, 1))
>>> items = latent @ np.full((1, 4), 0.7) + rng.normal(scale=0.7, size=(500, 4))
>>> round(cronbach_alpha(items)[0], 2), round(mcdonald_omega(items), 2)
(0.81, 0.81)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.decomposition import FactorAnalysis

from workbench.survey.loading import Survey
from workbench.survey.scoring import prorate


def cronbach_alpha(
    items: np.ndarray | pd.DataFrame, nan_policy: str = "pairwise", ci: float = 0.95
) -> tuple[float, tuple[float, float]]:
    """Cronbach's alpha and its Feldt confidence interval.

    Parameters
    ----------
    items
        (n, k) answers, NaN = unanswered.
    nan_policy
        ``"pairwise"`` (covariances from pairwise-complete rows) or ``"listwise"``
        (drop rows with any missing answer first).
    ci
        Confidence level of the interval.
    """
    frame = pd.DataFrame(np.asarray(items, dtype=float))
    if nan_policy == "listwise":
        frame = frame.dropna(how="any")
    elif nan_policy != "pairwise":
        raise ValueError("nan_policy must be 'pairwise' or 'listwise'")
    n, k = frame.shape
    if k < 2 or n < 2:
        return float("nan"), (float("nan"), float("nan"))
    cov = frame.cov().to_numpy()
    alpha = k / (k - 1) * (1.0 - np.trace(cov) / cov.sum())
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1.0 - ci) / 2
    lower = 1 - (1 - alpha) * stats.f.isf(tail, df1, df2)
    upper = 1 - (1 - alpha) * stats.f.isf(1 - tail, df1, df2)
    return float(alpha), (float(lower), float(upper))


def one_factor_loadings(
    items: np.ndarray | pd.DataFrame, random_state: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Standardised loadings λ and uniquenesses ψ of a one-factor ML model.

    Rows with a missing answer are dropped. Items are standardised, so
    ``λᵢ² + ψᵢ ≈ 1``; the sign is chosen so that the loadings sum to a
    positive number.
    """
    data = np.asarray(items, dtype=float)
    data = data[np.isfinite(data).all(1)]
    sd = data.std(0, ddof=1)
    if len(data) < 3 or np.any(sd == 0):
        nan = np.full(data.shape[1], np.nan)
        return nan, nan
    z = (data - data.mean(0)) / sd
    model = FactorAnalysis(
        n_components=1, random_state=random_state, tol=1e-6, max_iter=5000, svd_method="lapack"
    )
    model.fit(z)
    loadings = model.components_[0].copy()
    if loadings.sum() < 0:
        loadings = -loadings
    return loadings, model.noise_variance_.copy()


def omega_from_loadings(loadings: np.ndarray, uniquenesses: np.ndarray) -> float:
    """McDonald's omega total, ``(Σλ)² / ((Σλ)² + Σψ)``."""
    common = float(np.sum(loadings)) ** 2
    return common / (common + float(np.sum(uniquenesses)))


def mcdonald_omega(items: np.ndarray | pd.DataFrame, random_state: int = 0) -> float:
    """McDonald's omega total from a one-factor model's standardised loadings."""
    return omega_from_loadings(*one_factor_loadings(items, random_state))


def reliability_table(survey: Survey) -> pd.DataFrame:
    """Alpha (with 95% CI), omega, n and items per scale × wave."""
    rows = []
    for scale in survey.codebook.scales:
        answers = survey.items(scale)
        for wave in survey.waves:
            part = answers[(survey.data["wave"] == wave).to_numpy()]
            alpha, (low, high) = cronbach_alpha(part)
            rows.append(
                {
                    "scale": scale,
                    "wave": wave,
                    "n": int(np.isfinite(part.to_numpy()).any(1).sum()),
                    "complete": int(np.isfinite(part.to_numpy()).all(1).sum()),
                    "items": part.shape[1],
                    "alpha": alpha,
                    "alpha_low": low,
                    "alpha_high": high,
                    "omega": mcdonald_omega(part),
                }
            )
    return pd.DataFrame(rows)


def item_statistics(survey: Survey) -> pd.DataFrame:
    """Per scale × wave × item: n, missing share, mean, sd, corrected item–total
    correlation, alpha if the item is deleted, standardised loading, share at floor/ceiling.

    Means and correlations use the reverse-coded answers (``reversed`` says which).
    """
    rows = []
    rule = survey.codebook.scoring
    for scale, spec in survey.codebook.scales.items():
        answers = survey.items(scale)
        for wave in survey.waves:
            part = answers[(survey.data["wave"] == wave).to_numpy()].to_numpy()
            loadings, _ = one_factor_loadings(part)
            for j, item in enumerate(spec.items):
                column = part[:, j]
                rest = prorate(np.delete(part, j, axis=1), rule.min_answered)
                ok = np.isfinite(column) & np.isfinite(rest)
                corr = (
                    float(np.corrcoef(column[ok], rest[ok])[0, 1]) if ok.sum() > 2 else float("nan")
                )
                answered = column[np.isfinite(column)]
                rows.append(
                    {
                        "scale": scale,
                        "wave": wave,
                        "item": item,
                        "reversed": item in spec.reverse,
                        "n": int(answered.size),
                        "missing": float(1 - answered.size / max(len(column), 1)),
                        "mean": float(answered.mean()) if answered.size else float("nan"),
                        "sd": float(answered.std(ddof=1)) if answered.size > 1 else float("nan"),
                        "floor": float(np.mean(answered == spec.low)) if answered.size else 0.0,
                        "ceiling": float(np.mean(answered == spec.high)) if answered.size else 0.0,
                        "item_rest_r": corr,
                        "alpha_if_deleted": cronbach_alpha(np.delete(part, j, axis=1))[0],
                        "loading": float(loadings[j]),
                    }
                )
    return pd.DataFrame(rows)
