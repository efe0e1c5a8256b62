"""Reliability: Cronbach's alpha, McDonald's omega and item statistics, per scale and wave.

Alpha follows the textbook formula on the item covariance matrix,
``k/(k−1)·(1 − Σσᵢ²/σ²_total)``, with pairwise-complete covariances by default
(as pingouin and R's psych do) and Feldt's F-based confidence interval.

Omega (total) comes from a one-factor model fitted by maximum likelihood to the
items' correlation matrix (statsmodels' :class:`~statsmodels.multivariate.factor.Factor`,
``method="ml"``): ``ω = (Σλ)² / ((Σλ)² + Σψ)`` with standardised loadings λ and
uniquenesses ψ. By default the correlations are pairwise-complete, so omega
uses the same respondents as alpha (a respondent with two or more answers counts,
not only those who answered every item); ``nan_policy="listwise"`` uses complete
rows only. :func:`reliability_table` adds a bootstrap interval for omega
(percentile, resampling respondents) and the number of respondents used.

A single-item scale has no internal consistency: its alpha and omega are
reported as not applicable (NaN, with a note), never 1. Two items of a scale
that give identical answers in every row (a duplicated column) make alpha and
omega meaningless, and the table's note says so.

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

import inspect
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.multivariate.factor import Factor

from workbench.renamed import renamed
from workbench.seeding import DEFAULT_SEED, RngLike, as_rng
from workbench.survey.loading import Survey
from workbench.survey.scoring import prorate

# statsmodels >= 0.14.2 lets the ML fit's random starting values be seeded
_FIT_TAKES_RNG = "rng" in inspect.signature(Factor.fit).parameters


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
    items: np.ndarray | pd.DataFrame, nan_policy: str = "pairwise", random_state: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Standardised loadings λ and uniquenesses ψ of a one-factor ML model.

    Fitted by maximum likelihood to the items' correlation matrix (statsmodels'
    ``Factor(method="ml")``): pairwise-complete correlations by default (every
    answer counts, as for alpha), or complete rows only with
    ``nan_policy="listwise"``. The sign is chosen so that the loadings sum to a
    positive number. NaN when fewer than three respondents answered, an item
    never varies, or the fit fails.

    ``random_state`` is ignored (kept for callers of the earlier scikit-learn fit).
    """
    frame = pd.DataFrame(np.asarray(items, dtype=float))
    if nan_policy == "listwise":
        frame = frame.dropna(how="any")
    elif nan_policy != "pairwise":
        raise ValueError("nan_policy must be 'pairwise' or 'listwise'")
    nan = np.full(frame.shape[1], np.nan)
    used = int((frame.notna().sum(axis=1) >= 2).sum())
    if frame.shape[1] < 2 or used < 3 or np.any(~(frame.std(ddof=1) > 0)):
        return nan, nan
    corr = frame.corr().to_numpy()
    if not np.all(np.isfinite(corr)):
        return nan, nan
    return _factor_ml(corr, used)


