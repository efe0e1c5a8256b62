"""Survey calibration on files shaped like public Likert data (tests/data/likert), not our own.

The first wave matches without the scenario's group columns; a one-wave survey informs no
parameter; a survey the model cannot fit says so on the first line; ``calibrate --out``
works when survey groups and scenario attributes do not overlap.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench
from workbench.calibration import calibrate, survey_target
from workbench.cli import main
from workbench.survey import load_codebook, load_survey, survey_from_frame

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "likert"
ATTITUDES = (DATA / "attitudes_long.csv", DATA / "attitudes_codebook.toml")
OUTCOME = (DATA / "outcome_long.csv", DATA / "outcome_codebook.toml")
SCENARIO = ROOT / "scenarios" / "baseline.toml"


@pytest.fixture(scope="module")
def scenario():
    return workbench.load_scenario(SCENARIO)


def _raw(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.mark.parametrize("files", [ATTITUDES, OUTCOME], ids=["3-level text items", "one item"])
def test_simulated_first_wave_matches_without_the_scenarios_groups(scenario, files):
    survey = load_survey(*files)
    target = survey_target(scenario, survey)
    assert target.info["anchored"]
    assert target.info["groups"] == []  # gender / arm are not scenario attributes
    # the scenario's starting shifts for first_gen, disability, language do not apply ...
    effects = target.info["scenario"].cohort.group_effects
    assert effects and all(e.belonging == 0 and e.confidence == 0 for e in effects)
    # ... but their barrier odds (who can take part) do
    assert {e.barrier_odds for e in effects} == {1.8, 1.5, 1.0}
    first = target.names.index(f"{next(iter(survey.codebook.scales))}|{survey.waves[0]}|all")
    runs = np.array([target.simulate({}, seed)[first] for seed in range(8)])
    se = np.sqrt(target.covariance[first, first])
    # matched by construction: within the observed mean's standard error
    assert abs(runs.mean() - target.observed[first]) < se
    # with the scenario's shifts applied on top it would not be (0.06 on the 0-1 scale)
    spec = survey.codebook.scales[next(iter(survey.codebook.scales))]
    shift = (0.35 * 0.08 + 0.15 * 0.10 + 0.3 * 0.05) * (spec.high - spec.low)
    assert shift > se


def test_single_item_measurement_model_states_its_assumption(scenario):
    survey = load_survey(*OUTCOME)
    target = survey_target(scenario, survey)
    fit = target.info["measurement"].scales_["belong"]
    assert fit.reliability_assumed and fit.reliability == pytest.approx(0.7)
    # the anchor holds: a simulated student at theta answers low + theta (high - low) on average
    model = target.info["measurement"]
    assert model.expected_score("belong", np.array([0.25, 0.5, 0.75])) == pytest.approx(
        [2.0, 3.0, 4.0], abs=0.02
    )


@pytest.mark.parametrize(
    ("files", "wave", "rng"),
    [(ATTITUDES, "T1", 0), (ATTITUDES, "T1", 3), (OUTCOME, "w0", 1)],
    ids=["3-level", "3-level, noisy emulator", "one item, noisy emulator"],
)
def test_a_one_wave_survey_informs_no_parameter(scenario, files, wave, rng):
    book = load_codebook(files[1])
    one_wave = book.model_copy(update={"waves": {wave: 0}})
    raw = _raw(files[0])
    survey = survey_from_frame(raw[raw[book.survey.wave] == wave], one_wave, source="one wave")
    # these seeds give emulators that mistake seed noise for effects of up to 1.3 noise sd;
    # the test on the runs themselves keeps them from being reported as informed
    result = calibrate(scenario, survey=survey, budget=100, waves=2, progress=False, rng=rng)
    assert not result.intervals["informed"].any()
    assert result.report().startswith("No parameter is informed by these data")
    # the posterior is the prior: 90% intervals span ~90% of every range
    assert (result.intervals["width_share"] > 0.8).all()


def _misfit_file(tmp_path: Path) -> tuple[Path, Path]:
    """Everyone answers at the top of the scale four weeks in: no mentoring does that."""
    raw = _raw(ATTITUDES[0])
    second = raw["time"] == "T2"
    raw.loc[second, "answer"] = np.where(raw.loc[second, "question"] == "att6", "no", "yes")
    survey = tmp_path / "misfit.csv"
    raw.to_csv(survey, index=False)
    codebook = tmp_path / "misfit.toml"
    codebook.write_text(
        ATTITUDES[1].read_text(encoding="utf-8").replace("T2 = 20", "T2 = 4"), encoding="utf-8"
    )
    return survey, codebook


def test_a_survey_the_model_cannot_fit_says_so_first(scenario, tmp_path):
    survey = load_survey(*_misfit_file(tmp_path))
    # the least budget a one-wave fit takes: no parameter value comes near these data anyway
    result = calibrate(scenario, survey=survey, budget=30, waves=1, progress=False)
    assert not result.fits
    first = result.report().splitlines()[0]
    assert first.startswith("The model does not fit these data:")
    assert "acceptance 0.000" in first
    assert not result.intervals["reliable"].any()
    miss = result.misses().iloc[0]
    assert miss["summary"] == "attitude|T2|all" and miss["observed"] == pytest.approx(3.0)
    assert repr(result).startswith("<CalibrationResult: The model does not fit these data")


def test_calibrate_out_when_groups_do_not_overlap(tmp_path, capsys):
    out = tmp_path / "fit"
    code = main(
        [
            "calibrate",
            str(SCENARIO),
            str(ATTITUDES[0]),
            "--codebook",
            str(ATTITUDES[1]),
            "--budget",
            "30",  # the least a one-wave fit takes: this checks the files, not the fit
            "--waves",
            "1",
            "--quiet",
            "--out",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "group columns not in the scenario: ['gender']" in captured.err
    gaps = pd.read_csv(out / "compare_gaps.csv")
    assert len(gaps) == 4 and gaps["gap_simulated"].isna().all()  # not simulated: no crash
    assert {"report.txt", "intervals.csv", "gaps.png", "posterior.png"} <= {
        p.name for p in out.iterdir()
    }


def test_calibrate_cli_misfit_first_line_and_one_line_errors(tmp_path, capsys):
    survey, codebook = _misfit_file(tmp_path)
    args = ["calibrate", str(SCENARIO), str(survey), "--codebook", str(codebook)]
    assert main([*args, "--budget", "30", "--waves", "1", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("calibrating")  # status on stderr
    assert captured.out.startswith("The model does not fit these data:")  # the result's 1st line
    # bad input: one line, exit 2, nothing written
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("x", encoding="utf-8")
    assert main([*args, "--budget", "30", "--waves", "1", "--out", str(user)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "did not write" in err
    assert [p.name for p in user.iterdir()] == ["notes.txt"]
    bad = tmp_path / "bad.csv"
    bad.write_text(survey.read_text(encoding="utf-8").replace(",yes,", ",maybe,", 1))
    assert main([*args[:2], str(bad), *args[3:], "--budget", "30", "--waves", "1"]) == 2
    err = capsys.readouterr().err
    assert "column 'answer'" in err and "maybe" in err
    no_latent = tmp_path / "no_latent.toml"
    no_latent.write_text(codebook.read_text().replace('latent = "belonging"', ""))
    assert main([*args[:4], str(no_latent), "--budget", "30", "--waves", "1"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "no scale names a latent" in err
