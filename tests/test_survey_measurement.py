"""Ordered-probit measurement model: known generating model, anchor property, codebook round trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.survey import Codebook, cronbach_alpha, survey_from_frame
from workbench.survey.measurement import MeasurementModel, category_probabilities

ITEMS = [f"b{j + 1}" for j in range(8)]
REVERSED = ["b2", "b5"]


@pytest.fixture(scope="module")
def generated():
    """Answers from a known graded-response model, with reverse-keyed items and missing cells."""
    rng = np.random.default_rng(0)
    n = 2500
    slopes = rng.uniform(1.5, 3.5, len(ITEMS))
    thresholds = np.sort(
        np.array([-1.2, -0.4, 0.4, 1.2])[None, :]
        + rng.normal(0, 0.3, (len(ITEMS), 1))
        + slopes[:, None] * 0.5,
        axis=1,
    )
    z = rng.normal(0.5, 0.4, n)
    probs = category_probabilities(slopes, thresholds, z)
    u = rng.random((n, len(ITEMS)))
    answers = 1 + (u[:, :, None] > np.cumsum(probs, 2)[:, :, :-1]).sum(2).astype(float)
    flip = [ITEMS.index(i) for i in REVERSED]
    answers[:, flip] = 6 - answers[:, flip]
    answers[rng.random(answers.shape) < 0.03] = np.nan
    frame = pd.DataFrame(answers, columns=ITEMS)
    frame.insert(0, "id", [f"s{i}" for i in range(n)])
    frame.insert(1, "group", rng.choice(["a", "b"], n))
    frame = frame.astype(object).where(frame.notna(), "")
    book = Codebook.model_validate(
        {
            "survey": {"respondent": "id"},
            "scales": {
                "belonging": {
                    "items": ITEMS,
                    "reverse": REVERSED,
                    "low": 1,
                    "high": 5,
                    "latent": "belonging",
                }
            },
            "groups": {"columns": ["group"]},
        }
    )
    survey = survey_from_frame(frame, book)
    # the true latent on the 0-1 scale: expected answer as a share of the range
    theta = ((probs @ np.arange(1, 6)).mean(1) - 1) / 4
    return survey, theta


@pytest.fixture(scope="module")
def model(generated):
    return MeasurementModel().fit(generated[0])


def test_simulated_survey_reproduces_real_items(generated, model):
    survey, theta = generated
    latent = survey.data[["respondent", "wave", "group"]].assign(belonging=theta)
    simulated = model.simulate_survey(latent, rng=1)
    assert simulated.codebook == survey.codebook
    assert list(simulated.data.columns) == list(survey.data.columns)
    for item in ITEMS:
        real = survey.data[item].value_counts(normalize=True)
        fake = simulated.data[item].value_counts(normalize=True)
        total_variation = real.sub(fake, fill_value=0).abs().sum() / 2
        assert total_variation < 0.05, item
    real_alpha = cronbach_alpha(survey.items("belonging"))[0]
    assert cronbach_alpha(simulated.items("belonging"))[0] == pytest.approx(real_alpha, abs=0.02)
    real_scores, fake_scores = survey.scores()["belonging"], simulated.scores()["belonging"]
    assert fake_scores.mean() == pytest.approx(real_scores.mean(), abs=0.04)
    assert fake_scores.std() == pytest.approx(real_scores.std(), rel=0.05)
    assert simulated.data[ITEMS].isna().mean().mean() == pytest.approx(0.03, abs=0.01)


def test_reverse_keyed_items_are_flipped_back(generated, model):
    survey, theta = generated
    latent = survey.data[["respondent", "wave"]].assign(belonging=theta)
    simulated = model.simulate_survey(latent, rng=2).data
    assert np.corrcoef(simulated["b1"].fillna(3), simulated["b2"].fillna(3))[0, 1] < -0.3
    parameters = model.parameters()
    assert parameters.loc[parameters["reversed"], "item"].tolist() == REVERSED
    assert (parameters["slope"] > 0.5).all()


def test_anchor_expected_score_is_linear_in_latent(model):
    theta = np.linspace(0.02, 0.98, 49)
    np.testing.assert_allclose(model.expected_score("belonging", theta), 1 + 4 * theta, atol=1e-3)


def test_mean_of_simulated_answers_follows_the_anchor(model):
    rng = np.random.default_rng(5)
    for theta in (0.2, 0.5, 0.8):
        answers = model.draw_answers("belonging", np.full(20_000, theta), rng)
        keyed = answers.copy()
        flip = [ITEMS.index(i) for i in REVERSED]
        keyed[:, flip] = 6 - keyed[:, flip]
        assert np.nanmean(keyed) == pytest.approx(1 + 4 * theta, abs=0.02)


def test_simulation_is_reproducible(generated, model):
    survey, theta = generated
    latent = survey.data[["respondent", "wave"]].assign(belonging=theta)
    a = model.simulate_survey(latent, rng=7).data
    b = model.simulate_survey(latent, rng=7).data
    pd.testing.assert_frame_equal(a, b)


def test_latent_estimates_are_unbiased(generated, model):
    survey, theta = generated
    estimates = model.latent_estimates(survey)["belonging"].to_numpy()
    assert np.nanmean(estimates) == pytest.approx(theta.mean(), abs=0.01)
    assert np.corrcoef(np.nan_to_num(estimates, nan=0.5), theta)[0, 1] > 0.85
