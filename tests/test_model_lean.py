"""``MentorshipModel(lean=True)``: no agents, no weekly records, the same run."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from workbench.dynamics import CohortState, Links
from workbench.model import MentorshipModel
from workbench.scenario import Scenario

SMALL = Scenario().with_overrides({"cohort.size": 50, "levers.weeks": 10})


def assert_same_state(a: CohortState, b: CohortState) -> None:
    for f in fields(CohortState):
        if f.name in ("links", "params"):
            continue
        np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name), err_msg=f.name)
    assert len(a.links) == len(b.links) > 0
    for f in fields(Links):
        np.testing.assert_array_equal(
            getattr(a.links, f.name), getattr(b.links, f.name), err_msg=f"links.{f.name}"
        )


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"rotation.policy": "periodic", "rotation.every_weeks": 3},
        {"matching.policy": "circles", "cohort.sites": 2},
    ],
)
def test_lean_run_leaves_the_same_state(overrides) -> None:
    scenario = SMALL.with_overrides(overrides)
    full = MentorshipModel(scenario, rng=3)
    lean = MentorshipModel(scenario, rng=3, lean=True)
    full.run_model()
    lean.run_model()
    assert_same_state(full.state, lean.state)
    np.testing.assert_array_equal(full.ties.keys, lean.ties.keys)
    np.testing.assert_array_equal(full.ties.degree, lean.ties.degree)
    assert lean.steps == full.steps == 10
    assert len(full.students) == 50 and lean.students == [] and len(lean.agents) == 1
    assert lean.recorder is None and lean.datacollector is None
    assert full.datacollector.get_model_vars_dataframe().shape[0] == 11
