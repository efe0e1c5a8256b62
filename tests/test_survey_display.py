"""Notebook cards of surveys, calibration targets and calibration results: real numbers, escaped."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench
from workbench.calibration import Parameter, Target, calibrate
from workbench.survey import Codebook, reliability_table, survey_from_frame

ROOT = Path(__file__).resolve().parents[1]
SURVEY = ROOT / "examples" / "survey_synthetic.csv"
CODEBOOK = ROOT / "examples" / "codebook_synthetic.toml"


@pytest.fixture(scope="module")
def survey():
    return workbench.load_survey(SURVEY, CODEBOOK)


def test_survey_card_shows_alpha_and_wave_means(survey):
    page = survey._repr_html_()
    assert page.startswith("<div") and page.endswith("</div>")
    alphas = reliability_table(survey, n_resamples=0)
    assert len(alphas) == 4
    for row in alphas.itertuples():  # every scale x wave alpha, to 3 decimals
        assert f"<td>{row.alpha:.3f}</td>" in page, (row.scale, row.wave)
    assert "alpha pre" in page and "alpha post" in page
    scores = survey.scores()
    post = scores.loc[scores["wave"] == "post", "belonging"]
    assert f"{post.mean():.2f} (n={post.notna().sum()})" in page
    assert "300 respondents" in page and "pre (week 0), post (week 36)" in page
    assert "194 of 300 respondents took part" in page
    assert "language_background (english_first)" in page
    assert "<img" not in page  # no plot promised for a survey


def test_survey_repr_is_one_short_line(survey):
    text = repr(survey)
    assert "\n" not in text and len(text) < 250
    assert "300 respondents" in text and "pre/post" in text and "belonging (12 items)" in text


def test_survey_methods_match_the_functions(survey):
    pd.testing.assert_frame_equal(survey.reliability(), reliability_table(survey))
    assert survey.participants().respondents == 194
    assert set(survey.group_gaps()["attribute"]) == set(survey.group_columns)


def test_survey_card_escapes_names_and_values():
    book = Codebook.model_validate(
        {
            "survey": {"respondent": "id"},
            "scales": {"s<b>": {"items": ["a", "b"], "low": 1, "high": 3}},
            "groups": {"columns": ["g"]},
        }
    )
    frame = pd.DataFrame(
        {
            "id": list("pqrs"),
            "g": ["x&y", "x&y", "<z>", "x&y"],
            "a": [1, 2, 3, 2],
            "b": [1, 3, 3, 2],
        }
    )
    page = survey_from_frame(frame, book, source="<script>alert(1)</script>")._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "s&lt;b&gt;" in page and "<b>s" not in page.replace("<b>Survey", "")
    assert "g (x&amp;y)" in page


NOISE = 0.03


def toy_simulate(params: dict, seed: int) -> np.ndarray:
    a, b = params["a<1>"], params["b"]
    rng = np.random.default_rng(seed)
    return np.array([a + b, 2 * a * b, np.sin(3 * a), b**2]) + rng.normal(0, NOISE, 4)


NAMES = ["sum", "product", "sine", "square <&>"]


@pytest.fixture(scope="module")
def result():
    target = Target(
        toy_simulate,
        observed=toy_simulate({"a<1>": 0.4, "b": 0.6}, 99),
        covariance=np.eye(4) * NOISE**2,
        names=NAMES,
    )
    parameters = [Parameter("a<1>", 0, 1), Parameter("b", 0, 1)]
    return calibrate(target, parameters, budget=60, waves=1, holdout=["square"], progress=False)


def test_calibration_card_shows_the_posterior_numbers(result):
    page = result._repr_html_()
    for row in result.intervals.itertuples():
        assert f"<td>{row.mean:.4g}</td>" in page
        assert f"<td>[{row.q05:.4g}, {row.q95:.4g}]</td>" in page
        assert f"<td>[{row.prior_low:.4g}, {row.prior_high:.4g}]</td>" in page
        assert f"<td>{row.width_share:.0%}</td>" in page
    assert html.escape(result.predictive_summary()) in page
    # the same line the text report prints
    assert result.predictive_summary() in result.report()
    d = result.diagnostics
    assert f"{d['runs']} simulator runs: {d['design_runs']} design runs" in page
    assert f"+ {d['confirmation_runs']} confirmation runs" in page
    assert "<img" in page and "data:image/png;base64," in page  # the posterior plot


def test_calibration_card_shows_the_held_out_check_escaped(result):
    page = result._repr_html_()
    held = result.checks[result.checks["held_out"]]
    assert held["summary"].tolist() == ["square <&>"]
    assert "held-out check" in page and "1 of 4 summaries" in page
    assert "square &lt;&amp;&gt;" in page and "square <&>" not in page
    row = held.iloc[0]
    assert f"<td>{row['observed']:.4g}</td>" in page
    assert f"<td>[{row['q05']:.4g}, {row['q95']:.4g}]</td>" in page
    assert "a&lt;1&gt;" in page and "a<1>" not in page


def test_calibration_repr_is_one_short_line(result):
    text = repr(result)
    assert "\n" not in text and len(text) < 400
    mean = result.intervals["mean"].iloc[0]
    assert f"a<1> {mean:.4g}" in text and "3 summaries fitted, 1 held out" in text


def test_target_card_and_repr():
    target = Target(
        toy_simulate,
        observed=np.array([1.0, 0.5, 0.25, 0.125]),
        covariance=np.diag([0.04, 0.01, 0.01, 0.01]),
        names=NAMES,
    )
    assert repr(target).startswith("<Target: 4 summaries (sum, product, sine, … 1 more)")
    page = target._repr_html_()
    assert "square &lt;&amp;&gt;" in page and "<td>0.2</td>" in page  # se of the first summary
    assert "<td>0.125</td>" in page


def test_survey_gaps_plot_takes_the_observed_gaps_as_they_come(survey):
    from matplotlib.figure import Figure

    from workbench.survey.plots import plot_gaps

    figure = plot_gaps(survey.group_gaps())
    assert isinstance(figure, Figure) and len(figure.axes[0].get_yticklabels()) == 12
