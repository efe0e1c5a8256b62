"""Matching many small sites: the one-pass shortcuts give what the plain definitions give.

- ``MatchContext.split`` (every site's pairs and rankings in one pass) equals
  ``MatchContext.take`` site by site;
- ``match_roster`` over many sites equals running the policy site by site on
  ``roster.take`` and ``context.take`` with the same rng;
- the outer score terms (every mentor x every mentee, with their shortcuts for
  rosters without blanks) equal the element-wise terms of the same pairs, exactly;
- ``neutral_shared`` equals its definition over ordered pairs of students;
- a ``with_roles`` copy shares the role-free caches of the roster it copies.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import registry
from workbench.cohort import generate_roster
from workbench.matching import match_roster, pair_terms, pairwise_terms, split_roles
from workbench.matching.context import MatchContext
from workbench.matching.pairing import Pairing
from workbench.neutral import neutral_shared
from workbench.scenario import Scenario

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def same_context(a: MatchContext, b: MatchContext) -> bool:
    return (
        a.forbidden.shape == b.forbidden.shape
        and np.array_equal(a.forbidden, b.forbidden)
        and a.avoid.shape == b.avoid.shape
        and np.array_equal(a.avoid, b.avoid)
        and dict(a.rankings) == dict(b.rankings)
        and a.strict == b.strict
    )


@FAST
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(1, 60),
    blocks=st.integers(1, 8),
    pairs=st.integers(0, 80),
)
def test_split_equals_take_block_by_block(seed, n, blocks, pairs) -> None:
    rng = np.random.default_rng(seed)
    forbidden = rng.integers(0, n, (pairs, 2))
    avoid = rng.integers(0, n + 5, (pairs, 2))  # some rows outside every block
    rankings = {
        int(k): [int(v) for v in rng.integers(0, n + 3, rng.integers(0, 6))]
        for k in rng.choice(n + 3, min(n, 10), replace=False)
    }
    context = MatchContext.build(forbidden, avoid, rankings, strict=bool(seed % 2))
    rows = rng.permutation(n)[: rng.integers(0, n + 1)]  # some rows take no part
    parts = np.array_split(rows, blocks)
    split = context.split(parts)
    assert len(split) == len(parts)
    for part, local in zip(parts, split, strict=True):
        assert same_context(local, context.take(part))


def site_by_site(roster, config, rng, rows, avoid) -> Pairing:
    """The plain definition of matching site by site (the reference for match_roster)."""
    policy = registry.get("matching", config.policy).load()
    context = MatchContext.build(roster.must_not_meet, avoid)
    codes = roster.site_codes[rows]
    parts = []
    for site in np.unique(codes):
        site_rows = rows[codes == site]
        if len(site_rows) < 2:
            alone = {int(r): "the only student waiting for a match in this site" for r in site_rows}
            parts.append(Pairing(*([np.zeros(0, np.intp)] * 3), np.zeros(0), alone, config.policy))
            continue
        sub = policy(roster.take(site_rows), config, rng, context.take(site_rows))
        parts.append(sub.remap(site_rows))
    return Pairing.concat(parts, config.policy)


@pytest.mark.parametrize("policy", ["optimal", "random", "stable", "balanced", "cross_age"])
def test_many_sites_match_as_site_by_site(policy) -> None:
    scenario = Scenario().with_overrides(
        {"cohort.size": 400, "cohort.sites": 25, "matching.policy": policy}
    )
    rng = np.random.default_rng(5)
    roster = generate_roster(scenario.cohort, rng)
    pairs = np.sort(rng.integers(0, 400, (60, 2)), axis=1)
    roster = replace(roster, must_not_meet=pairs[pairs[:, 0] != pairs[:, 1]])
    rows = np.sort(rng.choice(400, 300, replace=False))
    avoid = rng.integers(0, 400, (400, 2))
    got = match_roster(roster, scenario.matching, np.random.default_rng(1), rows, avoid=avoid)
    want = site_by_site(roster, scenario.matching, np.random.default_rng(1), rows, avoid)
    for name in ("mentor", "mentee", "group", "score"):
        assert np.array_equal(getattr(got, name), getattr(want, name)), name
    assert got.unmatched == want.unmatched
    assert got.notes == want.notes
    assert len(got) > 100


@FAST
@given(seed=st.integers(0, 2**31), size=st.integers(2, 40), blank=st.sampled_from([0.0, 0.3]))
def test_outer_terms_equal_elementwise_terms_exactly(seed, size, blank) -> None:
    scenario = Scenario().with_overrides({"cohort.size": size})
    rng = np.random.default_rng(seed)
    roster = generate_roster(scenario.cohort, rng)
    if blank:  # blank timetables, languages and interests take the slower, general path
        roster = replace(
            roster,
            schedule=roster.schedule & (rng.random((size, 1)) > blank),
            languages=roster.languages & (rng.random((size, 1)) > blank),
            interests=roster.interests & (rng.random((size, 1)) > blank),
        )
    mentors, mentees = split_roles(roster)
    outer = pair_terms(roster, mentors, mentees)
    a, b = np.meshgrid(mentors, mentees, indexing="ij")
    flat = pairwise_terms(roster, a.ravel(), b.ravel())
    for name, matrix in outer.items():
        assert matrix.shape == (len(mentors), len(mentees))
        assert np.array_equal(matrix.ravel(), flat[name]), name


def shared_by_definition(languages: np.ndarray) -> float:
    known = [row for row in languages if row.any()]
    n = len(known)
    if n < 2:
        return 1.0
    hits = sum(bool((known[i] & known[j]).any()) for i in range(n) for j in range(n) if i != j)
    return hits / (n * (n - 1))


@FAST
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(0, 30),
    width=st.sampled_from([0, 1, 3, 8, 70]),
    p=st.floats(0.0, 0.6),
)
def test_neutral_shared_is_its_definition(seed, n, width, p) -> None:
    languages = np.random.default_rng(seed).random((n, width)) < p
    assert neutral_shared(languages) == pytest.approx(shared_by_definition(languages), abs=1e-12)


def test_with_roles_copies_share_role_free_caches() -> None:
    scenario = Scenario().with_overrides({"cohort.size": 120, "cohort.sites": 3})
    roster = generate_roster(scenario.cohort, np.random.default_rng(3))
    roles = np.where(np.arange(120) % 2 == 0, "mentor", "mentee").astype(object)
    first = roster.with_roles(roles)
    second = first.with_roles(roster.role)
    assert first.neutral_terms is roster.neutral_terms is second.neutral_terms
    assert first.group_codes("first_gen")[0] is roster.group_codes("first_gen")[0]
    assert first.site_codes is roster.site_codes
    fresh = replace(roster, role=roles)  # the same students, nothing cached
    assert fresh.neutral_terms == first.neutral_terms
    assert np.array_equal(fresh.site_codes, first.site_codes)
    assert list(first.role) == list(roles)
    assert second.take(np.arange(10)).neutral_terms is roster.neutral_terms


def test_derived_is_computed_once_and_sliced_by_sites() -> None:
    scenario = Scenario().with_overrides({"cohort.size": 60, "cohort.sites": 3})
    roster = generate_roster(scenario.cohort, np.random.default_rng(4))
    calls = []

    def interest_count(r):
        calls.append(len(r))
        return r.interests.sum(1), r.grade * 2

    copy = roster.with_roles(roster.role)
    rows = np.array([5, 1, 40])
    sub = copy.take(rows)
    counts, doubled = sub.derived("test.count", interest_count)
    assert calls == [60]  # computed for the whole roster, once
    assert np.array_equal(counts, roster.interests[rows].sum(1))
    assert np.array_equal(doubled, roster.grade[rows] * 2)
    assert (
        roster.derived("test.count", interest_count)[0]
        is copy.derived("test.count", interest_count)[0]
    )
    assert calls == [60]
