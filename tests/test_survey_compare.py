"""Comparison of simulated and observed surveys: distributions, categories, gaps, regressions."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from workbench.survey import load_survey  # noqa: E402
from workbench.survey.compare import (  # noqa: E402
    category_frequencies,
    change_table,
    compare_distributions,
    compare_gaps,
    compare_regressions,
)
from workbench.survey.measurement import MeasurementModel  # noqa: E402
from workbench.survey.plots import (  # noqa: E402
    plot_categories,
    plot_gaps,
    plot_means,
    plot_regressions,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pair():
    """The example survey and a survey simulated from its own latent estimates."""
    survey = load_survey(
        ROOT / "examples" / "survey_synthetic.csv", ROOT / "examples" / "codebook_synthetic.toml"
    )
    model = MeasurementModel().fit(survey)
    latent = model.latent_estimates(survey)
    for column in ("participated", "pair_id", "sessions_attended"):
        latent[column] = survey.data[column].to_numpy()
    latent = latent.fillna({"belonging": 0.5, "confidence": 0.5})
    return survey, model.simulate_survey(latent, rng=3)


def test_distributions_agree_when_simulated_from_the_data(pair):
    observed, simulated = pair
    table = compare_distributions(observed, simulated)
    assert len(table) == 2 * 2 * 7  # scales x waves x (all + 6 group levels)
    overall = table[table["attribute"] == "all"]
    assert (overall["ks_p"] > 0.01).all()
    assert (overall["wasserstein"] < 0.15).all()
    np.testing.assert_allclose(overall["mean_observed"], overall["mean_simulated"], atol=0.06)


def test_wasserstein_detects_a_shift(pair):
    observed, simulated = pair
    shifted = simulated.data.copy()
    items = observed.codebook.scales["confidence"].items
    shifted[items] = np.minimum(shifted[items] + 1, 4)
    from workbench.survey.loading import Survey

    table = compare_distributions(observed, Survey(observed.codebook, shifted))
    confidence = table[(table["scale"] == "confidence") & (table["attribute"] == "all")]
    assert (confidence["ks_p"] < 1e-6).all()
    assert (confidence["wasserstein"] > 0.4).all()


def test_category_frequencies_sum_to_one(pair):
    frequencies = category_frequencies(*pair)
    sums = frequencies.groupby(["scale", "wave", "item"])[["observed", "simulated"]].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0)


def test_gaps_and_regressions(pair):
    observed, simulated = pair
    gaps = compare_gaps(observed, simulated)
    assert {"gap_observed", "gap_simulated", "low", "high", "inside_ci"} <= set(gaps.columns)
    assert gaps["inside_ci"].mean() > 0.7
    table = change_table(observed, "belonging")
    assert set(table["cross_group_pair"].unique()) <= {0.0, 1.0}
    assert table["participated"].all()
    regressions = compare_regressions(observed, simulated, n_resamples=100)
    assert "sessions_attended" in set(regressions["feature"])
    assert (regressions["low"] <= regressions["observed"]).all()
    assert (regressions["observed"] <= regressions["high"]).all()
    # the old names of the resample count and the seed still work, with a warning
    with pytest.warns(DeprecationWarning, match=r"compare_regressions\(bootstrap=.*n_resamples="):
        old = compare_regressions(observed, simulated, bootstrap=100)
    pd.testing.assert_frame_equal(old, regressions)
    with pytest.warns(DeprecationWarning, match=r"compare_regressions\(seed=.*rng="):
        seeded = compare_regressions(observed, simulated, n_resamples=100, seed=4)
    pd.testing.assert_frame_equal(
        seeded, compare_regressions(observed, simulated, n_resamples=100, rng=4)
    )


def test_plots_draw(pair, tmp_path):
    observed, simulated = pair
    figures = [
        plot_means(compare_distributions(observed, simulated)),
        plot_categories(category_frequencies(observed, simulated)),
        plot_gaps(compare_gaps(observed, simulated)),
        plot_regressions(compare_regressions(observed, simulated, n_resamples=50)),
    ]
    for k, figure in enumerate(figures):
        path = tmp_path / f"{k}.png"
        figure.savefig(path)
        assert path.stat().st_size > 5000
