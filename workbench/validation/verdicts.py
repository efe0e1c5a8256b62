"""Verdicts that carry their uncertainty: the simulated estimate's interval against the band.

A validation check's simulated figure is an *estimate*: the mean of the
study statistic over independent replications (each replication is one
simulated study). Its uncertainty is the Student-t confidence interval of
that mean over replications. The verdict compares that interval with the
accepted band (the published interval, or one open side for a directional
finding):

``pass``
    the whole simulated interval lies inside the band;
``miss``
    the whole simulated interval lies outside the band (or the statistic
    could not be computed in any replication);
``uncertain``
    the simulated interval straddles an edge of the band: more replications
    (or a model closer to the edge) are needed to say which.

Examples
--------
>>> import numpy as np
>>> low, high = mean_interval(np.array([0.20, 0.22, 0.24, 0.26]))
>>> round(low, 3), round(high, 3)
(0.189, 0.271)
>>> interval_verdict(low, high, 0.12, 0.30)
'pass'
>>> interval_verdict(low, high, 0.25, 0.60)
'uncertain'
>>> interval_verdict(low, high, 0.30, 0.60)
'miss'
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

#: Confidence level of the simulated interval.
LEVEL = 0.95
VERDICTS = ("pass", "uncertain", "miss")


def mean_interval(values: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """Student-t confidence interval of the mean of ``values`` (NaNs left out).

    Fewer than two finite values give ``(-inf, inf)`` when there is one (its
    uncertainty is unknown) and ``(nan, nan)`` when there is none. Identical
    values give a zero-width interval.
    """
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if len(finite) == 0:
        return math.nan, math.nan
    if len(finite) == 1:
        return -math.inf, math.inf
    mean = float(finite.mean())
    se = float(finite.std(ddof=1) / math.sqrt(len(finite)))
    if se == 0.0:
        return mean, mean
    half = float(stats.t.ppf((1 + level) / 2, df=len(finite) - 1)) * se
    return mean - half, mean + half


def interval_verdict(sim_low: float, sim_high: float, low: float | None, high: float | None) -> str:
    """``pass``, ``miss`` or ``uncertain`` for a simulated interval against a band.

    ``low``/``high`` of ``None`` (or ∓inf) leave that side of the band open.
    An interval that could not be computed (NaN) is a ``miss``: the pattern
    was not reproduced.
    """
    if math.isnan(sim_low) or math.isnan(sim_high):
        return "miss"
    band_low = -math.inf if low is None else low
    band_high = math.inf if high is None else high
    if sim_high < band_low or sim_low > band_high:
        return "miss"
    if band_low <= sim_low and sim_high <= band_high:
        return "pass"
    return "uncertain"


def combine(verdicts: list[str]) -> str:
    """One verdict for several checks: any miss is a miss, else any uncertain, else pass."""
    for word in ("miss", "uncertain"):
        if word in verdicts:
            return word
    return "pass"