def _factor_ml(
    corr: np.ndarray, n: int, start: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    nan = np.full(len(corr), np.nan)
    model = Factor(corr=corr, n_factor=1, method="ml", nobs=n)
    # statsmodels draws random starting values when given none: fix them (same data, same omega)
    seeded = {"rng": np.random.default_rng(0)} if _FIT_TAKES_RNG else {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = model.fit(start=start, **seeded)
    except (np.linalg.LinAlgError, ValueError):
        return nan, nan
    loadings = np.asarray(fit.loadings, dtype=float)[:, 0]
    if loadings.sum() < 0:
        loadings = -loadings
    return loadings, np.asarray(fit.uniqueness, dtype=float)


def omega_from_loadings(loadings: np.ndarray, uniquenesses: np.ndarray) -> float:
    """McDonald's omega total, ``(Σλ)² / ((Σλ)² + Σψ)``."""
    common = float(np.sum(loadings)) ** 2
    return common / (common + float(np.sum(uniquenesses)))


def mcdonald_omega(items: np.ndarray | pd.DataFrame, nan_policy: str = "pairwise") -> float:
    """McDonald's omega total from a one-factor model's standardised loadings
    (pairwise-complete correlations by default; see :func:`one_factor_loadings`)."""
    return omega_from_loadings(*one_factor_loadings(items, nan_policy))


def omega_interval(
    items: np.ndarray | pd.DataFrame,
    draws: int = 200,
    level: float = 0.95,
    rng: RngLike = DEFAULT_SEED,
) -> tuple[float, float]:
    """Percentile bootstrap interval of (pairwise) omega, resampling respondents.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(200, 1)) + rng.normal(size=(200, 4))
    >>> low, high = omega_interval(x, draws=50, rng=0)
    >>> bool(low < mcdonald_omega(x) < high)
    True
    """
    data = np.asarray(items, dtype=float)
    generator = as_rng(rng)
    full, psi = one_factor_loadings(data)
    if not np.all(np.isfinite(full)) or len(data) < 5:
        return float("nan"), float("nan")
    values = []
    for _ in range(draws):
        sample = pd.DataFrame(data[generator.integers(len(data), size=len(data))])
        used = int((sample.notna().sum(axis=1) >= 2).sum())
        if np.any(~(sample.std(ddof=1) > 0)):
            continue
        corr = sample.corr().to_numpy()
        if np.all(np.isfinite(corr)):
            loadings, unique = _factor_ml(corr, used, start=(full[:, None], psi))
            if np.all(np.isfinite(loadings)):
                values.append(omega_from_loadings(loadings, unique))
    if len(values) < draws / 2:
        return float("nan"), float("nan")
    tail = (1 - level) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return float(low), float(high)


def duplicated_items(items: pd.DataFrame) -> list[tuple[str, str]]:
    """Pairs of items whose answers are identical wherever both were answered (≥ 3 rows).

    Examples
    --------
    >>> duplicated_items(pd.DataFrame({"a": [1, 2, 3], "b": [1, 2, 3], "c": [3, 1, 2]}))
    [('a', 'b')]
    """
    pairs = []
    columns = list(items.columns)
    for i, first in enumerate(columns):
        for second in columns[i + 1 :]:
            both = items[[first, second]].dropna()
            if len(both) >= 3 and (both[first] == both[second]).all():
                pairs.append((str(first), str(second)))
    return pairs


def reliability_note(survey: Survey, scale: str, part: pd.DataFrame) -> str:
    """Why a scale's alpha and omega should not be read (empty when they can)."""
    if survey.codebook.scales[scale].single_item:
        return "single item: internal-consistency reliability does not apply"
    pairs = duplicated_items(part)
    if pairs:
        named = ", ".join(f"{a} = {b}" for a, b in pairs)
        return (
            f"identical answers in items {named} (a duplicated column?): alpha and omega are "
            "not meaningful"
        )
    return ""


def reliability_table(
    survey: Survey,
    n_resamples: int = 200,
    rng: RngLike = DEFAULT_SEED,
    *,
    bootstrap: int | None = None,
) -> pd.DataFrame:
    """Alpha (Feldt 95% CI), omega (bootstrap 95% CI), respondents used, items per scale × wave.

    Columns: ``scale, wave, n`` (respondents with any answer), ``complete``
    (every item answered), ``items``, ``alpha, alpha_low, alpha_high``
    (pairwise), ``omega, omega_low, omega_high`` (pairwise ML one-factor,
    percentile bootstrap of ``n_resamples`` resamples; 0 skips it; ``bootstrap``
    is its deprecated name), ``omega_n``
    (respondents with two or more answers, who enter the pairwise
    correlations) and ``note`` (e.g. single item: not applicable).
    """
    n_resamples = renamed(
        "reliability_table", "bootstrap", "n_resamples", bootstrap, n_resamples, default=200
    )
    generator = as_rng(rng)
    rows = []
    for scale in survey.codebook.scales:
        answers = survey.items(scale)
        for wave in survey.waves:
            part = answers[(survey.data["wave"] == wave).to_numpy()]
            values = part.to_numpy()
            note = reliability_note(survey, scale, part)
            single = survey.codebook.scales[scale].single_item
            alpha, (low, high) = cronbach_alpha(part) if not single else (np.nan, (np.nan,) * 2)
            omega = mcdonald_omega(part) if not single else np.nan
            o_low, o_high = (
                omega_interval(part, n_resamples, rng=generator)
                if n_resamples and np.isfinite(omega)
                else (np.nan, np.nan)
            )
            rows.append(
                {
                    "scale": scale,
                    "wave": wave,
                    "n": int(np.isfinite(values).any(1).sum()),
                    "complete": int(np.isfinite(values).all(1).sum()),
                    "items": part.shape[1],
                    "alpha": alpha,
                    "alpha_low": low,
                    "alpha_high": high,
                    "omega": omega,
                    "omega_low": o_low,
                    "omega_high": o_high,
                    "omega_n": int((np.isfinite(values).sum(1) >= 2).sum()) if not single else 0,
                    "note": note,
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
                rest = (
                    prorate(np.delete(part, j, axis=1), rule.min_answered)
                    if part.shape[1] > 1
                    else np.full(len(column), np.nan)
                )
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
