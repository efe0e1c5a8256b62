"""Simulated versus observed surveys, compared like with like (same codebook, same scoring).

Examples
--------
>>> table = compare_distributions(observed, simulated)  # doctest: +SKIP
>>> table[["scale", "wave", "group", "wasserstein", "ks_p"]]  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.linear_model import LinearRegression

from workbench.renamed import renamed
from workbench.seeding import DEFAULT_SEED, RngLike, as_rng
from workbench.survey.groups import group_gaps
from workbench.survey.loading import Survey


def _groups(survey: Survey, scores: pd.DataFrame) -> list[tuple[str, str, np.ndarray]]:
    out = [("all", "all", np.ones(len(scores), bool))]
    for column in survey.group_columns:
        for level in sorted(scores[column].dropna().astype(str).unique()):
            out.append((column, level, (scores[column].astype(str) == level).to_numpy()))
    return out


def compare_distributions(observed: Survey, simulated: Survey) -> pd.DataFrame:
    """Per scale × wave × group: means, Wasserstein distance and two-sample KS test of scores."""
    obs, sim = observed.scores(), simulated.scores()
    rows = []
    for scale in observed.codebook.scales:
        for wave in observed.waves:
            o_wave = obs[obs["wave"].astype(str) == wave]
            s_wave = sim[sim["wave"].astype(str) == wave]
            sim_groups = {(a, g): m for a, g, m in _groups(simulated, s_wave)}
            for attribute, level, mask in _groups(observed, o_wave):
                other = sim_groups.get((attribute, level))
                a = o_wave.loc[mask, scale].dropna().to_numpy(float)
                b = (
                    s_wave.loc[other, scale].dropna().to_numpy(float)
                    if other is not None
                    else np.empty(0)
                )
                row = {
                    "scale": scale,
                    "wave": wave,
                    "attribute": attribute,
                    "group": level,
                    "n_observed": a.size,
                    "n_simulated": b.size,
                    "mean_observed": a.mean() if a.size else np.nan,
                    "mean_simulated": b.mean() if b.size else np.nan,
                    "sd_observed": a.std(ddof=1) if a.size > 1 else np.nan,
                    "sd_simulated": b.std(ddof=1) if b.size > 1 else np.nan,
                }
                if a.size and b.size:
                    test = stats.ks_2samp(a, b)
                    row |= {
                        "wasserstein": stats.wasserstein_distance(a, b),
                        "ks": float(test.statistic),
                        "ks_p": float(test.pvalue),
                    }
                else:
                    row |= {"wasserstein": np.nan, "ks": np.nan, "ks_p": np.nan}
                rows.append(row)
    return pd.DataFrame(rows)


def category_frequencies(observed: Survey, simulated: Survey) -> pd.DataFrame:
    """Share of each Likert answer per scale × wave × item, observed and simulated."""
    rows = []
    for scale, spec in observed.codebook.scales.items():
        codes = np.arange(spec.low, spec.high + 1)
        for wave in observed.waves:
            o = observed.data[observed.data["wave"].astype(str) == wave]
            s = simulated.data[simulated.data["wave"].astype(str) == wave]
            for item in spec.items:
                a, b = o[item].dropna().to_numpy(), s[item].dropna().to_numpy()
                for code in codes:
                    rows.append(
                        {
                            "scale": scale,
                            "wave": wave,
                            "item": item,
                            "answer": int(code),
                            "observed": float(np.mean(a == code)) if a.size else np.nan,
                            "simulated": float(np.mean(b == code)) if b.size else np.nan,
                        }
                    )
    return pd.DataFrame(rows)


def compare_gaps(observed: Survey, simulated: Survey) -> pd.DataFrame:
    """Observed and simulated reference-minus-group gaps side by side (observed Welch CI).

    A group the simulation does not have (a survey column that is not a scenario
    attribute) gets ``gap_simulated`` NaN and ``inside_ci`` False.
    """
    keys = ["scale", "wave", "attribute", "reference", "group"]
    obs = group_gaps(observed)
    sim = group_gaps(simulated)
    merged = obs[[*keys, "gap", "low", "high"]].merge(
        sim[[*keys, "gap"]].rename(columns={"gap": "gap_simulated"}), on=keys, how="left"
    )
    merged = merged.rename(columns={"gap": "gap_observed"})
    merged["inside_ci"] = (merged["gap_simulated"] >= merged["low"]) & (
        merged["gap_simulated"] <= merged["high"]
    )
    return merged


def change_table(survey: Survey, scale: str) -> pd.DataFrame:
    """Per participant: change of ``scale`` from the first to the last wave, with pairing features.

    Features: ``sessions_attended``, ``cross_group_pair`` (the partner sharing the
    ``pair_id`` differs on any group column) and one indicator per non-reference
    group level.
    """
    scores = survey.scores()
    first, last = survey.waves[0], survey.waves[-1]
    if first == last:
        raise ValueError(f"{survey.source}: change needs two waves")
    if scale not in survey.codebook.scales:
        raise ValueError(f"{survey.source}: no scale {scale!r}")
    start = scores[scores["wave"].astype(str) == first].set_index("respondent")
    end = scores[scores["wave"].astype(str) == last].set_index("respondent")
    table = start[[c for c in start.columns if c not in (scale, "wave")]].copy()
    table["change"] = end[scale] - start[scale]
    if "participated" in table:
        table = table[table["participated"].fillna(False).astype(bool)]
    table["cross_group_pair"] = 0.0
    if "pair_id" in table and survey.group_columns:
        for _, members in table.groupby("pair_id"):
            if len(members) < 2:
                continue
            differs = members[survey.group_columns].astype(str).nunique().gt(1).any()
            table.loc[members.index, "cross_group_pair"] = float(differs)
    for column in survey.group_columns:
        levels = sorted(table[column].dropna().astype(str).unique())
        for level in levels[1:]:
            table[f"{column}={level}"] = (table[column].astype(str) == level).astype(float)
    return table.dropna(subset=["change"])


def regression_features(survey: Survey) -> list[str]:
    """Pairing and group features used by :func:`compare_regressions`."""
    names = ["sessions_attended"] if "sessions_attended" in survey.data else []
    return [*names, "cross_group_pair"]


def compare_regressions(
    observed: Survey,
    simulated: Survey,
    scale: str | None = None,
    n_resamples: int = 300,
    rng: RngLike = DEFAULT_SEED,
    seed: int | None = None,
    *,
    bootstrap: int | None = None,
) -> pd.DataFrame:
    """The same scikit-learn linear regression of score change on pairing features, fitted
    to the observed and to the simulated survey; observed coefficients get bootstrap 90% CIs.

    ``scale`` defaults to the scale measuring belonging (else the first scale).
    Empty when the surveys have fewer than two waves. ``n_resamples`` is the
    number of bootstrap resamples of the observed respondents and ``rng`` seeds
    them (``bootstrap`` and ``seed`` are their deprecated names).
    """
    rng = renamed("compare_regressions", "seed", "rng", seed, rng, default=DEFAULT_SEED)
    n_resamples = renamed(
        "compare_regressions", "bootstrap", "n_resamples", bootstrap, n_resamples, default=300
    )
    if scale is None:
        latent = {s.latent: n for n, s in observed.codebook.scales.items() if s.latent}
        scale = latent.get("belonging", next(iter(observed.codebook.scales)))
    empty = pd.DataFrame(columns=["feature", "observed", "low", "high", "simulated", "inside_ci"])
    if len(observed.waves) < 2 or len(simulated.waves) < 2:
        return empty  # a change needs two waves
    obs, sim = change_table(observed, scale), change_table(simulated, scale)
    group_dummies = [c for c in obs.columns if "=" in c and c in sim.columns]
    features = [f for f in regression_features(observed) if f in sim.columns] + group_dummies
    features = [f for f in features if obs[f].std() > 0 and sim[f].std() > 0]
    rows = []
    if not features or len(obs) < 3:
        return empty
    x_obs = obs[features].to_numpy(float)
    y_obs = obs["change"].to_numpy(float)
    fitted_obs = LinearRegression().fit(x_obs, y_obs)
    fitted_sim = LinearRegression().fit(
        sim[features].to_numpy(float), sim["change"].to_numpy(float)
    )
    rng = as_rng(rng)
    draws = []
    for _ in range(n_resamples):
        idx = rng.integers(len(y_obs), size=len(y_obs))
        draws.append(LinearRegression().fit(x_obs[idx], y_obs[idx]).coef_)
    low, high = np.quantile(np.array(draws), [0.05, 0.95], axis=0)
    for j, name in enumerate(features):
        rows.append(
            {
                "feature": name,
                "observed": fitted_obs.coef_[j],
                "low": low[j],
                "high": high[j],
                "simulated": fitted_sim.coef_[j],
                "inside_ci": low[j] <= fitted_sim.coef_[j] <= high[j],
            }
        )
    return pd.DataFrame(rows)
