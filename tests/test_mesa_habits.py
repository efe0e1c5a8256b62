"""What a Mesa user tries first works: batch_run, AgentSet.groupby, interventions, steps."""

from __future__ import annotations

import inspect
import warnings

import mesa
import numpy as np
import pandas as pd
import pytest

from workbench.agents import Student
from workbench.model import REPORTED, MentorshipModel
from workbench.scenario import Scenario, ScenarioError
from workbench.simulation import simulate

SMALL = {"cohort__size": 40, "weeks": 6}
#: Mesa 3.5 seeds runs with batch_run(rng=[...]); Mesa 3.3 has no such argument, so
#: seeds go in the parameters there (the model takes ``rng`` either way).
SEEDS_ARGUMENT = "rng" in inspect.signature(mesa.batch_run).parameters


def _seeded(parameters: dict, seeds: list[int]) -> pd.DataFrame:
    if SEEDS_ARGUMENT:
        frame = _batch(parameters, rng=seeds)
        frame["rng"] = [seeds[i] for i in frame["iteration"]]
        return frame
    return _batch({**parameters, "rng": seeds})


def _batch(parameters: dict, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Mesa 3.5 deprecates iterations
        rows = mesa.batch_run(
            MentorshipModel,
            parameters=parameters,
            number_processes=1,
            data_collection_period=1,
            max_steps=100,
            display_progress=False,
            **kwargs,
        )
    return pd.DataFrame(rows)


def test_batch_run_as_in_mesas_docs() -> None:
    # Mesa's tutorial call, with our model and flat parameters
    frame = _batch({**SMALL, "mentor_training": [0.2, 0.8]}, iterations=2)
    assert set(REPORTED) <= set(frame.columns)
    # Mesa 3.3 reports weeks 0..5 of a 6-week program (the state at the start of each
    # step), Mesa 3.5 weeks 0..6
    last = frame["Step"].max()
    assert last in (5, 6)
    assert len(frame) == 2 * 2 * (last + 1)
    assert sorted(frame["mentor_training"].unique()) == [0.2, 0.8]


def test_batch_run_matches_our_own_runs() -> None:
    frame = _seeded(SMALL, [11, 12])
    scenario = Scenario().with_overrides({"cohort.size": 40, "levers.weeks": 6})
    for seed, rows in frame.groupby("rng"):
        ours = simulate(scenario, rng=int(seed))
        for _, row in rows.iterrows():  # Step k is week k
            for metric in REPORTED:
                expected = ours.value(metric, week=int(row["Step"]))
                assert row[metric] == pytest.approx(expected, nan_ok=True)


def test_batch_run_with_a_scenario_object() -> None:
    scenario = Scenario().with_overrides({"cohort.size": 30, "levers.weeks": 3})
    frame = _seeded({"scenario": [scenario]}, [1, 1])
    finals = frame[frame["Step"] == 2]
    assert len(finals) == 2
    assert finals["belonging"].nunique() == 1  # same seed, same result


def test_flat_settings_are_checked() -> None:
    with pytest.raises(ScenarioError, match="not a scenario setting"):
        MentorshipModel(no_such_setting=1)
    model = MentorshipModel(rng=1, **{"levers.mentor_training": 0.9, "cohort.size": 25})
    assert model.program.levers.mentor_training == 0.9 and len(model.students) == 25


def test_groupby_a_group_attribute_equals_the_metrics_table() -> None:
    model = MentorshipModel(cohort__size=80, weeks=2, rng=3)
    means = model.agents_by_type[Student].groupby("first_gen").agg("belonging", np.mean)
    metrics, _ = model.recorder.tables()
    start = metrics[
        (metrics.week == 0) & (metrics.attribute == "first_gen") & (metrics.metric == "belonging")
    ].set_index("group")["value"]
    for level, value in means.items():
        assert value == pytest.approx(start[level])


def test_an_intervention_changes_the_students_state() -> None:
    model = MentorshipModel(cohort__size=40, weeks=3, rng=5)
    twin = MentorshipModel(cohort__size=40, weeks=3, rng=5)
    student = model.students[3]
    student.belonging = 0.05
    model.run_model()
    twin.run_model()
    assert model.students[3].belonging < twin.students[3].belonging
    with pytest.raises(ValueError, match="between 0 and 1"):
        student.confidence = 1.5


def test_steps_and_run_model_replace_week_and_run() -> None:
    model = MentorshipModel(cohort__size=20, weeks=4, rng=2)
    model.run_model()
    assert model.steps == 4 and not model.running
    with pytest.warns(DeprecationWarning, match="steps"):
        assert model.week == 4
