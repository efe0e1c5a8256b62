"""One conformance suite for EVERY registered matching policy (like sklearn's check_estimator).

For random rosters and settings (hypothesis): every student is linked at most
once as a mentee and mentors stay within capacity, links stay within a site,
every hard constraint holds, everyone is either matched or given a reason,
and the same rng seed gives the same pairing.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.cohort import generate_roster
from workbench.matching import POLICIES, match_roster
from workbench.scenario import Scenario

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


@pytest.mark.parametrize("name", sorted(POLICIES))
@SETTINGS
@given(case=cases)
def test_policy_conformance(name: str, case: dict) -> None:
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
    limit = config.circle_size if name == "circles" else 1 if name == "peer" else config.capacity
    assert as_mentor.max(initial=0) <= limit
    if name in ("peer",):
        assert (as_mentor + as_mentee).max(initial=0) <= 1
    if name != "circles":  # in circles a mentor leads several members of one group
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
    if name == "circles":  # nobody shares a circle with someone they must not meet
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
    if name == "circles":
        sizes = np.bincount(pairing.group)
        assert sizes[sizes > 0].max(initial=0) <= config.circle_size - config.circle_mentors
    # the reported score is the configured weighted score of each link
    from workbench.matching.scores import pairwise_terms

    terms = pairwise_terms(roster, pairing.mentor, pairing.mentee)
    weights = config.weights.model_dump()
    expected = sum(w * terms[t] for t, w in weights.items())
    np.testing.assert_allclose(pairing.score, expected, atol=1e-9)
    # deterministic given the rng
    again = match_roster(roster, config, np.random.default_rng(case["seed"]))
    for field in ("mentor", "mentee", "group", "score"):
        np.testing.assert_array_equal(getattr(pairing, field), getattr(again, field))
    assert pairing.unmatched == again.unmatched


@pytest.mark.parametrize("name", sorted(POLICIES))
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


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_policy_takes_only_the_given_rows(name: str) -> None:
    scenario, roster = make_case(3, 30, 2, 0.5, 0)
    rows = np.arange(0, 30, 2)
    config = scenario.matching.model_copy(update={"policy": name})
    pairing = match_roster(roster, config, np.random.default_rng(0), rows=rows)
    used = set(pairing.mentor.tolist()) | set(pairing.mentee.tolist()) | set(pairing.unmatched)
    assert used <= set(rows.tolist())
