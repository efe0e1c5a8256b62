"""Survey measurement on files shaped like public Likert data, checked against references.

Long files with text answers and study-specific missing codes, a total scale with a subscale,
a single-item outcome over waves, omega with answers missing at random (against an
independent pairwise ML one-factor fit written here), error rows that point at the file's
own line, counts that agree, time-varying groups, and what ``workbench survey`` prints.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin
import pytest
from scipy import optimize

from workbench.cli import main
from workbench.survey import (
    Codebook,
    SurveyError,
    cronbach_alpha,
    load_codebook,
    load_survey,
    mcdonald_omega,
    parse_codebook,
    reliability_table,
    survey_from_frame,
)
from workbench.survey.reliability import omega_interval

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "likert"
ATTITUDES = (DATA / "attitudes_long.csv", DATA / "attitudes_codebook.toml")
OUTCOME = (DATA / "outcome_long.csv", DATA / "outcome_codebook.toml")
WORDS = {"no": 1.0, "perhaps": 2.0, "yes": 3.0}


@pytest.fixture(scope="module")
def attitudes():
    return load_survey(*ATTITUDES)


def test_text_answers_and_missing_codes_read_as_the_codebook_says(attitudes):
    raw = pd.read_csv(ATTITUDES[0], dtype=str, keep_default_na=False)
    # every cell by hand: words -> codes; "", "NA" (defaults) and "-9" (the study's) -> missing
    expected = raw.assign(code=raw["answer"].map(WORDS))
    assert set(raw["answer"]) == {"no", "perhaps", "yes", "", "NA", "-9"}
    wide = expected.pivot(index=["id", "time"], columns="question", values="code")
    data = attitudes.data.set_index(["respondent", "wave"])
    for item in [f"att{j}" for j in range(1, 7)]:
        ours = data[item].rename_axis(["id", "time"])
        np.testing.assert_array_equal(
            ours.sort_index().to_numpy(), wide[item].reindex(ours.sort_index().index).to_numpy()
        )


def test_an_item_can_be_in_a_total_and_a_subscale(attitudes):
    scores = attitudes.scores()
    core = attitudes.items("attitude_core").to_numpy()
    answered = np.isfinite(core).sum(1)
    expected = np.where(answered >= 3 * 0.8, np.nanmean(core, 1), np.nan)
    np.testing.assert_allclose(scores["attitude_core"], expected)
    assert scores["attitude"].notna().sum() > scores["attitude_core"].notna().sum() * 0.9
    # the same item with other answer codes in two scales is refused, naming both
    text = (
        ATTITUDES[1]
        .read_text(encoding="utf-8")
        .replace(
            'items = ["att1", "att2", "att3"]\nlow = 1\nhigh = 3',
            'items = ["att1", "att2", "att3"]\nlow = 0\nhigh = 3',
        )
    )
    with pytest.raises(SurveyError, match="'attitude' and 'attitude_core' with different"):
        parse_codebook(tomllib.loads(text), source="codebook.toml")


def test_alpha_equals_pingouin_on_the_long_file(attitudes):
    for scale in ("attitude", "attitude_core"):
        for wave in attitudes.waves:
            items = attitudes.items(scale)[(attitudes.data["wave"] == wave).to_numpy()]
            ours = cronbach_alpha(items)[0]
            assert ours == pytest.approx(pingouin.cronbach_alpha(items)[0], abs=1e-9)


def _pairwise_ml_omega(items: np.ndarray) -> float:
    """Independent reference: one-factor ML fit to the pairwise correlation matrix by hand
    (minimise log|Σ| + tr(R Σ⁻¹) with Σ = λλᵀ + diag(1 − λ²))."""
    corr = pd.DataFrame(items).corr().to_numpy()

    def discrepancy(loadings: np.ndarray) -> float:
        sigma = np.outer(loadings, loadings)
        np.fill_diagonal(sigma, 1.0)
        sign, logdet = np.linalg.slogdet(sigma)
        return np.inf if sign <= 0 else logdet + np.trace(corr @ np.linalg.inv(sigma))

    fit = optimize.minimize(
        discrepancy, np.full(len(corr), 0.5), bounds=[(-0.999, 0.999)] * len(corr)
    )
    loadings = fit.x
    return loadings.sum() ** 2 / (loadings.sum() ** 2 + (1 - loadings**2).sum())


def test_omega_with_answers_missing_at_random():
    rng = np.random.default_rng(7)
    n, loadings = 316, np.array([0.8, 0.75, 0.7, 0.7, 0.65, 0.6, 0.6, 0.55])
    latent = rng.standard_normal(n)
    full = latent[:, None] * loadings + rng.standard_normal((n, 8)) * np.sqrt(1 - loadings**2)
    holes = full.copy()
    holes[rng.random(holes.shape) < 0.10] = np.nan
    complete_rows = int(np.isfinite(holes).all(1).sum())
    assert complete_rows < 0.5 * n  # listwise would throw most respondents away
    ours = mcdonald_omega(holes)
    assert ours == pytest.approx(_pairwise_ml_omega(holes), abs=0.01)
    assert ours == pytest.approx(mcdonald_omega(full), abs=0.02)
    # the bootstrap interval is reproducible and holds the estimate
    low, high = omega_interval(holes, draws=60, rng=3)
    assert (low, high) == omega_interval(holes, draws=60, rng=3)
    assert low < ours < high and high - low < 0.1


def test_reliability_table_reports_omega_n_and_interval(attitudes):
    table = reliability_table(attitudes, n_resamples=40).set_index(["scale", "wave"])
    row = table.loc[("attitude", "T1")]
    part = attitudes.items("attitude")[(attitudes.data["wave"] == "T1").to_numpy()].to_numpy()
    assert row["omega_n"] == int((np.isfinite(part).sum(1) >= 2).sum())
    assert row["omega_n"] > int(np.isfinite(part).all(1).sum())  # more than complete cases
    assert row["omega_low"] < row["omega"] < row["omega_high"]
    assert row["note"] == ""


def test_single_item_scale_reliability_is_not_applicable(capsys):
    survey = load_survey(*OUTCOME)
    table = reliability_table(survey, n_resamples=0)
    assert table["alpha"].isna().all() and table["omega"].isna().all()
    assert table["note"].str.startswith("single item").all()
    assert main(["survey", str(OUTCOME[0]), "--codebook", str(OUTCOME[1])]) == 0
    out = capsys.readouterr().out
    assert "n/a" in out and "single item: internal-consistency reliability does not apply" in out
    assert "1.000" not in out


def test_a_duplicated_column_is_noted():
    book = Codebook.model_validate(
        {
            "survey": {"respondent": "id"},
            "scales": {"s": {"items": ["q", "q_copy"], "low": 1, "high": 5}},
        }
    )
    answers = [3, 4, 2, 5, 1, 4, 3]
    frame = pd.DataFrame(
        {"id": [f"r{i}" for i in range(7)], "q": answers, "q_copy": answers}
    ).astype(str)
    table = reliability_table(survey_from_frame(frame, book), n_resamples=0)
    assert "identical answers in items q = q_copy" in table.loc[0, "note"]


def test_long_format_errors_name_the_files_own_row(tmp_path):
    raw = pd.read_csv(ATTITUDES[0], dtype=str, keep_default_na=False)
    position = 1000  # file row = position + 2 (header is row 1)
    raw.loc[position, "answer"] = "maybe"
    path = tmp_path / "planted.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(SurveyError) as info:
        load_survey(path, ATTITUDES[1])
    message = str(info.value)
    item = raw.loc[position, "question"]
    assert f"row {position + 2}: column 'answer': answer 'maybe' (item {item!r})" in message
    assert "'no', 'perhaps', 'yes'" in message


def test_a_custom_missing_code_extends_the_defaults(tmp_path):
    book = load_codebook(ATTITUDES[1])
    assert {"", "NA", "-9"} <= set(book.scoring.missing)
    # without "-9" declared, that cell is an error that says where to declare it
    text = ATTITUDES[1].read_text(encoding="utf-8").replace('missing = ["-9"]', "missing = []")
    other = tmp_path / "codebook.toml"
    other.write_text(text, encoding="utf-8")
    with pytest.raises(SurveyError, match=r"answer '-9' .*\[scoring\] missing"):
        load_survey(ATTITUDES[0], other)


def test_problem_counts_agree(tmp_path):
    raw = pd.read_csv(ATTITUDES[0], dtype=str, keep_default_na=False)
    raw.loc[:59, "answer"] = "7"
    path = tmp_path / "many.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(SurveyError) as info:
        load_survey(path, ATTITUDES[1])
    error = info.value
    assert error.total == 60
    assert str(error).endswith("[+59 more problems]")
    assert len(error.problems) == 51
    assert error.problems[-1].endswith("... and 10 more problems (of 60) not listed")


def test_time_varying_group_columns_are_declared_per_wave():
    frame = pd.DataFrame(
        {
            "id": ["a", "a", "b", "b", "c", "c"],
            "wave": ["w1", "w2"] * 3,
            "year": ["9", "10", "9", "10", "10", "11"],
            "q1": ["1", "2", "3", "4", "2", "3"],
            "q2": ["2", "2", "3", "5", "2", "4"],
        }
    )
    spec = {
        "survey": {"respondent": "id", "wave": "wave"},
        "scales": {"s": {"items": ["q1", "q2"]}},
        "groups": {"columns": ["year"]},
    }
    with pytest.raises(SurveyError, match="a group must not change between waves"):
        survey_from_frame(frame, Codebook.model_validate(spec))
    spec["groups"]["time_varying"] = ["year"]
    survey = survey_from_frame(frame, Codebook.model_validate(spec))
    means = survey.group_means().set_index(["wave", "attribute", "group"])
    assert means.loc[("w2", "year", "10"), "n"] == 2  # a and b were in year 10 at wave 2
    assert means.loc[("w1", "year", "10"), "n"] == 1


def test_survey_command_prints_what_its_help_promises(capsys):
    assert main(["survey", str(ATTITUDES[0]), "--codebook", str(ATTITUDES[1])]) == 0
    out = capsys.readouterr().out
    for heading in ("Reliability", "Item statistics", "Group means", "Group gaps"):
        assert heading in out
    assert "omega [95% CI]" in out


def test_a_treatment_arm_declares_who_took_part(tmp_path):
    survey = load_survey(*OUTCOME)
    arm = survey.data["arm"] == "treatment"
    np.testing.assert_array_equal(survey.data["participated"].to_numpy(bool), arm.to_numpy())
    assert survey.participants().respondents == 45
    # a value list that matches nothing is refused, naming what the column holds
    text = OUTCOME[1].read_text(encoding="utf-8").replace('["treatment"]', '["mentored"]')
    other = tmp_path / "codebook.toml"
    other.write_text(text, encoding="utf-8")
    with pytest.raises(SurveyError, match="values found: control, treatment"):
        load_survey(OUTCOME[0], other)
