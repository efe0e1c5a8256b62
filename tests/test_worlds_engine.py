"""The batched engine: many worlds in one model give what separate runs give."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from workbench.model import MentorshipModel
from workbench.scenario import Dynamics, Scenario
from workbench.worlds import PlausibleWorlds, run_worlds
from workbench.worlds.engine import build_model, design_roster, seeds, tile_roster
from workbench.worlds.outcomes import DEFAULT_OUTCOMES, measure, parse_outcome

SMALL = Scenario().with_overrides({"cohort.size": 60, "levers.weeks": 12})
ROTATING = SMALL.with_overrides({"rotation.policy": "periodic", "rotation.every_weeks": 3})


def _alone(scenario: Scenario, seed: int, roster, outcomes=DEFAULT_OUTCOMES) -> pd.DataFrame:
    model = MentorshipModel(scenario, rng=seed, roster=roster)
    model.run_model()
    parsed = [parse_outcome(name) for name in outcomes]
    return measure(parsed, model.state, roster, np.zeros(len(roster), np.intp), 1)


def test_tiled_roster_keeps_each_world_in_its_own_sites() -> None:
    roster = design_roster(SMALL.with_overrides({"cohort.sites": 2}), rng=3)
    worlds = PlausibleWorlds.default(n=4, rng=0)
    model = build_model(ROTATING.with_overrides({"cohort.sites": 2}), worlds, 3, roster=roster)
    model.run_model()
    links = model.state.links
    world = np.repeat(np.arange(4), len(roster))
    site = model.roster.site_codes
    assert len(links) > 0
    assert (world[links.mentor] == world[links.mentee]).all()
    assert (site[links.mentor] == site[links.mentee]).all()
    tiled, copy = tile_roster(roster, 4)
    assert len(np.unique(tiled.site)) == 4 * len(np.unique(roster.site))
    assert (tiled.belonging[copy == 2] == roster.belonging).all()


def test_tiled_names_and_site_codes_are_the_rosters_own_definitions() -> None:
    roster = design_roster(SMALL.with_overrides({"cohort.sites": 3}), rng=4)
    for copies in (1, 2, 11, 25):  # w10 sorts before w2: codes follow names, not copies
        tiled, copy = tile_roster(roster, copies)
        row = np.tile(np.arange(len(roster)), copies)
        suffix = np.char.add("|w", copy.astype(str))
        assert tiled.ids.tolist() == np.char.add(roster.ids.astype(str)[row], suffix).tolist()
        assert tiled.site.tolist() == np.char.add(roster.site.astype(str)[row], suffix).tolist()
        own = np.unique(tiled.site.astype(str), return_inverse=True)[1]
        np.testing.assert_array_equal(tiled.site_codes, own)


def test_one_world_batched_is_that_world_run_alone() -> None:
    """Exactly: the stacked engine with one world is a plain run with that world's parameters."""
    worlds = PlausibleWorlds.default(n=5, rng=3)
    roster = design_roster(ROTATING, rng=5)
    for k in (0, 4):
        batched = run_worlds(ROTATING, worlds.take([k]), rng=5)
        alone = _alone(worlds.scenario(k, ROTATING), seeds(ROTATING, 5)[1], roster)
        np.testing.assert_array_equal(batched.to_numpy(), alone.to_numpy())


def test_identical_worlds_batched_match_separate_runs_in_distribution() -> None:
    """A world with the same parameters in every slot reproduces the statistics of separate runs."""
    copies = 30
    roster = design_roster(SMALL, rng=11)
    worlds = PlausibleWorlds.fixed(copies, drift=Dynamics().drift)
    batched = run_worlds(SMALL, worlds, rng=11, roster=roster)
    separate = pd.concat(
        [_alone(SMALL, 1000 + k, roster) for k in range(copies)], ignore_index=True
    )
    for name in ("belonging", "confidence"):
        a, b = batched[name].to_numpy(), separate[name].to_numpy()
        assert stats.ttest_ind(a, b, equal_var=False).pvalue > 0.001, name
        assert 0.4 < a.std() / b.std() < 2.5, name
    # and the per-world values differ (each world has its own random draws)
    assert batched["belonging"].nunique() > copies // 2


