"""The trade-offs the seeds describe, on averages over replications of bundled scenarios."""

from __future__ import annotations

import pytest

from workbench.scenario import load_scenario
from workbench.simulation import run_scenario

REPS = 4
SMALL = {"cohort.size": 160, "levers.weeks": 30}


def run(name: str, **overrides):
    scenario = load_scenario(f"scenarios/{name}.toml").with_overrides({**SMALL, **overrides})
    return run_scenario(scenario, replications=REPS)


@pytest.fixture(scope="module")
def baseline():
    return run("baseline")


def test_never_rotating_grows_dependency_more_than_periodic_rotation(baseline) -> None:
    rotating = run("rotation_periodic")
    assert baseline.value("dependency") > 1.5 * rotating.value("dependency")
    # the price of rotation: every rematch restarts trust
    assert rotating.links["trust"].mean() < baseline.links["trust"].mean()


def test_plan_b_reduces_persistently_poor_pairs(baseline) -> None:
    plan_b = run("plan_b")
    persistent = {
        name: (result.links["worst_poor_streak"] >= 3).sum() / REPS
        for name, result in (("none", baseline), ("plan_b", plan_b))
    }
    assert persistent["plan_b"] < persistent["none"]
    poor_weeks = {
        name: result.metrics.query("metric == 'in_poor_pair' and attribute == 'all'")[
            "value"
        ].mean()
        for name, result in (("none", baseline), ("plan_b", plan_b))
    }
    assert poor_weeks["plan_b"] < poor_weeks["none"]


def test_cross_group_matching_grows_more_cross_group_ties_than_affinity() -> None:
    cross = run("matching_cross_group")
    alike = run("matching_affinity")
    assert cross.links["cross_group"].mean() > alike.links["cross_group"].mean() + 0.1
    gained = {
        name: r.value("cross_group_ties") - r.value("cross_group_ties", week=0)
        for name, r in (("cross", cross), ("alike", alike))
    }
    assert gained["cross"] > gained["alike"]


def test_supports_close_the_attendance_gap(baseline) -> None:
    supported = run("supports_on")
    assert supported.value("attendance", week=10) > baseline.value("attendance", week=10)
    assert supported.value("retention") > baseline.value("retention")
