"""Scenario files: validation at the edge, overrides, round trips, inheritance."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.scenario import Scenario, ScenarioError, load_scenario

SCENARIOS = sorted(Path("scenarios").glob("*.toml"))


def scenario_files() -> list[Path]:
    return [p for p in SCENARIOS if not p.name.startswith("sweep_")]


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_every_bundled_scenario_loads(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.description, "each bundled scenario tells its story in a description"


def test_base_files_are_merged_key_by_key() -> None:
    baseline = load_scenario("scenarios/baseline.toml")
    rotating = load_scenario("scenarios/rotation_periodic.toml")
    assert rotating.rotation.policy == "periodic"
    assert rotating.cohort == baseline.cohort
    assert rotating.levers == baseline.levers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[cohort]\nsize = 100\ncolour = 3\n", "cohort.colour: unknown key"),
        ("[cohort]\nsize = 'many'\n", "cohort.size"),
        (
            "[levers]\nmentor_training = 1.5\n",
            "levers.mentor_training: Input should be less than or equal to 1",
        ),
        ("[matching]\npolicy = 'telepathy'\n", "unknown policy 'telepathy'"),
        ("[levers\nweeks = 3\n", "malformed TOML"),
        ("[rotation]\npolicy = 'sometimes'\n", "rotation.policy"),
        ("[cohort.attributes.x]\nlevels = ['a', 'b']\nshares = [0.5, 0.6]\n", "sum to 1"),
    ],
)
def test_bad_files_give_one_line_naming_file_and_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expected in message


def test_missing_file_and_base_loop(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "nope.toml")
    (tmp_path / "a.toml").write_text('base = "b.toml"\n')
    (tmp_path / "b.toml").write_text('base = "a.toml"\n')
    with pytest.raises(ScenarioError, match="loop"):
        load_scenario(tmp_path / "a.toml")


def test_overrides_are_validated() -> None:
    scenario = Scenario()
    assert scenario.with_overrides({"levers.weeks": 12}).levers.weeks == 12
    with pytest.raises(ScenarioError, match="levers.weeks"):
        scenario.with_overrides({"levers.weeks": 0})
    with pytest.raises(ScenarioError, match="no setting 'wekes'"):
        scenario.with_overrides({"levers.wekes": 3})


@settings(max_examples=25, deadline=None)
@given(
    training=st.floats(0, 1),
    weeks=st.integers(1, 104),
    policy=st.sampled_from(["none", "periodic", "plan_b", "dependency", "role"]),
    transport=st.booleans(),
)
def test_save_load_round_trip(tmp_path_factory, training, weeks, policy, transport) -> None:
    scenario = Scenario(name="trip").with_overrides(
        {
            "levers.mentor_training": training,
            "levers.weeks": weeks,
            "rotation.policy": policy,
            "levers.supports.transport": transport,
        }
    )
    path = scenario.save(tmp_path_factory.mktemp("s") / "trip.toml")
    again = load_scenario(path)
    assert again == scenario
    assert again.hash() == scenario.hash()


def test_hash_tracks_content_not_name() -> None:
    a = Scenario(name="a")
    assert a.hash() == Scenario(name="b").hash()
    assert a.hash() != a.with_overrides({"levers.weeks": 20}).hash()


def test_attribute_order_does_not_change_the_students() -> None:
    """Same hash, same students: a scenario with its attributes listed in another order (as a
    sorted JSON manifest gives it back) is the same design."""
    from workbench.simulation import simulate

    base = Scenario().with_overrides({"cohort.size": 60, "levers.weeks": 3})
    data = base.model_dump()
    data["cohort"]["attributes"] = dict(reversed(list(data["cohort"]["attributes"].items())))
    other = Scenario.model_validate(data)
    assert other.hash() == base.hash()
    a, b = simulate(base, rng=4), simulate(other, rng=4)
    pd.testing.assert_frame_equal(a.students, b.students)
