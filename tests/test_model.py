"""Behaviour of the simulation: each test would fail if a rule were wrong."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.agents import Coordinator, Student
from workbench.model import MentorshipModel
from workbench.scenario import Scenario
from workbench.simulation import run_scenario, simulate


def mean_over(scenario: Scenario, metric: str, reps: int = 4, **where) -> float:
    result = run_scenario(scenario, replications=reps)
    return result.value(metric, **where)


def test_same_seed_same_tables_and_different_seed_differs(small: Scenario) -> None:
    a, b, c = simulate(small, rng=5), simulate(small, rng=5), simulate(small, rng=6)
    for name, frame in a.tables().items():
        pd.testing.assert_frame_equal(frame, b.tables()[name])
    assert not a.metrics["value"].equals(c.metrics["value"])


def test_replication_k_equals_simulate_with_replication_k(small: Scenario) -> None:
    stacked = run_scenario(small, replications=3)
    third = simulate(small, replication=2)
    pd.testing.assert_frame_equal(
        stacked.metrics[stacked.metrics["replication"] == 2].reset_index(drop=True), third.metrics
    )


def test_students_are_mesa_agents_viewing_the_arrays(small: Scenario) -> None:
    model = MentorshipModel(small, rng=1)
    students = model.agents.select(agent_type=Student)
    assert len(students) == small.cohort.size
    assert len(model.agents.select(agent_type=Coordinator)) == 1
    model.step()
    agent = model.students[3]
    assert agent.belonging == model.state.belonging[3]
    model.state.belonging[3] = 0.123
    assert agent.belonging == 0.123
    for partner in agent.partners:
        assert agent in partner.partners


def test_mesa_agentset_tools_read_the_students(small: Scenario) -> None:
    # The researcher notebook's use of Mesa's own tools, on every Mesa version CI runs.
    model = MentorshipModel(small, rng=1)
    for _ in range(3):
        model.step()
    students = model.agents_by_type[Student]
    by_role = students.groupby("role").agg("confidence", np.mean)
    for role in ("mentor", "mentee"):
        mask = model.state.role == role
        assert by_role[role] == pytest.approx(model.state.confidence[mask].mean())
    mentees = students.select(lambda s: s.role == "mentee")
    assert (
        mentees.agg("belonging", min) == model.state.belonging[model.state.role == "mentee"].min()
    )


def test_supports_raise_attendance_of_students_with_barriers(small: Scenario) -> None:
    def attendance_with_barriers(scenario: Scenario) -> float:
        students = run_scenario(scenario, replications=4).students
        hit = students[students["barriers"] > 0]
        return hit["sessions_attended"].sum() / hit["sessions_scheduled"].sum()

    supports = {
        f"levers.supports.{b}": True for b in ("transport", "schedule", "language", "caregiving")
    }
    assert (
        attendance_with_barriers(small.with_overrides(supports))
        > attendance_with_barriers(small) + 0.05
    )


def test_without_sessions_nobody_meets_and_the_program_adds_belonging(small: Scenario) -> None:
    control = run_scenario(small.with_overrides({"levers.sessions_per_week": 0}), replications=4)
    assert (control.students["meetings"] == 0).all()
    assert len(control.links) == 0
    change = control.students["belonging"] - control.students["belonging_start"]
    program = run_scenario(small, replications=4).students
    assert (program["belonging"] - program["belonging_start"]).mean() > change.mean() + 0.02


def test_mentors_gain_confidence(small: Scenario) -> None:
    students = run_scenario(small, replications=4).students
    mentors = students[students["role_start"] == "mentor"]
    control = run_scenario(
        small.with_overrides({"levers.sessions_per_week": 0}), replications=4
    ).students
    control_mentors = control[control["role_start"] == "mentor"]
    gain = (mentors["confidence"] - mentors["confidence_start"]).mean()
    assert gain > 0.01
    assert (
        gain > (control_mentors["confidence"] - control_mentors["confidence_start"]).mean() + 0.01
    )


def test_cross_group_matching_builds_more_cross_group_ties(small: Scenario) -> None:
    cross = mean_over(small.with_overrides({"matching.policy": "cross_group"}), "cross_group_ties")
    alike = mean_over(small.with_overrides({"matching.policy": "affinity"}), "cross_group_ties")
    assert cross > alike


def test_dropout_only_where_engagement_fell(small: Scenario) -> None:
    students = run_scenario(small, replications=4).students
    dropped = students[~students["active"] & students["enrolled"]]  # left the program only
    assert len(dropped) > 0
    threshold = small.dynamics.dropout_threshold
    assert (dropped["engagement"] < threshold).all()
    never = run_scenario(small.with_overrides({"dynamics.dropout_threshold": 0.0}), replications=2)
    assert (never.students["active"] == never.students["enrolled"]).all()


def test_periodic_rotation_limits_dependency(small: Scenario) -> None:
    longer = small.with_overrides({"levers.weeks": 30})
    fixed = run_scenario(longer, replications=3)
    rotating = run_scenario(
        longer.with_overrides({"rotation.policy": "periodic", "rotation.every_weeks": 6}),
        replications=3,
    )
    assert fixed.value("dependency") > rotating.value("dependency")
    assert rotating.value("rematches") > fixed.value("rematches")


def test_rotation_and_plan_b_give_students_new_partners(small: Scenario) -> None:
    # every site has dozens waiting at each rotation, so nobody needs a former partner back
    for rotation in (
        {"rotation.policy": "periodic", "rotation.every_weeks": 4},
        {"rotation.policy": "plan_b"},
    ):
        design = small.with_overrides({"levers.weeks": 30, "cohort.size": 160, **rotation})
        model = MentorshipModel(design, rng=5)
        model.run_model()
        links = model.state.links
        pairs = np.sort(np.column_stack([links.mentor, links.mentee]), axis=1)
        assert len(links) > len(np.unique(model.state.links.mentor))  # there were rematches
        assert len(np.unique(pairs, axis=0)) == len(pairs)


def test_rematched_pairs_start_from_zero_trust_unless_switched_off(small: Scenario) -> None:
    rotating = small.with_overrides({"rotation.policy": "periodic", "rotation.every_weeks": 4})
    model = MentorshipModel(rotating, rng=3)
    for _ in range(5):
        model.step()  # week 5 is a rotation week
    links = model.state.links
    fresh = links.alive & (links.start == 5)
    assert fresh.any()
    # trust has grown for one week of meetings only
    assert (
        links.trust[fresh].max()
        <= rotating.dynamics.trust_gain * rotating.levers.sessions_per_week + 1e-12
    )
    kept = MentorshipModel(rotating.with_overrides({"dynamics.rematch_trust_reset": False}), rng=3)
    for _ in range(5):
        kept.step()
    kept_links = kept.state.links
    assert (
        kept_links.trust[kept_links.alive & (kept_links.start == 5)].mean()
        > links.trust[fresh].mean()
    )


def test_roster_file_cohort_keeps_the_real_students(tmp_path, small: Scenario) -> None:
    roster = tmp_path / "roster.csv"
    rows = ["id,site,grade,role,interests,first_gen"]
    for i in range(12):
        role = "mentor" if i < 6 else "mentee"
        rows.append(
            f"kid{i},north,{10 + (i < 6)},{role},music;sport,{'yes' if i % 3 == 0 else 'no'}"
        )
    roster.write_text("\n".join(rows) + "\n")
    result = simulate(small.with_overrides({"cohort.roster": str(roster)}), rng=1)
    assert sorted(result.students["id"]) == sorted(f"kid{i}" for i in range(12))
    assert set(result.metrics["attribute"]) == {"all", "first_gen"}
    assert set(result.links["mentor"]) <= {f"kid{i}" for i in range(6)}


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    rotation=st.sampled_from(["none", "periodic", "plan_b", "dependency", "role"]),
    policy=st.sampled_from(
        ["random", "affinity", "complementary", "cross_group", "balanced", "optimal"]
    ),
    sessions=st.integers(0, 3),
)
def test_invariants_hold_for_any_policy(seed, rotation, policy, sessions) -> None:
    scenario = Scenario().with_overrides(
        {
            "cohort.size": 40,
            "levers.weeks": 10,
            "rotation.policy": rotation,
            "rotation.every_weeks": 3,
            "matching.policy": policy,
            "levers.sessions_per_week": sessions,
        }
    )
    model = MentorshipModel(scenario, rng=seed)
    while model.running:
        model.step()
        links = model.state.links
        alive = links.alive
        # nobody is mentee in two alive links; mentors within capacity
        assert len(np.unique(links.mentee[alive])) == alive.sum()
        assert np.bincount(links.mentor[alive]).max(initial=0) <= scenario.matching.capacity
        assert not np.isin(links.mentor[alive], links.mentee[alive]).any()
        assert (links.mentor != links.mentee).all()
        # dropped students have no alive link
        dropped = ~model.state.active
        assert not dropped[links.mentor[alive]].any() and not dropped[links.mentee[alive]].any()
    metrics = simulate(scenario, rng=seed).metrics
    shares = metrics[
        metrics["metric"].isin(["belonging", "confidence", "retention", "isolated", "matched"])
    ]
    assert shares["value"].between(0, 1).all()
    retention = metrics[(metrics["metric"] == "retention") & (metrics["attribute"] == "all")][
        "value"
    ]
    assert retention.is_monotonic_decreasing


@pytest.mark.parametrize("week", [0, 12])
def test_gaps_are_reference_minus_group(small: Scenario, week: int) -> None:
    result = simulate(small, rng=2)
    gap = result.gaps.query("week == @week and attribute == 'first_gen' and metric == 'belonging'")
    ref = result.value("belonging", week=week, attribute="first_gen", group="no")
    other = result.value("belonging", week=week, attribute="first_gen", group="yes")
    assert gap["reference"].iloc[0] == "no"
    assert gap["gap"].iloc[0] == pytest.approx(ref - other)
