"""Validation machinery on synthetic inputs: check roles, magnitude vs direction checks, the
simulated interval and its verdict, reports by role, and the held-out list calibration reads.

No simulation here (fast); the simulated cases are tested by behaviour in test_validation.py.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from workbench.validation import CaseFileError, load_cases
from workbench.validation.cases import ROLES, Case, Check
from workbench.validation.report import console_table, markdown_report, verdict_line
from workbench.validation.runner import ValidationResult, judge
from workbench.validation.verdicts import combine, interval_verdict, mean_interval

CASES = Path("workbench/validation/cases.toml")


@pytest.fixture(scope="module")
def book():
    return load_cases()


def _check(**changes) -> Check:
    fields = dict(
        id="x",
        label="x",
        role="held_out",
        statistic="early_closure_share",
        arms={"treated": "program"},
        published="p",
        target=0.4,
        low=0.3,
        high=0.5,
        sd=0.04,
    )
    fields.update(changes)
    return Check(**fields)


# --- the case file ------------------------------------------------------------------


def test_every_check_has_a_role_and_a_kind(book) -> None:
    for case, check in book.checks():
        assert check.role in ROLES, (case.id, check.id)
        if check.kind == "direction":
            assert check.direction_only.strip() and check.target is None
            assert (check.low is None) != (check.high is None)
        else:
            assert check.low <= check.target <= check.high
    assert book.checks("calibration") and book.checks("held_out")
    assert len(book.checks("calibration")) + len(book.checks("held_out")) == len(book.checks())


def test_the_cross_age_size_stays_held_out_and_new_cases_are_held_out(book) -> None:
    held = book.held_out()
    assert "cross_age_supervision.g_high_supervision" in held
    for case in (
        "best_practices",
        "training_longevity",
        "ongoing_support",
        "closure_risk",
        "same_identity_mentor",
    ):
        ids = [c.id for c in book.cases]
        assert book.cases[ids.index(case)].role == "held_out"
    # the calibrated cases keep the role they were fitted with
    assert "overall_effect.g" not in held and "early_closure.closure_share" not in held


def test_every_held_out_case_cites_full_references(book) -> None:
    for case in book.cases:
        if case.role != "held_out":
            continue
        for source in case.sources:
            # authors (year). title. journal, volume(issue), pages.
            assert "(" in source and ")." in source and "," in source, source
            assert any(ch.isdigit() for ch in source.split(")")[-1]), source


def test_a_check_without_role_is_refused_naming_the_key(tmp_path: Path) -> None:
    text = CASES.read_text(encoding="utf-8")
    bad = tmp_path / "cases.toml"
    bad.write_text(text.replace('\nrole = "calibration"\n', "\n", 1))
    with pytest.raises(CaseFileError, match=r"cases\.0\.checks\.0\.role"):
        load_cases(bad)
    bad.write_text(text.replace('\nrole = "calibration"', '\nrole = "fitted"', 1))
    with pytest.raises(CaseFileError, match=r"cases\.0\.checks\.0\.role"):
        load_cases(bad)


def test_magnitude_and_direction_checks_are_consistent() -> None:
    with pytest.raises(ValueError, match="magnitude check gives target, low and high"):
        _check(target=None)
    with pytest.raises(ValueError, match="magnitude check"):
        _check(high=None)
    with pytest.raises(ValueError, match="low <= target <= high"):
        _check(target=0.6)
    with pytest.raises(ValueError, match="one bound"):
        _check(direction_only="only a sign is published", target=None)
    with pytest.raises(ValueError, match="no target"):
        _check(direction_only="only a sign is published", high=None)
    with pytest.raises(ValueError, match="say why"):
        _check(direction_only="  ", target=None, high=None)
    ok = _check(direction_only="only a sign is published", target=None, high=None)
    assert ok.kind == "direction" and _check().kind == "magnitude"


# --- the simulated interval and the verdict ------------------------------------------

samples = st.lists(
    st.floats(-5, 5, allow_nan=False, allow_subnormal=False), min_size=2, max_size=40
)


@settings(max_examples=80, deadline=None)
@given(samples)
def test_mean_interval_is_scipys_t_interval(values: list[float]) -> None:
    x = np.asarray(values)
    assume(np.std(x) > 1e-6)
    low, high = mean_interval(x)
    reference = stats.ttest_1samp(x, 0.0).confidence_interval(0.95)
    assert low == pytest.approx(reference.low, abs=1e-9)
    assert high == pytest.approx(reference.high, abs=1e-9)
    assert low <= x.mean() <= high


def test_mean_interval_edge_cases() -> None:
    assert mean_interval(np.array([0.3, 0.3, 0.3])) == (0.3, 0.3)
    assert mean_interval(np.array([0.3, np.nan])) == (-math.inf, math.inf)
    low, high = mean_interval(np.array([np.nan]))
    assert math.isnan(low) and math.isnan(high)
    # NaNs are left out, not propagated
    assert mean_interval(np.array([1.0, 2.0, np.nan, 3.0])) == mean_interval(
        np.array([1.0, 2.0, 3.0])
    )


def test_the_interval_narrows_like_one_over_root_n() -> None:
    rng = np.random.default_rng(3)
    draws = rng.normal(0.2, 0.1, 4000)
    width = {n: np.subtract(*mean_interval(draws[:n])[::-1]) for n in (100, 400, 1600)}
    assert width[400] / width[100] == pytest.approx(0.5, rel=0.15)
    assert width[1600] / width[400] == pytest.approx(0.5, rel=0.15)


@given(
    st.floats(-3, 3),
    st.floats(0, 2),
    st.one_of(st.none(), st.floats(-3, 3)),
    st.one_of(st.none(), st.floats(-3, 3)),
)
def test_verdict_words_follow_the_geometry(centre, half, low, high) -> None:
    assume(low is None or high is None or low <= high)
    sim_low, sim_high = centre - half, centre + half
    verdict = interval_verdict(sim_low, sim_high, low, high)
    band_low = -math.inf if low is None else low
    band_high = math.inf if high is None else high
    inside = band_low <= sim_low and sim_high <= band_high
    disjoint = sim_high < band_low or sim_low > band_high
    assert verdict == ("pass" if inside else "miss" if disjoint else "uncertain")


def test_verdicts_on_hand_cases() -> None:
    assert interval_verdict(0.15, 0.25, 0.12, 0.30) == "pass"
    assert interval_verdict(0.25, 0.35, 0.12, 0.30) == "uncertain"  # straddles the top
    assert interval_verdict(0.31, 0.35, 0.12, 0.30) == "miss"
    assert interval_verdict(-0.4, -0.1, None, 0.0) == "pass"  # directional "< 0"
    assert interval_verdict(-0.4, 0.1, None, 0.0) == "uncertain"
    assert interval_verdict(0.05, 0.1, None, 0.0) == "miss"
    assert interval_verdict(math.nan, math.nan, 0.0, None) == "miss"  # never computed
    assert interval_verdict(-math.inf, math.inf, 0.0, 1.0) == "uncertain"  # one replication
    assert combine(["pass", "uncertain", "pass"]) == "uncertain"
    assert combine(["uncertain", "miss"]) == "miss"
    assert combine(["pass"]) == "pass"


# --- judging and reporting by role ----------------------------------------------------


def _synthetic_result() -> tuple[ValidationResult, list[Case]]:
    calibrated = Case(
        id="fitted",
        title="A fitted case",
        finding="f",
        design="d",
        sources=["s"],
        checks=[
            _check(id="a", role="calibration"),  # band 0.3-0.5
            _check(
                id="b",
                role="calibration",
                direction_only="only a sign",
                target=None,
                low=0.0,
                high=None,
            ),
        ],
    )
    held = Case(
        id="held",
        title="A held-out case",
        finding="f",
        design="d",
        sources=["s"],
        checks=[_check(id="c"), _check(id="d")],
    )
    rng = np.random.default_rng(0)
    rows = []
    # a: tight around 0.4 (pass); b: clearly positive (pass);
    # c: straddles 0.5 (uncertain); d: far above the band (miss)
    for check, centre, spread, case in (
        ("a", 0.40, 0.01, "fitted"),
        ("b", 0.50, 0.05, "fitted"),
        ("c", 0.50, 0.05, "held"),
        ("d", 0.90, 0.01, "held"),
    ):
        for k, value in enumerate(rng.normal(centre, spread, 10)):
            rows.append({"case": case, "check": check, "replication": k, "value": value})
    values = pd.DataFrame(rows)
    summary, cases = judge(values, [calibrated, held])
    result = ValidationResult(
        values=values,
        summary=summary,
        cases=cases,
        settings={
            "replications": 10,
            "cohort_size": 100,
            "seed": 1,
            "dynamics": {},
            "runtime_seconds": 0.1,
            "runs": 20,
            "measurement": "latent traits (0-1 scale)",
            "arms": {},
        },
    )
    return result, [calibrated, held]


def test_judge_gives_interval_verdicts_and_roles() -> None:
    result, _ = _synthetic_result()
    verdicts = result.summary.set_index("check")["verdict"].to_dict()
    assert verdicts == {"a": "pass", "b": "pass", "c": "uncertain", "d": "miss"}
    summary = result.summary.set_index("check")
    assert (summary["ci_low"] <= summary["mean"]).all()
    assert (summary["mean"] <= summary["ci_high"]).all()
    # the interval of the mean is narrower than the spread of single replications
    assert (
        (summary["ci_high"] - summary["ci_low"]) < (summary["high_sim"] - summary["low_sim"])
    ).all()
    assert list(result.cases["role"]) == ["calibration", "held_out"]
    assert list(result.cases["verdict"]) == ["pass", "miss"]
    assert not result.ok
    assert result.counts("calibration") == {"pass": 2, "uncertain": 0, "miss": 0, "checks": 2}
    assert result.counts("held_out") == {"pass": 0, "uncertain": 1, "miss": 1, "checks": 2}


def test_reports_show_the_two_groups_apart_with_their_counts() -> None:
    result, cases = _synthetic_result()
    line = verdict_line(result)
    assert "calibration checks: 2 of 2 pass, 0 uncertain, 0 miss" in line
    assert "held-out checks: 0 of 2 pass, 1 uncertain, 1 miss" in line
    text = console_table(result)
    calibration_at = text.index("Calibration checks (used to set the defaults")
    held_at = text.index("Held-out checks (never used in fitting")
    assert calibration_at < held_at
    # each check is listed under its own group
    held_block = text[held_at:]
    calibration_block = text[calibration_at:held_at]
    assert " a " in calibration_block and " d " not in calibration_block
    assert " d " in held_block.split("\n\n")[0]
    book = type("Book", (), {"cases": cases})()
    report = markdown_report(result, book, "workbench validate")
    assert "### Calibration checks (used to set the defaults: in-sample): 2 of 2 pass" in report
    assert "### Held-out checks (never used in fitting: out-of-sample): 0 of 2 pass" in report
    assert "Direction only: only a sign" in report


# --- the calibration script reads the roles -------------------------------------------


def _calibration_script():
    spec = importlib.util.spec_from_file_location(
        "calibrate_defaults", Path("validation/calibrate_defaults.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_calibration_holds_out_the_case_files_held_out_checks(book) -> None:
    script = _calibration_script()
    names = [f"{case.id}.{check.id}" for case, check in book.checks()]
    held = script.holdout_names(book, names, [])
    assert held == book.held_out()
    fitted = [name for name in names if not any(h in name for h in held)]
    assert fitted == [f"{c.id}.{k.id}" for c, k in book.checks("calibration")]
    more = script.holdout_names(book, names, ["early_closure.closure_share"])
    assert more == [*book.held_out(), "early_closure.closure_share"]
    with pytest.raises(ValueError, match="no such check"):
        script.holdout_names(book, names, ["early_closure"])


def test_calibration_refuses_a_held_out_name_that_reaches_another_check(book) -> None:
    script = _calibration_script()
    names = [f"{case.id}.{check.id}" for case, check in book.checks()]
    names.append("cross_age_supervision.g_high_supervision_extra")
    with pytest.raises(ValueError, match="would also hold out"):
        script.holdout_names(book, names, [])


def test_the_calibration_target_of_role_calibration_has_only_fitted_checks(book) -> None:
    from workbench.validation import validation_target

    target = validation_target(book, cohort_size=60, latent=True, role="calibration")
    assert target.names == [f"{c.id}.{k.id}" for c, k in book.checks("calibration")]
    assert not set(target.names) & set(book.held_out())
    everything = validation_target(book, cohort_size=60, latent=True)
    assert set(book.held_out()) <= set(everything.names)


def test_an_arm_that_fixes_its_cohort_says_so(book) -> None:
    assert book.arms["stem_control"].policy_note() == "1,000 students (fixed by the arm)"
    assert book.arms["stem_program"].policy_note().startswith("matching policy 'random'; 1,000")
    assert book.arms["control"].policy_note() == ""
