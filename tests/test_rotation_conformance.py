"""One conformance suite for EVERY registered rotation policy, beside the matching one.

States come from real runs of the model (several weeks in, with live and
ended links, poor check-ins and dependency); hypothesis picks the state, the
week and the rotation settings. Every rotation must return valid alive link
indices and an end reason its record names (a planned end the dynamics know),
be deterministic given the state, change nothing but ``state.role``, and not
depend on a rotation setting its record does not name (the dashboard greys
those controls out). :func:`check_rotation` is reused on rotations installed
from outside the package (tests/test_registry_plugins.py). The built-in
rotations' own rules are checked by hand below.
"""

from __future__ import annotations

import copy
from dataclasses import fields

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import registry
from workbench.dynamics import END_REASONS, PLANNED_ENDS, PREMATURE_ENDS, CohortState
from workbench.model import MentorshipModel
from workbench.rotation import every_k_weeks
from workbench.scenario import Rotation, Scenario

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: Rotation settings and values hypothesis draws from (all inside the schema's limits).
ROTATION_VALUES = {
    "every_weeks": st.integers(1, 8),
    "poor_checkins": st.integers(1, 4),
    "dependency_threshold": st.sampled_from([0.01, 0.02, 0.05, 0.1, 0.6, 1.0]),
}
#: Another valid value of each rotation setting (to see whether a policy reads it).
OTHER_VALUE = {"every_weeks": 3, "poor_checkins": 1, "dependency_threshold": 0.02}


def _states() -> list[tuple[Scenario, CohortState]]:
    """Snapshots of real runs: weeks 2, 5 and 9 of three designs."""
    designs = [
        {  # poor check-ins, and pairs ended by Plan B
            "levers.mentor_training": 0.0,
            "levers.checkin_every_weeks": 1,
            "rotation.policy": "plan_b",
        },
        {"dynamics.dependency_growth": 0.3, "levers.activity_variety": 0.0},  # dependency
        {"cohort.sites": 2, "cohort.mentor_share": 0.35, "matching.capacity": 2},
    ]
    snapshots = []
    for seed, design in enumerate(designs):
        scenario = Scenario().with_overrides({"cohort.size": 40, "levers.weeks": 9, **design})
        model = MentorshipModel(scenario, rng=seed)
        for week in range(1, 10):
            model.step()
            if week in (2, 5, 9):
                snapshots.append((scenario, copy.deepcopy(model.state)))
    return snapshots


STATES = _states()


def _arrays(state: CohortState) -> dict[str, np.ndarray]:
    found = {
        f.name: getattr(state, f.name) for f in fields(state) if f.name not in ("links", "params")
    }
    found.update({f"links.{name}": value for name, value in vars(state.links).items()})
    return found


def _run(name: str, state: CohortState, scenario: Scenario, week: int):
    mine = copy.deepcopy(state)
    ended, reason = registry.get("rotation", name).load()(mine, scenario, week)
    return np.asarray(ended), reason, mine


def check_rotation(name: str, state: CohortState, scenario: Scenario, week: int) -> None:
    """Every property a rotation policy must have, for one state, design and week."""
    record = registry.get("rotation", name)
    ended, reason, after = _run(name, state, scenario, week)
    links = state.links
    # valid, distinct, alive link indices
    assert ended.ndim == 1 and np.issubdtype(ended.dtype, np.integer)
    assert len(np.unique(ended)) == len(ended)
    assert np.all((ended >= 0) & (ended < len(links)))
    assert links.alive[ended].all()
    # a reason its record names: a coordinator's decision (planned, or Plan B's failed
    # match), never the program's end or a student leaving
    assert reason in record.reasons
    decided = (PLANNED_ENDS | PREMATURE_ENDS) - {"program_end", "dropout", "left_school"}
    assert set(record.reasons) <= decided <= set(END_REASONS)
    # nothing but roles changes, and roles stay roles
    before_arrays, after_arrays = _arrays(state), _arrays(after)
    for key, value in before_arrays.items():
        if key != "role":
            np.testing.assert_array_equal(after_arrays[key], value, err_msg=f"{name} changed {key}")
    assert set(np.unique(after.role)) <= set(np.unique(state.role)) | {"mentor", "mentee"}
    # deterministic given the state
    again, again_reason, again_after = _run(name, state, scenario, week)
    np.testing.assert_array_equal(again, ended)
    assert again_reason == reason
    np.testing.assert_array_equal(again_after.role, after.role)
    # a setting its record does not name makes no difference
    for setting, value in OTHER_VALUE.items():
        if record.uses(f"rotation.{setting}"):
            continue
        other = scenario.with_overrides({f"rotation.{setting}": value})
        changed, changed_reason, changed_after = _run(name, state, other, week)
        np.testing.assert_array_equal(changed, ended, err_msg=f"{name} reads rotation.{setting}")
        assert changed_reason == reason
        np.testing.assert_array_equal(changed_after.role, after.role)


@pytest.mark.parametrize("name", registry.names("rotation"))
@SETTINGS
@given(
    which=st.integers(0, len(STATES) - 1),
    week=st.integers(1, 20),
    values=st.fixed_dictionaries(ROTATION_VALUES),
)
def test_rotation_conformance(name: str, which: int, week: int, values: dict) -> None:
    scenario, state = STATES[which]
    scenario = scenario.with_overrides({f"rotation.{k}": v for k, v in values.items()})
    check_rotation(name, state, scenario, week)


@pytest.mark.parametrize("record", registry.records("rotation"), ids=lambda r: r.name)
def test_rotation_record_is_complete(record: registry.PolicyRecord) -> None:
    assert callable(record.load())
    for setting in record.settings:
        kind, _, key = setting.partition(".")
        assert kind == "rotation" and key in Rotation.model_fields, setting
    assert record.describe(Rotation().model_dump())  # its summary names only known settings


@pytest.mark.parametrize("name", registry.names("rotation"))
def test_rotation_runs_in_the_model(name: str) -> None:
    scenario = Scenario().with_overrides(
        {"cohort.size": 40, "levers.weeks": 8, "rotation.every_weeks": 2, "rotation.policy": name}
    )
    model = MentorshipModel(scenario, rng=3)
    model.run_model()
    links = model.state.links
    reasons = {END_REASONS[r] for r in links.reason[~links.alive]}
    assert reasons <= set(registry.get("rotation", name).reasons) | {
        "program_end",
        "dropout",
        "left_school",
    }


# -- the built-in rotations' own rules, by hand ----------------------------------------------
@pytest.mark.parametrize("scenario,state", STATES)
def test_builtin_rules(scenario: Scenario, state: CohortState) -> None:
    links = state.links
    alive = np.flatnonzero(links.alive)
    for week in range(1, 15):
        due = every_k_weeks(week, 3)
        design = scenario.with_overrides(
            {
                "rotation.every_weeks": 3,
                "rotation.poor_checkins": 2,
                "rotation.dependency_threshold": 0.05,
            }
        )
        ended, _, _ = _run("none", state, design, week)
        assert len(ended) == 0
        ended, _, _ = _run("periodic", state, design, week)
        np.testing.assert_array_equal(ended, alive if due else [])
        ended, _, _ = _run("plan_b", state, design, week)
        np.testing.assert_array_equal(ended, alive[links.poor_streak[alive] >= 2])
        ended, _, _ = _run("dependency", state, design, week)
        np.testing.assert_array_equal(ended, alive[state.dependency[links.mentee[alive]] >= 0.05])
        ended, _, after = _run("role", state, design, week)
        np.testing.assert_array_equal(ended, alive if due else [])
        # tiered roles: as many step up as step back, so the sides keep their sizes
        for side in ("mentor", "mentee"):
            assert (after.role[state.active] == side).sum() == (
                state.role[state.active] == side
            ).sum()
        if due:
            risen = (state.role == "mentee") & (after.role == "mentor")
            if risen.any():
                mentors = state.active & (state.role == "mentor")
                bar = np.median(state.confidence[mentors])
                assert np.all(state.confidence[risen] >= bar)


def test_the_states_exercise_every_rule() -> None:
    """The snapshots hold what the rules look at: ended links, poor streaks, dependency."""
    assert any((~s.links.alive).any() for _, s in STATES)
    assert any((s.links.poor_streak[s.links.alive] >= 2).any() for _, s in STATES)
    assert any((s.dependency >= 0.05).any() for _, s in STATES)
