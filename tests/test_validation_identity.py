"""Identity statistics of the Dennehy & Dasgupta case on hand-made tables, the case's
retention bands against an independent interval (statsmodels' Newcombe), and the survey
instrument's pre-program scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

from workbench.validation import load_cases
from workbench.validation.statistics import (
    STATISTICS,
    first_mentor_identity,
    identity_impact,
    standardised_change,
)


def _students(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["id", "role_start", "gender", "belonging_start", "belonging", "enrolled"]
    )


def _links(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["mentor", "mentee", "start_week"])


TREATED = _students(
    [
        ("w1", "mentor", "woman", 0.5, 0.5, True),
        ("m1", "mentor", "man", 0.5, 0.5, True),
        ("a", "mentee", "woman", 0.4, 0.8, True),  # woman mentor
        ("b", "mentee", "woman", 0.4, 0.6, True),  # man mentor first, then a woman
        ("c", "mentee", "woman", 0.4, 0.7, False),  # man mentor
        ("d", "mentee", "man", 0.4, 0.9, True),  # man mentor: not a woman, left out
        ("e", "mentee", "woman", 0.4, 0.9, True),  # never matched: left out
    ]
)
CONTROL = TREATED.assign(belonging=[0.5, 0.5, 0.4, 0.4, 0.5, 0.4, 0.9], enrolled=False)
LINKS = _links([("w1", "a", 1), ("w1", "b", 20), ("m1", "b", 1), ("m1", "c", 1), ("m1", "d", 1)])


def test_first_mentor_identity_uses_the_earliest_link() -> None:
    identity = first_mentor_identity(TREATED, LINKS, "gender")
    assert identity.to_dict() == {"a": "same", "b": "cross", "c": "cross", "d": "same"}


def test_identity_impact_by_hand() -> None:
    # women mentees a, b, c (e never matched); impacts: a +0.4; b +0.2, c +0.2
    women = ["a", "b", "c", "e"]
    t = TREATED.set_index("id").loc[women, "belonging"].to_numpy()
    c = CONTROL.set_index("id").loc[women, "belonging"].to_numpy()
    pooled = np.sqrt(((len(t) - 1) * t.var(ddof=1) + (len(c) - 1) * c.var(ddof=1)) / 6)
    same = identity_impact(TREATED, LINKS, CONTROL, "gender", "woman", "same")
    cross = identity_impact(TREATED, LINKS, CONTROL, "gender", "woman", "cross")
    assert same == pytest.approx(0.4 / pooled)
    assert cross == pytest.approx(0.2 / pooled)
    # yes/no outcome: difference of shares (a enrolled vs not in control; b, c: 1 of 2)
    assert identity_impact(
        TREATED, LINKS, CONTROL, "gender", "woman", "same", "enrolled", "share"
    ) == pytest.approx(1.0)
    assert identity_impact(
        TREATED, LINKS, CONTROL, "gender", "woman", "cross", "enrolled", "share"
    ) == pytest.approx(0.5)
    # the registered statistic is the difference of the two
    function = STATISTICS["identity_difference"][1]
    arms = {"t": (TREATED, LINKS), "c": (CONTROL, LINKS.iloc[:0])}
    options = {"attribute": "gender", "level": "woman", "mentor": "same", "reference": "cross"}
    assert function(arms, {"treated": "t", "control": "c"}, options) == pytest.approx(same - cross)
    with pytest.raises(ValueError, match="units"):
        identity_impact(TREATED, LINKS, CONTROL, "gender", "woman", "same", units="points")


def test_identity_impact_of_an_empty_group_is_nan() -> None:
    only_women_mentors = LINKS[LINKS["mentor"] == "w1"]
    assert np.isnan(
        identity_impact(TREATED, only_women_mentors, CONTROL, "gender", "woman", "cross")
    )


def test_standardised_change_by_hand() -> None:
    students = _students(
        [
            ("a", "mentee", "woman", 0.3, 0.2, True),
            ("b", "mentee", "woman", 0.5, 0.3, True),
            ("c", "mentee", "woman", 0.7, 0.7, True),
            ("d", "mentee", "man", 0.5, 0.9, True),
            ("e", "mentor", "woman", 0.5, 0.9, True),
        ]
    )
    # women mentees: changes -0.1, -0.2, 0 -> mean -0.1; SD of starts 0.2
    value = standardised_change(students, "belonging", "mentee", {"gender": "woman"})
    assert value == pytest.approx(-0.5)
    assert np.isnan(standardised_change(students.iloc[:1], "belonging"))


def test_a_missing_outcome_column_is_one_clear_error() -> None:
    from workbench.errors import WorkbenchError

    with pytest.raises(WorkbenchError, match="outcome 'enrolled' is not a column"):
        identity_impact(
            TREATED.drop(columns="enrolled"),
            LINKS,
            CONTROL,
            "gender",
            "woman",
            "same",
            "enrolled",
            "share",
        )


@pytest.mark.parametrize(
    ("check", "retained_other"),
    [("retention_same_vs_none", 0.89 * 50), ("retention_same_vs_other", 0.82 * 50)],
)
def test_retention_bands_are_newcombe_intervals_of_the_published_shares(
    check, retained_other
) -> None:
    """100% of ~50 vs 89% / 82% of ~50 (Dennehy & Dasgupta 2017, 150 women in three arms)."""
    case = {c.id: c for c in load_cases().cases}["same_identity_mentor"]
    band = {k.id: k for k in case.checks}[check]
    low, high = confint_proportions_2indep(50, 50, retained_other, 50, method="newcomb")
    assert band.low == pytest.approx(low, abs=0.005)
    assert band.high == pytest.approx(high, abs=0.005)
    assert band.target == pytest.approx(1.0 - retained_other / 50)
    assert band.role == "held_out"


def test_instrument_measures_pre_and_post_without_changing_post() -> None:
    from workbench import Scenario
    from workbench.simulation import simulate
    from workbench.validation.runner import instrument_for

    instrument = instrument_for(load_cases())
    students = simulate(Scenario().with_overrides({"cohort.size": 80}), rng=4).students
    both = instrument.measure(students, np.random.default_rng(7))
    post_only = instrument.measure(
        students.drop(columns=["belonging_start", "confidence_start"]), np.random.default_rng(7)
    )
    pd.testing.assert_series_equal(both["belonging"], post_only["belonging"])
    assert both["belonging_start"].dropna().between(1, 5).all()
    scored = both["belonging_start"].notna()
    rho = np.corrcoef(both.loc[scored, "belonging_start"], students.loc[scored, "belonging_start"])
    assert 0.8 < rho[0, 1] < 0.99
