"""Policies from OUTSIDE the package: one file plus its registration, used everywhere.

tests/data/policy_plugin/school_policies.py (the example of docs/extending.md)
is installed the way pip leaves a package: the module and a ``*.dist-info``
folder whose ``entry_points.txt`` names its records in the group
``workbench.policies``, in a folder on ``sys.path`` (``PYTHONPATH`` for the
command line). Nothing in the workbench names it; the tests run its matching
policies through the conformance suite, the simulation, a scenario file,
``workbench.match``, the ``workbench match`` command and the dashboard (its
choices, a simulator run, the Match tab), and its rotation through the
rotation suite and a simulation.
"""

from __future__ import annotations

import copy
import csv
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from test_matching_conformance import SETTINGS, cases, check_policy
from test_rotation_conformance import STATES, check_rotation

import workbench
from workbench import registry
from workbench.dynamics import END_REASONS
from workbench.matching import POLICIES, match_roster
from workbench.model import MentorshipModel
from workbench.rotation import ROTATIONS
from workbench.scenario import Scenario, load_scenario

ROOT = Path(__file__).parents[1]
PLUGIN = ROOT / "tests" / "data" / "policy_plugin" / "school_policies.py"
ROSTER = ROOT / "examples" / "roster_synthetic.csv"


def install(folder: Path) -> Path:
    """Lay the plugin out as an installed distribution: module + dist-info with entry points."""
    shutil.copy(PLUGIN, folder / PLUGIN.name)
    info = folder / "school_policies-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: school-policies\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[workbench.policies]\nschool = school_policies:RECORDS\n", encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory):
    """The plugin installed on sys.path for this module's tests, removed afterwards."""
    folder = install(tmp_path_factory.mktemp("site-packages"))
    sys.path.insert(0, str(folder))
    importlib.invalidate_caches()
    registry.discover(reload=True)
    yield folder
    sys.path.remove(str(folder))
    sys.modules.pop("school_policies", None)
    registry.discover(reload=True)


def test_installed_policies_are_found_and_described(plugin_path: Path) -> None:
    assert {"signup_order", "stretch"} <= set(registry.names("matching"))
    assert "trust_check" in registry.names("rotation")
    assert {"signup_order", "stretch"} <= set(POLICIES)
    assert "trust_check" in ROTATIONS
    record = registry.get("matching", "stretch")
    assert record.objective() == ("challenge + 0.5·complementarity (+ schedule, language as set)")
    assert registry.get("rotation", "trust_check").describe({"every_weeks": 4}) == (
        "every 4 weeks the pairs with the least trust change partners"
    )
    assert "| `signup_order` | First come, first served |" in registry.policy_table("matching")


@pytest.mark.parametrize("name", ["signup_order", "stretch"])
def test_installed_matching_policy_passes_the_conformance_suite(
    plugin_path: Path, name: str
) -> None:
    @SETTINGS
    @given(case=cases)
    def check(case: dict) -> None:
        check_policy(name, case)

    check()


def test_installed_rotation_passes_the_conformance_suite(plugin_path: Path) -> None:
    for scenario, state in STATES:
        for week in (1, 2, 3, 4, 5, 7, 9):
            check_rotation("trust_check", state, scenario, week)
    # and its rule: below the median trust at the weeks it is due
    scenario, state = STATES[-2]  # week 5: pairs together
    ended, reason = ROTATIONS["trust_check"](copy.deepcopy(state), scenario, 7)
    alive = np.flatnonzero(state.links.alive)
    expected = alive[state.links.trust[alive] < np.median(state.links.trust[alive])]
    np.testing.assert_array_equal(ended, expected)
    assert reason == "rotation" and 0 < len(ended) < len(alive)


def test_installed_policy_is_what_the_simulation_matches_with(plugin_path: Path) -> None:
    scenario = Scenario().with_overrides(
        {"cohort.size": 60, "levers.weeks": 6, "matching.policy": "signup_order"}
    )
    model = MentorshipModel(scenario, rng=4)
    rng = copy.deepcopy(model.rng)
    rows = np.flatnonzero(model.state.active)
    roster = model.roster.with_roles(model.state.role)
    expected = match_roster(roster, scenario.matching, copy.deepcopy(rng), rows=rows)
    optimal = scenario.matching.model_copy(update={"policy": "optimal"})
    other = match_roster(roster, optimal, copy.deepcopy(rng), rows=rows)
    model.step()  # week 1: everyone is matched
    links = model.state.links
    np.testing.assert_array_equal(links.mentor, expected.mentor)
    np.testing.assert_array_equal(links.mentee, expected.mentee)
    assert expected.policy == "signup_order"
    assert sorted(zip(expected.mentor, expected.mentee, strict=True)) != sorted(
        zip(other.mentor, other.mentee, strict=True)
    )
    model.run_model()
    assert model.steps == 6 and not model.running


