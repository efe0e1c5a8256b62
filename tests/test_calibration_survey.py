"""Survey calibration target and the command-line tools, on the synthetic example."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import workbench
from workbench.calibration import Parameter, calibrate, simulate_survey_for, survey_target
from workbench.cli import main
from workbench.errors import WorkbenchError

ROOT = Path(__file__).resolve().parents[1]
SURVEY = ROOT / "examples" / "survey_synthetic.csv"
CODEBOOK = ROOT / "examples" / "codebook_synthetic.toml"
SCENARIO = ROOT / "scenarios" / "baseline.toml"


@pytest.fixture(scope="module")
def target():
    survey = workbench.load_survey(SURVEY, CODEBOOK)
    return survey_target(workbench.load_scenario(SCENARIO), survey)


def test_target_summaries(target):
    # per scale x wave: the overall mean and one gap per binary group column
    assert len(target.names) == 16
    assert target.names[:2] == ["belonging|pre|all", "belonging|pre|gap first_gen: no - yes"]
    assert target.info["participants_only"]
    assert target.info["scenario"].cohort.size == target.info["respondents"]
    eigenvalues = np.linalg.eigvalsh(target.covariance)
    assert eigenvalues.min() > 0
    # the pre-wave anchor: the simulated cohort starts where the surveyed one did
    runs = np.array([target.simulate({}, seed) for seed in range(4)])
    pre = [i for i, n in enumerate(target.names) if "|pre|all" in n]
    np.testing.assert_allclose(runs[:, pre].mean(0), target.observed[pre], atol=0.15)


def test_the_bootstrap_count_is_n_resamples_and_bootstrap_still_works(target):
    survey = workbench.load_survey(SURVEY, CODEBOOK)
    scenario = workbench.load_scenario(SCENARIO)
    new = survey_target(scenario, survey, n_resamples=60)
    with pytest.warns(DeprecationWarning, match=r"survey_target\(bootstrap=.*n_resamples="):
        old = survey_target(scenario, survey, bootstrap=60)
    np.testing.assert_array_equal(new.covariance, old.covariance)
    # the count is used: the fixture's default 500 resamples (same rng) give another covariance
    assert not np.array_equal(new.covariance, target.covariance)


def test_target_is_reproducible(target):
    params = {"dynamics.drift": 0.05}
    np.testing.assert_array_equal(target.simulate(params, 11), target.simulate(params, 11))
    assert not np.array_equal(target.simulate(params, 11), target.simulate(params, 12))


def test_simulated_survey_has_program_columns(target):
    simulated = simulate_survey_for(target, {}, seed=2)
    assert simulated.waves == ["pre", "post"]
    assert {"participated", "pair_id", "sessions_attended"} <= set(simulated.data.columns)
    assert simulated.scores()["belonging"].notna().mean() > 0.95


def test_small_calibration_runs(target):
    result = calibrate(
        target,
        [Parameter("dynamics.belonging_gain", 0.0, 0.06)],
        budget=60,
        waves=1,
        seeds_per_point=2,
        progress=False,
    )
    assert result.diagnostics["runs"] == 60
    assert result.diagnostics["noise"] == "simulator"
    interval = result.intervals.iloc[0]
    assert 0.0 <= interval["q05"] < interval["q95"] <= 0.06


def test_calibrate_needs_a_survey_for_a_scenario():
    with pytest.raises(WorkbenchError, match="survey="):
        calibrate(workbench.load_scenario(SCENARIO))


def test_survey_command(tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["survey", str(SURVEY), "--codebook", str(CODEBOOK), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "300 respondents" in text and "Reliability" in text
    assert {p.name for p in out.iterdir()} >= {"reliability.csv", "group_gaps.csv", "gaps.png"}


def test_survey_command_bad_file_lists_problems_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    text = SURVEY.read_text().splitlines()
    fields = text[1].split(",")
    fields[8] = "9"  # belong_01 out of range
    fields[9] = "x"
    text[1] = ",".join(fields)
    bad.write_text("\n".join(text) + "\n")
    out = tmp_path / "report"
    assert main(["survey", str(bad), "--codebook", str(CODEBOOK), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert "row 2: column 'belong_02'" in lines[0]
    assert "error:" in lines[1] and "row 2: column 'belong_01'" in lines[1]
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--param", "dynamics.no_such=0:1"], "no setting"),
        (["--param", "dynamics.drift=0:9"], "dynamics.drift"),
        (["--param", "dynamics.drift"], "NAME=LOW:HIGH"),
        (["--budget", "20"], "raise --budget"),
    ],
)
def test_calibrate_command_refuses_bad_input_and_writes_nothing(tmp_path, capsys, extra, expected):
    out = tmp_path / "fit"
    argv = ["calibrate", str(SCENARIO), str(SURVEY), "--codebook", str(CODEBOOK)]
    assert main([*argv, "--out", str(out), "--quiet", *extra]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_calibrate_command_without_waves_in_codebook(tmp_path, capsys):
    book = tmp_path / "codebook.toml"
    text = CODEBOOK.read_text()
    start, end = text.index("[waves]"), text.index("[scoring]")
    book.write_text(text[:start] + text[end:])
    argv = ["calibrate", str(SCENARIO), str(SURVEY), "--codebook", str(book), "--quiet"]
    assert main([*argv, "--out", str(tmp_path / "fit")]) == 2
    assert "[waves]" in capsys.readouterr().err
    assert not (tmp_path / "fit").exists()


def test_calibrate_command_writes_report_and_plots(tmp_path, capsys):
    out = tmp_path / "fit"
    argv = ["calibrate", str(SCENARIO), str(SURVEY), "--codebook", str(CODEBOOK)]
    options = ["--param", "dynamics.belonging_gain=0:0.06", "--budget", "60", "--waves", "1"]
    assert main([*argv, *options, "--holdout", "disability", "--out", str(out), "--quiet"]) == 0
    assert "Posterior" in capsys.readouterr().out
    names = {p.name for p in out.iterdir()}
    assert {
        "samples.csv",
        "intervals.csv",
        "checks.csv",
        "diagnostics.json",
        "posterior.png",
        "predictive_checks.png",
        "means.png",
        "categories.png",
        "gaps.png",
        "compare_regression.csv",
        "report.txt",
    } <= names
    import pandas as pd

    checks = pd.read_csv(out / "checks.csv")
    held = checks["summary"].str.contains("disability")
    assert held.sum() == 4 and checks.loc[held, "held_out"].all()
    shutil.rmtree(out)


def test_mid_program_wave_matches_the_full_run():
    """A wave at week 10 cuts the run short there; its latent levels equal the full run's."""
    from workbench.calibration.survey_target import latent_waves

    scenario = workbench.load_scenario(SCENARIO).with_overrides({"cohort.size": 80})
    table = latent_waves(
        scenario, {"pre": 0, "mid": 10, "post": 36}, ["belonging", "confidence"], [], seed=4
    )
    full = workbench.simulation.simulate(scenario, rng=4)
    for wave, week in (("pre", 0), ("mid", 10), ("post", 36)):
        part = table[table["wave"] == wave]
        for trait in ("belonging", "confidence"):
            expected = full.value(trait, week=week)
            assert part[trait].mean() == pytest.approx(expected, abs=1e-12), (wave, trait)