def test_knock_out_no_belonging_gain_no_program_gain() -> None:
    program = SMALL.with_overrides({"levers.weeks": 20})
    control = program.with_overrides({"levers.sessions_per_week": 0})
    # a strong gain in every world: the program clearly helps (whatever the defaults are)
    worlds = PlausibleWorlds.fixed(12, belonging_gain=0.05)
    knocked = worlds.with_values(belonging_gain=0.0)

    def gain(w: PlausibleWorlds) -> np.ndarray:
        a = run_worlds(program, w, rng=4, outcomes=["belonging"])
        b = run_worlds(control, w, rng=4, outcomes=["belonging"])
        return (a - b)["belonging"].to_numpy()

    without = gain(knocked)
    assert (without <= 1e-9).all()  # without the gain mechanism, no world gains
    assert gain(worlds).mean() > 0.01


def test_outcomes_against_a_pandas_reference() -> None:
    worlds = PlausibleWorlds.default(n=3, rng=1)
    roster = design_roster(SMALL, rng=2)
    model = build_model(SMALL, worlds, 2, roster=roster)
    model.run_model()
    names = ["belonging", "mentee_confidence", "retention", "belonging_gap:first_gen"]
    got = measure(
        [parse_outcome(n) for n in names],
        model.state,
        roster,
        np.repeat(np.arange(3), len(roster)),
        3,
    )
    state = model.state
    frame = pd.DataFrame(
        {
            "world": np.repeat(np.arange(3), len(roster)),
            "belonging": state.belonging,
            "confidence": state.confidence,
            "active": state.active,
            "role": np.tile(roster.role.astype(str), 3),
            "first_gen": np.tile(roster.attribute_columns["first_gen"].astype(str), 3),
        }
    )
    by = frame.groupby("world")
    np.testing.assert_allclose(got["belonging"], by["belonging"].mean())
    np.testing.assert_allclose(got["retention"], by["active"].mean())
    mentees = frame[frame["role"] == "mentee"].groupby("world")["confidence"].mean()
    np.testing.assert_allclose(got["mentee_confidence"], mentees)
    reference = frame["first_gen"].value_counts().idxmax()  # most common level: "no"
    means = frame.groupby(["world", frame["first_gen"] == reference])["belonging"].mean()
    np.testing.assert_allclose(
        got["belonging_gap:first_gen"], means.xs(True, level=1) - means.xs(False, level=1)
    )


def test_replications_average_copies_that_share_their_worlds_parameters() -> None:
    worlds = PlausibleWorlds.default(n=2, rng=6)
    roster = design_roster(SMALL, rng=1)
    model = build_model(SMALL, worlds, 1, roster=roster, replications=3)
    n = len(roster)
    drift = model.state.params.drift
    assert (drift[: 3 * n] == worlds.table["drift"].iloc[0]).all()
    assert (drift[3 * n :] == worlds.table["drift"].iloc[1]).all()
    model.run_model()
    per_copy = measure(
        [parse_outcome("belonging")], model.state, roster, np.repeat(np.arange(6), n), 6
    )["belonging"].to_numpy()
    table = run_worlds(SMALL, worlds, rng=1, roster=roster, replications=3)
    np.testing.assert_allclose(table["belonging"], per_copy.reshape(2, 3).mean(1))


def test_week_one_is_one_shared_problem_and_lean_changes_nothing() -> None:
    """Common random numbers across worlds: week 1 pairs every copy alike (one solve);
    the engine's lean model ends in the state a full model (agents, records) ends in."""
    worlds = PlausibleWorlds.default(n=4, rng=2)
    roster = design_roster(ROTATING, rng=7)
    model = build_model(ROTATING, worlds, 7, roster=roster)
    assert model.lean and model.students == []
    model.step()
    links, n = model.state.links, len(roster)
    copy = links.mentor // n
    assert (links.mentee // n == copy).all() and len(np.unique(copy)) == 4
    firsts = [
        sorted(zip(links.mentor[copy == c] % n, links.mentee[copy == c] % n, strict=True))
        for c in range(4)
    ]
    assert all(pairs == firsts[0] for pairs in firsts[1:]) and len(firsts[0]) >= n // 3
    model.run_model()
    full = MentorshipModel(
        ROTATING, rng=seeds(ROTATING, 7)[1], roster=model.roster, params=model.state.params
    )
    full.run_model()
    assert len(full.students) == 4 * n
    for name in ("belonging", "confidence", "active", "rematches", "role"):
        np.testing.assert_array_equal(getattr(full.state, name), getattr(model.state, name))
    np.testing.assert_array_equal(full.state.links.mentee, model.state.links.mentee)
    np.testing.assert_array_equal(full.state.links.end, model.state.links.end)