def test_installed_policy_in_a_scenario_file_and_run_scenario(
    plugin_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "signup.toml"
    path.write_text(
        'base = "{}"\n[cohort]\nsize = 40\n[levers]\nweeks = 4\n[matching]\npolicy = "stretch"\n'.format(
            (ROOT / "scenarios" / "baseline.toml").as_posix()
        ),
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    assert scenario.matching.policy == "stretch"
    result = workbench.run_scenario(scenario, replications=2)
    run = result.tables()["run"]
    assert set(run["policy"]) == {"stretch"}
    assert len(result.tables()["links"]) > 0


def test_installed_rotation_in_a_scenario(plugin_path: Path) -> None:
    scenario = Scenario().with_overrides(
        {
            "cohort.size": 40,
            "levers.weeks": 8,
            "rotation.policy": "trust_check",
            "rotation.every_weeks": 3,
        }
    )
    model = MentorshipModel(scenario, rng=2)
    model.run_model()
    links = model.state.links
    rotated = links.reason == END_REASONS.index("rotation")
    assert rotated.any() and set(links.end[rotated]) <= {4, 7}


def test_workbench_match_uses_an_installed_policy(plugin_path: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin_path), str(ROOT)])}
    out = tmp_path / "pairs.csv"
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "match", str(ROSTER)]
        + ["--policy", "signup_order", "--out", str(out), "--no-compare"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "policy signup_order" in done.stdout
    with out.open(encoding="utf-8", newline="") as handle:
        written = [(row["mentor"], row["mentee"]) for row in csv.DictReader(handle)]
    expected = workbench.match(ROSTER, policy="signup_order", rng=0).pairs
    assert written == list(zip(expected["mentor"], expected["mentee"], strict=True))
    assert len(written) > 0


def test_workbench_match_refuses_an_unknown_policy_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "match", str(ROSTER), "--policy", "signup"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 2
    assert "signup" in done.stderr and "Traceback" not in done.stderr


def test_dashboard_offers_runs_and_matches_with_the_installed_policy(plugin_path: Path) -> None:
    from workbench.widgets.labels import SETTINGS_BY_KEY
    from workbench.widgets.matcher import RosterMatcher
    from workbench.widgets.runs import run_live
    from workbench.widgets.uploads import upload_entry

    values = [value for _, value in SETTINGS_BY_KEY["matching.policy"].options()]
    assert {"signup_order", "stretch"} <= set(values)
    # the simulator tab's run
    scenario = Scenario().with_overrides(
        {"cohort.size": 40, "levers.weeks": 3, "matching.policy": "signup_order"}
    )
    live = run_live(scenario, 2)
    assert live.complete and live.replications == 2 and len(live.metrics) > 0
    # the Match tab: the same pairs as workbench.match
    matcher = RosterMatcher(rng=3)
    matcher.upload.value = (upload_entry(ROSTER.name, ROSTER.read_bytes()),)
    matcher.policy.value = "signup_order"
    assert matcher.result.policy == "signup_order"
    expected = workbench.match(
        workbench.load_roster(ROSTER),
        policy="signup_order",
        weights=matcher.chosen_weights,
        rng=3,
    )
    assert matcher.pairs[["mentor", "mentee"]].equals(expected.pairs[["mentor", "mentee"]])


def test_dashboard_words_and_rotation_come_from_the_records(plugin_path: Path) -> None:
    from workbench.widgets.labels import SETTINGS_BY_KEY, policy_label

    assert policy_label("signup_order") == "First come, first served"
    rotations = dict(
        (value, label) for label, value in SETTINGS_BY_KEY["rotation.policy"].options()
    )
    assert rotations["trust_check"] == registry.get("rotation", "trust_check").label
    applies = SETTINGS_BY_KEY["rotation.every_weeks"].applies
    assert applies is not None and applies({"rotation.policy": "trust_check"})


def test_without_the_plugin_its_names_are_unknown(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from workbench import registry; print('signup_order' in registry.names('matching'))",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    assert done.stdout.strip() == "False"
