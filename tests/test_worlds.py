"""Plausible worlds: what is drawn from what, reproducibly (workbench.worlds.plausible)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.dynamics import NUMERIC
from workbench.errors import WorkbenchError
from workbench.scenario import Dynamics, Scenario
from workbench.worlds import PlausibleWorlds
from workbench.worlds.plausible import HYPERCUBE, POSTERIOR, basis, plausible
from workbench.worlds.posterior import load_posterior, posterior_path

ROOT = Path(__file__).parents[1]


def test_shipped_posterior_is_the_calibrations_samples() -> None:
    shipped = posterior_path().read_bytes()
    assert shipped == (ROOT / "validation" / "calibration" / "samples.csv").read_bytes()


def test_posterior_reads_old_names_and_refuses_bad_files(tmp_path: Path) -> None:
    old = tmp_path / "old.csv"
    old.write_text("dynamics.closure_penalty,dynamics.drift\n0.2,0.03\n0.3,0.04\n")
    frame = load_posterior(old)
    assert frame.columns.tolist() == ["premature_harm", "drift"]
    assert frame["premature_harm"].tolist() == [0.2, 0.3]
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("dynamics.nope\n0.1\n")
    with pytest.raises(WorkbenchError, match="'dynamics.nope'"):
        load_posterior(unknown)
    blank = tmp_path / "blank.csv"
    blank.write_text("dynamics.drift\n0.1\nabc\n")
    with pytest.raises(WorkbenchError, match=r"row 3, column 'dynamics.drift'"):
        load_posterior(blank)


def test_candidates_same_n_and_rng_same_worlds_other_rng_other_worlds() -> None:
    one = PlausibleWorlds.unscreened(n=30, rng=4)
    pd.testing.assert_frame_equal(one.table, PlausibleWorlds.unscreened(n=30, rng=4).table)
    assert not one.table.equals(PlausibleWorlds.unscreened(n=30, rng=5).table)
    generator = PlausibleWorlds.unscreened(n=30, rng=np.random.default_rng(4))
    pd.testing.assert_frame_equal(one.table, generator.table)
    # another posterior: other worlds, and the worlds say which posterior they came from
    other = load_posterior().iloc[::-1].reset_index(drop=True)
    moved = PlausibleWorlds.unscreened(n=30, rng=4, posterior=other)
    assert moved.posterior_id != one.posterior_id
    assert not moved.table.equals(one.table)


def test_every_parameter_is_drawn_by_its_basis() -> None:
    worlds = PlausibleWorlds.unscreened(n=20, rng=0)
    posterior = load_posterior()
    for name in NUMERIC:
        if name in posterior.columns:
            assert worlds.how[name] == POSTERIOR
        elif basis(name) in ("assumption", "calibrated"):
            assert worlds.how[name] == HYPERCUBE
        else:  # measured, derived: held at the design's value
            assert name not in worlds.table.columns
            assert name in worlds.held()
    assert "identity" in worlds.table.columns


def test_calibrated_parameters_are_whole_posterior_rows() -> None:
    """Joint draws: each world's calibrated values are one posterior sample, correlations kept."""
    posterior = load_posterior()
    worlds = PlausibleWorlds.unscreened(n=25, rng=2)
    drawn = worlds.table[posterior.columns].round(12)
    rows = set(map(tuple, posterior.round(12).to_numpy()))
    assert all(tuple(row) in rows for row in drawn.to_numpy())


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 60), seed=st.integers(0, 2**32))
def test_assumptions_are_a_latin_hypercube_and_identity_is_balanced(n: int, seed: int) -> None:
    worlds = PlausibleWorlds.unscreened(n=n, rng=seed)
    for name, how in worlds.how.items():
        if how != HYPERCUBE:
            continue
        low, high = plausible(name)
        values = worlds.table[name].to_numpy()
        assert ((values >= low) & (values <= high)).all()
        # one world in each of the n equal slices of the range: a Latin hypercube
        strata = np.floor((values - low) / (high - low) * n).astype(int)
        assert sorted(strata) == list(range(n))
    counts = worlds.table["identity"].value_counts()
    assert set(counts.index) <= set(plausible("identity"))
    assert counts.max() - counts.min() <= 1
    assert len(counts) == min(n, len(plausible("identity")))


def test_a_world_as_a_scenario_and_knock_outs() -> None:
    worlds = PlausibleWorlds.default(n=6, rng=1)
    design = Scenario().with_overrides({"cohort.size": 20})
    third = worlds.scenario(3, design).dynamics
    for name in worlds.table.columns:
        assert getattr(third, name) == worlds.table[name].iloc[3]
    knocked = worlds.with_values(belonging_gain=0.0)
    assert (knocked.table["belonging_gain"] == 0.0).all()
    assert knocked.table.drop(columns="belonging_gain").equals(
        worlds.table.drop(columns="belonging_gain")
    )
    with pytest.raises(ValueError, match="not a model parameter"):
        worlds.with_values(colour=1.0)
    fixed = PlausibleWorlds.fixed(4, drift=Dynamics().drift)
    assert fixed.table["drift"].tolist() == [Dynamics().drift] * 4


def test_repr_says_what_was_drawn_from_what() -> None:
    worlds = PlausibleWorlds.default(n=12, rng=0)
    text = repr(worlds)
    assert "12 plausible worlds" in text
    assert f"posterior {worlds.posterior_id}" in text and len(worlds.posterior_id) == 12
    assert "posterior" in text and "Latin hypercube" in text and "identity" in text
    html = worlds._repr_html_()
    assert "premature_harm" in html and "calibrated" in html
    assert worlds.summary().loc["identity", "basis"] == "assumption"


def test_mentor_and_mentee_outcomes_average_over_their_own_students() -> None:
    """mentor_/mentee_ outcomes are the means over the students who started in that role:
    the student-weighted mix of the two is the whole cohort's mean (no 'both' roles here)."""
    from workbench.scenario import Scenario
    from workbench.worlds import PlausibleWorlds
    from workbench.worlds.engine import design_roster, run_worlds
    from workbench.worlds.outcomes import parse_outcome

    assert parse_outcome("mentor_belonging").words == "mentors' end-of-year belonging"
    scenario = Scenario().with_overrides({"cohort.size": 60, "levers.weeks": 6})
    worlds = PlausibleWorlds.default(n=3, rng=1)
    roster = design_roster(scenario, 5)
    out = run_worlds(
        scenario,
        worlds,
        5,
        outcomes=["belonging", "mentor_belonging", "mentee_belonging"],
        roster=roster,
    )
    role = roster.role.astype(str)
    share = (role == "mentor").mean()
    assert set(role) == {"mentor", "mentee"}
    mixed = share * out["mentor_belonging"] + (1 - share) * out["mentee_belonging"]
    np.testing.assert_allclose(mixed, out["belonging"], rtol=1e-12)
    assert not np.allclose(out["mentor_belonging"], out["mentee_belonging"])
