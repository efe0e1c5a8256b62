"""Every matching family has a bundled scenario, and each runs in the simulation."""

from __future__ import annotations

import numpy as np
import pytest

import workbench

FAMILIES = ("stable", "capacity", "peer", "circles", "cross_age")


@pytest.mark.parametrize("family", FAMILIES)
def test_policy_scenario_runs_with_its_policy(family: str) -> None:
    scenario = workbench.load_scenario(f"scenarios/policy_{family}.toml").with_overrides(
        {"cohort.size": 60, "levers.weeks": 6}
    )
    assert scenario.matching.policy == family
    result = workbench.simulation.simulate(scenario, rng=1)
    links = result.links
    assert len(links) > 0
    links = links[links["start_week"] == links["start_week"].min()]  # the first matching
    matched = result.metrics.query("metric == 'matched' and attribute == 'all' and week == 1")
    assert float(matched["value"].iloc[0]) > 0.5
    per_group = links.groupby("group").size()
    per_mentor = links.groupby("mentor").size()
    if family == "circles":
        assert per_group.max() > 1  # circles: several members share a group
    elif family == "capacity":
        assert per_mentor.max() > 1 and per_mentor.max() <= 3
    else:
        assert per_mentor.max() == 1
    if family == "cross_age":
        students = result.students.set_index("id")
        grade = dict(zip(students.index, students["grade"], strict=True))
        assert all(
            grade[m] > grade[e] for m, e in zip(links["mentor"], links["mentee"], strict=True)
        )
    assert np.isfinite(result.metrics["value"]).any()
