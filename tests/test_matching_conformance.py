"""One conformance suite for EVERY registered matching policy (like sklearn's check_estimator).

For random rosters and settings (hypothesis): every student is linked at most
once as a mentee and mentors stay within capacity, links stay within a site,
every hard constraint holds, everyone is either matched or given a reason,
and the same rng seed gives the same pairing. Each policy's record is checked
too: its function loads and its pairing does not change with a setting the
record says it does not read (the dashboard greys those controls out).
:func:`check_policy` is reused on policies installed from outside the package
(tests/test_registry_plugins.py).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import registry
from workbench.cohort import generate_roster
from workbench.matching import match_roster
from workbench.matching.scores import TERMS, pairwise_terms
from workbench.scenario import Scenario, flatten_settings

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def make_case(seed: int, size: int, sites: int, mentor_share: float, forbid: int):
    scenario = Scenario().with_overrides(
        {"cohort.size": size, "cohort.sites": sites, "cohort.mentor_share": mentor_share}
    )
    rng = np.random.default_rng(seed)
    roster = generate_roster(scenario.cohort, rng)
    pairs = rng.integers(0, size, size=(forbid, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    return scenario, replace(roster, must_not_meet=np.sort(pairs, axis=1))


def links_per_student(pairing, n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.bincount(pairing.mentor, minlength=n), np.bincount(pairing.mentee, minlength=n)


cases = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**31),
        "size": st.integers(4, 48),
        "sites": st.integers(1, 2),
        "mentor_share": st.sampled_from([0.2, 0.35, 0.5, 0.65]),
        "forbid": st.integers(0, 12),
        "overlap": st.integers(0, 2),
        "language": st.booleans(),
        "capacity": st.integers(1, 3),
        "proposing": st.sampled_from(["mentee", "mentor"]),
        "circle_mentors": st.integers(1, 2),
    }
)


def check_policy(name: str, case: dict) -> None:
    """Every property a matching policy must have, on one hypothesis case."""
    record = registry.get("matching", name)
    scenario, roster = make_case(
        case["seed"], case["size"], case["sites"], case["mentor_share"], case["forbid"]
    )
    config = scenario.matching.model_copy(
        update={
            "policy": name,
            "min_schedule_overlap": case["overlap"],
            "language_required": case["language"],
            "capacity": case["capacity"],
            "proposing": case["proposing"],
            "circle_mentors": case["circle_mentors"],
            "quota_attribute": "first_gen",
            "max_per_group": 1,
        }
    )
    n = len(roster)
    pairing = match_roster(roster, config, np.random.default_rng(case["seed"]))

    # each student at most once as a mentee; mentors within capacity / circle size
    as_mentor, as_mentee = links_per_student(pairing, n)
    assert as_mentee.max(initial=0) <= 1
    limit = config.circle_size if record.forms_groups else 1 if name == "peer" else config.capacity
    assert as_mentor.max(initial=0) <= limit
    if name in ("peer",):
        assert (as_mentor + as_mentee).max(initial=0) <= 1
    if not record.forms_groups:  # in a group (circles) a mentor leads several members
        assert not np.any((as_mentor > 0) & (as_mentee > 0))
    # everyone is matched or has a reason, never both
    matched = (as_mentor + as_mentee) > 0
    assert set(pairing.unmatched) == set(np.flatnonzero(~matched).tolist())
    assert all(isinstance(why, str) and why for why in pairing.unmatched.values())
    # links stay within a site; group ids are shared only by one mentor's or circle's links
    assert np.all(roster.site[pairing.mentor] == roster.site[pairing.mentee])
    # hard constraints
    forbidden = {tuple(p) for p in np.sort(roster.must_not_meet, axis=1).tolist()}
    linked = {
        tuple(sorted(p)) for p in zip(pairing.mentor.tolist(), pairing.mentee.tolist(), strict=True)
    }
    assert not linked & forbidden
    if record.forms_groups:  # nobody shares a group with someone they must not meet
        for g in np.unique(pairing.group):
            members = set(pairing.mentor[pairing.group == g]) | set(
                pairing.mentee[pairing.group == g]
            )
            assert not any({a, b} <= members for a, b in forbidden)
    shared = (roster.schedule[pairing.mentor] & roster.schedule[pairing.mentee]).sum(1)
    assert np.all(shared >= config.min_schedule_overlap)
    if config.language_required:
        assert np.all((roster.languages[pairing.mentor] & roster.languages[pairing.mentee]).any(1))
    if name == "cross_age":
        assert np.all(roster.grade[pairing.mentor] - roster.grade[pairing.mentee] >= 1)
    if record.uses("matching.circle_size"):
        sizes = np.bincount(pairing.group)
        assert sizes[sizes > 0].max(initial=0) <= config.circle_size - config.circle_mentors
    # the reported score is the configured weighted score of each link
    terms = pairwise_terms(roster, pairing.mentor, pairing.mentee)
    weights = config.weights.model_dump()
    expected = sum(w * terms[t] for t, w in weights.items())
    np.testing.assert_allclose(pairing.score, expected, atol=1e-9)
    # deterministic given the rng
    again = match_roster(roster, config, np.random.default_rng(case["seed"]))
    for field in ("mentor", "mentee", "group", "score"):
        np.testing.assert_array_equal(getattr(pairing, field), getattr(again, field))
    assert pairing.unmatched == again.unmatched
    assert pairing.policy == name


@pytest.mark.parametrize("name", registry.names("matching"))
@SETTINGS
@given(case=cases)
def test_policy_conformance(name: str, case: dict) -> None:
    check_policy(name, case)


@pytest.mark.parametrize("name", registry.names("matching"))
def test_policy_avoids_recent_partners_where_possible(name: str) -> None:
    scenario, roster = make_case(7, 40, 1, 0.5, 0)
    config = scenario.matching.model_copy(update={"policy": name})
    first = match_roster(roster, config, np.random.default_rng(1))
    previous = list(zip(first.mentor.tolist(), first.mentee.tolist(), strict=True))
    second = match_roster(roster, config, np.random.default_rng(1), avoid=previous)
    again = {
        tuple(sorted(p)) for p in zip(second.mentor.tolist(), second.mentee.tolist(), strict=True)
    }
    assert not again & {tuple(sorted(p)) for p in previous}
    assert len(second) >= len(first) - (2 if name == "circles" else 0)


@pytest.mark.parametrize("name", registry.names("matching"))
def test_policy_takes_only_the_given_rows(name: str) -> None:
    scenario, roster = make_case(3, 30, 2, 0.5, 0)
    rows = np.arange(0, 30, 2)
    config = scenario.matching.model_copy(update={"policy": name})
    pairing = match_roster(roster, config, np.random.default_rng(0), rows=rows)
    used = set(pairing.mentor.tolist()) | set(pairing.mentee.tolist()) | set(pairing.unmatched)
    assert used <= set(rows.tolist())


#: Policy-specific settings and another valid value of each (dotted key -> override).
OTHER_VALUES: dict[str, dict[str, object]] = {
    "matching.balance": {"matching.balance": 0.9},
    "matching.proposing": {"matching.proposing": "mentor"},
    "matching.circle_size": {"matching.circle_size": 4},
    "matching.circle_mentors": {"matching.circle_mentors": 2},
    "matching.grade_gap": {"matching.grade_gap": 2},
    "matching.max_per_group": {
        "matching.quota_attribute": "first_gen",
        "matching.max_per_group": 1,
    },
    "matching.weights.affinity": {"matching.weights.affinity": 3.0},
    "matching.weights.challenge": {"matching.weights.challenge": 2.0},
    "matching.weights.schedule": {"matching.weights.schedule": 4.0},
}


def structure(pairing) -> tuple:
    return pairing.mentor.tolist(), pairing.mentee.tolist(), pairing.group.tolist()


@pytest.mark.parametrize("name", registry.names("matching"))
def test_policy_ignores_settings_its_record_does_not_name(name: str) -> None:
    record = registry.get("matching", name)
    scenario = Scenario().with_overrides(
        {"cohort.size": 36, "cohort.mentor_share": 0.35, "cohort.grades": [6, 7, 8, 9, 10]}
    )
    base = scenario.with_overrides({"matching.policy": name}).matching
    changed_any = False
    # a few rosters: on one roster a setting the policy reads may happen not to matter
    for seed in (5, 6, 7):
        roster = generate_roster(scenario.cohort, np.random.default_rng(seed))
        first = structure(match_roster(roster, base, np.random.default_rng(2)))
        for setting, override in OTHER_VALUES.items():
            config = scenario.with_overrides({"matching.policy": name, **override}).matching
            other = structure(match_roster(roster, config, np.random.default_rng(2)))
            if not record.uses(setting):
                assert other == first, f"{name} changed with {setting}, which it does not name"
            changed_any |= other != first
        if changed_any:
            break
    if record.settings_used:  # a setting it names makes a difference somewhere
        assert changed_any


@pytest.mark.parametrize("record", registry.records("matching"), ids=lambda r: r.name)
def test_record_is_complete(record: registry.PolicyRecord) -> None:
    assert callable(record.load())
    known = set(flatten_settings(Scenario().model_dump(mode="json")))
    for setting in record.settings_used:
        assert setting in known or any(k.startswith(f"{setting}.") for k in known), setting
    if isinstance(record.weights, registry.WeightRecipe):
        config = Scenario().matching.model_copy(update={"policy": record.name})
        assert set(record.weights.weights(config)) <= set(TERMS)
