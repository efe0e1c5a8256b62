"""Calibration on cheap models with known answers: recovery, identifiability, reproducibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.calibration import Parameter, Target, calibrate, parse_parameter
from workbench.errors import WorkbenchError

NOISE = 0.03


def toy_simulate(params: dict, seed: int) -> np.ndarray:
    """Known nonlinear model: c has no effect on any summary."""
    a, b = params["a"], params["b"]
    rng = np.random.default_rng(seed)
    return np.array([a + b, 2 * a * b, np.sin(3 * a), b**2, 0.3 * a + 0.1]) + rng.normal(
        0, NOISE, 5
    )


def toy_target(truth: dict, seed: int) -> Target:
    return Target(
        toy_simulate,
        observed=toy_simulate(truth, seed),
        covariance=np.eye(5) * NOISE**2,
        names=["sum", "product", "sine", "square", "linear"],
    )


PARAMETERS = [Parameter("a", 0, 1), Parameter("b", 0, 1), Parameter("c", 0, 1)]


def test_parameter_recovery_on_a_known_model():
    """90% intervals cover the truth in most trials; an inert parameter stays unknown."""
    covered, intervals_seen = 0, 0
    for trial in range(6):
        rng = np.random.default_rng(100 + trial)
        truth = {"a": rng.uniform(0.2, 0.8), "b": rng.uniform(0.2, 0.8), "c": 0.5}
        result = calibrate(
            toy_target(truth, seed=trial),
            PARAMETERS,
            budget=180,
            waves=2,
            rng=trial,
            progress=False,
        )
        intervals = result.intervals.set_index("parameter")
        for name in ("a", "b"):
            intervals_seen += 1
            covered += intervals.loc[name, "q05"] <= truth[name] <= intervals.loc[name, "q95"]
            assert intervals.loc[name, "width_share"] < 0.3, name
            assert intervals.loc[name, "identified"]
        # c does nothing: reported as not informed, its posterior is its prior
        assert intervals.loc["c", "width_share"] > 0.75
        assert not intervals.loc["c", "identified"]
        assert not intervals.loc["c", "informed"]
        assert intervals.loc["c", "effect_sd"] < 0.5
        assert intervals.loc["a", "informed"] and intervals.loc["b", "informed"]
        assert any("c is not informed by these data" in w for w in result.warnings)
        assert result.fits
        assert "Not informed by these data (posterior = prior): c" in result.report()
        assert result.diagnostics["runs"] == 180
        assert result.diagnostics["ess"] > 200
    # binomial(12, 0.9): fewer than 9 covered happens with probability < 3%
    assert covered >= 9, f"{covered}/{intervals_seen} intervals covered the truth"


def test_held_out_summaries_are_predicted_not_fitted():
    target = toy_target({"a": 0.4, "b": 0.6, "c": 0.1}, seed=5)
    result = calibrate(
        target, PARAMETERS, budget=150, waves=2, holdout=["square"], rng=1, progress=False
    )
    held = result.checks.set_index("summary")["held_out"]
    assert held["square"] and not held["sum"]
    assert result.diagnostics["held_out_summaries"] == ["square"]
    assert abs(result.checks.set_index("summary").loc["square", "z"]) < 3


def test_an_impossible_target_is_flagged():
    target = Target(
        lambda p, seed: np.array([p["a"], p["a"]]) + np.random.default_rng(seed).normal(0, 0.01, 2),
        observed=np.array([0.1, 0.9]),
        covariance=np.eye(2) * 0.01**2,
        names=["x", "y"],
    )
    result = calibrate(target, [Parameter("a", 0, 1)], budget=100, waves=2, progress=False)
    assert any("may not reproduce these data" in w for w in result.warnings)
    # said first, everywhere: report, repr, card; intervals marked unreliable; misses listed
    assert not result.fits
    assert result.report().startswith("The model does not fit these data:")
    assert "UNRELIABLE" in result.report()
    assert repr(result).startswith("<CalibrationResult: The model does not fit these data")
    assert not result.intervals["reliable"].any()
    assert result.intervals.loc[0, "status"].startswith("unreliable")
    assert set(result.misses()["summary"]) == {"x", "y"}
    assert "observed 0.1, predicted" in result.report()
    card = result._repr_html_()
    assert card.index("The model does not fit these data") < card.index("posterior")


def test_a_posterior_piled_at_a_bound_is_flagged():
    """The data want a > 1: the posterior piles at the upper bound and says so."""
    target = Target(
        lambda p, seed: (
            np.array([p["a"], 2 * p["b"]]) + np.random.default_rng(seed).normal(0, 0.05, 2)
        ),
        observed=np.array([1.02, 1.0]),
        covariance=np.eye(2) * 0.05**2,
        names=["x", "y"],
    )
    result = calibrate(
        target, [Parameter("a", 0, 1), Parameter("b", 0, 1)], budget=120, waves=2, progress=False
    )
    intervals = result.intervals.set_index("parameter")
    assert intervals.loc["a", "edge"] == "high"
    assert intervals.loc["b", "edge"] == ""
    assert "a is at the edge of its range (high end of [0, 1])" in result.report()


def test_old_argument_names_still_work_with_a_warning():
    """seed -> rng, samples -> n_samples, n_jobs -> workers: same result, a warning each."""
    target = toy_target({"a": 0.4, "b": 0.6, "c": 0.1}, seed=5)
    run = {"budget": 60, "waves": 1, "progress": False}
    new = calibrate(target, PARAMETERS[:2], rng=2, n_samples=500, workers=1, **run)
    assert len(new.samples) == 500
    with pytest.warns(DeprecationWarning) as caught:
        old = calibrate(target, PARAMETERS[:2], seed=2, samples=500, n_jobs=1, **run)
    assert old.samples.equals(new.samples)
    messages = sorted(str(w.message) for w in caught)
    assert [m.split(" is deprecated")[0] for m in messages] == [
        "calibrate(n_jobs=...)",
        "calibrate(samples=...)",
        "calibrate(seed=...)",
    ]
    assert all(w.filename == __file__ for w in caught)  # points at the caller
    with (
        pytest.raises(WorkbenchError, match="either samples or n_samples"),
        pytest.warns(DeprecationWarning),
    ):
        calibrate(target, PARAMETERS[:2], samples=500, n_samples=300, **run)
    with pytest.raises(WorkbenchError, match="workers=0"):
        calibrate(target, PARAMETERS[:2], workers=0, **run)


def test_any_rng_the_seeding_rule_allows_works():
    """A Generator, a SeedSequence and a 63-bit int seed the fit (scikit-learn's GP only takes
    32-bit seeds: the emulator folds larger ones), reproducibly."""
    target = toy_target({"a": 0.4, "b": 0.6, "c": 0.1}, seed=5)
    run = {"budget": 60, "waves": 1, "progress": False}
    for rng in (lambda: np.random.default_rng(9), lambda: np.random.SeedSequence(9), lambda: 2**62):
        first = calibrate(target, PARAMETERS[:2], rng=rng(), **run)
        again = calibrate(target, PARAMETERS[:2], rng=rng(), **run)
        assert first.samples.equals(again.samples)
        assert first.diagnostics["seed"] == again.diagnostics["seed"] >= 0


def test_result_saves_tables(tmp_path):
    target = toy_target({"a": 0.4, "b": 0.6, "c": 0.1}, seed=5)
    result = calibrate(target, PARAMETERS[:2], budget=100, waves=1, progress=False)
    paths = result.save(tmp_path / "fit")
    assert {p.name for p in paths} >= {"samples.csv", "intervals.csv", "diagnostics.json"}
    assert "Posterior" in result.report()


def test_bad_requests():
    with pytest.raises(WorkbenchError, match="low < high"):
        Parameter("a", 1, 0)
    with pytest.raises(WorkbenchError, match="NAME=LOW:HIGH"):
        parse_parameter("dynamics.drift")
    target = toy_target({"a": 0.4, "b": 0.6, "c": 0.1}, seed=5)
    with pytest.raises(WorkbenchError, match="raise --budget"):
        calibrate(target, PARAMETERS, budget=30, progress=False)
    assert parse_parameter("dynamics.drift=0:0.1") == Parameter("dynamics.drift", 0.0, 0.1)


def test_parallel_runs_give_the_serial_result():
    target = toy_target({"a": 0.4, "b": 0.6, "c": 0.1}, seed=5)
    serial = calibrate(target, PARAMETERS[:2], budget=60, waves=1, rng=2, progress=False)
    parallel = calibrate(
        target, PARAMETERS[:2], budget=60, waves=1, rng=2, progress=False, workers=2
    )
    assert serial.design.equals(parallel.design)
    assert serial.samples.equals(parallel.samples)


def test_poor_predictive_coverage_alone_means_no_fit():
    """Acceptance can be positive while most summaries miss: that is a misfit too."""
    from workbench.calibration.core import _misfit

    checks = pd.DataFrame(
        {
            "summary": ["a", "b", "c", "d"],
            "z": [0.5, 2.5, -2.2, 3.0],
            "inside90": [True, False, False, False],
            "held_out": [False] * 4,
        }
    )
    reasons = _misfit(checks, acceptance=0.2, no_match_waves=[], waves=3)
    assert reasons == [
        "only 1 of 4 fitted summaries (25%) lie inside their 90% predictive interval"
    ]
    checks["inside90"] = [True, True, True, False]
    checks.loc[3, "z"] = -5.0
    assert "worst: d, z = -5.0" in _misfit(checks, 0.2, [], 3)[0]
    checks.loc[3, "z"] = 2.0
    assert _misfit(checks, 0.2, [], 3) == []
    # a held-out miss is a finding about the prediction, not a failure to fit
    checks["held_out"] = [False, False, False, True]
    checks.loc[3, "z"] = 9.0
    assert _misfit(checks, 0.2, [], 3) == []


def test_dependence_test_on_the_design_runs():
    from workbench.calibration.core import _dependence_p

    rng = np.random.default_rng(0)
    x = rng.random((40, 3))
    noise = rng.normal(0, 0.1, (40, 2))
    # summary 0 rises and falls with parameter 0 (not monotone); summary 1 is pure noise
    y = np.column_stack([np.sin(3 * x[:, 0]), np.zeros(40)]) + noise
    p = _dependence_p(x, y)
    assert p[0] < 1e-6 and p[1] > 0.01 and p[2] > 0.01
    # noiseless: an exact dependence is certain, a constant summary is no evidence
    exact = _dependence_p(x, np.column_stack([(x[:, 1] - 0.5) ** 2, np.ones(40)]))
    assert exact[1] < 1e-12 and exact[0] > 0.01 and exact[2] > 0.01


def test_emulator_randomness_is_rng_and_random_state_still_works():
    from workbench.calibration import Emulator

    rng = np.random.default_rng(0)
    x = rng.random((30, 2))
    y = np.column_stack([x[:, 0] ** 2, np.sin(3 * x[:, 1])])
    new = Emulator(restarts=1, rng=4).fit(x, y).predict(x[:5])
    with pytest.warns(DeprecationWarning, match=r"Emulator\(random_state=.*use rng="):
        old = Emulator(restarts=1, random_state=4)
    for a, b in zip(new, old.fit(x, y).predict(x[:5]), strict=True):
        np.testing.assert_array_equal(a, b)
    # a seed scikit-learn cannot take directly is folded into one it can, the same each time
    big = [Emulator(restarts=1, rng=2**40).fit(x, y).predict(x[:5])[0] for _ in range(2)]
    np.testing.assert_array_equal(*big)
