"""Matching a tiled roster (copies of one template, :func:`workbench.roster.mark_tiles`).

The batched worlds engine stacks copies of one roster; matching then slices
the template's score matrix per site and solves copies that pose the same
problem once. These tests hold that to the plain, site-by-site definition:

- copies that pose *different* problems get exactly the pairs and scores the
  same roster unmarked gets (same rng): slicing changes no number;
- copies that pose the *same* problem share one solution, which is the
  solution of one copy matched on its own with the same rng (the draws the
  shared copies would have made are not made: common random numbers);
- ``template_of`` follows ``with_roles`` copies and ``take`` sub-rosters.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.cohort import generate_roster
from workbench.matching import match_roster
from workbench.matching.scores import score_matrix, weighted_scores
from workbench.roster import Roster, template_of
from workbench.scenario import Scenario
from workbench.worlds.engine import tile_roster

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
POLICIES = ("optimal", "balanced", "cross_age", "affinity", "random")


def _roster(seed: int, n: int, sites: int) -> Roster:
    cohort = Scenario().cohort.model_copy(update={"size": n, "sites": sites})
    return generate_roster(cohort, np.random.default_rng(seed))


def _unmarked(tiled: Roster) -> Roster:
    """The same students and caches, without the tiling mark (the plain path)."""
    plain = replace(tiled)
    plain.__dict__["_codes"] = tiled._codes
    plain.__dict__["neutral_terms"] = tiled.neutral_terms
    assert template_of(plain) is None
    return plain


def _pairs(pairing) -> set[tuple[int, int]]:
    return set(zip(pairing.mentor.tolist(), pairing.mentee.tolist(), strict=True))


@FAST
@given(
    seed=st.integers(0, 2**31),
    sites=st.integers(1, 3),
    copies=st.integers(2, 4),
    policy=st.sampled_from(POLICIES),
)
def test_distinct_copies_match_as_the_unmarked_roster(seed, sites, copies, policy) -> None:
    base = _roster(seed, 24, sites)
    tiled, copy = tile_roster(base, copies)
    # in every site, each copy loses a different student: no two copies' sites alike
    n = len(base)
    dropped = [
        c * n + np.flatnonzero(base.site_codes == s)[c] for c in range(copies) for s in range(sites)
    ]
    rows = np.setdiff1d(np.arange(len(tiled)), dropped)
    avoid = np.column_stack([np.arange(copies) * n + 2, np.arange(copies) * n + 5])
    config = Scenario().matching.model_copy(update={"policy": policy})
    marked = match_roster(tiled, config, np.random.default_rng(seed + 2), rows=rows, avoid=avoid)
    plain = match_roster(
        _unmarked(tiled), config, np.random.default_rng(seed + 2), rows=rows, avoid=avoid
    )
    np.testing.assert_array_equal(marked.mentor, plain.mentor)
    np.testing.assert_array_equal(marked.mentee, plain.mentee)
    np.testing.assert_array_equal(marked.group, plain.group)
    np.testing.assert_array_equal(marked.score, plain.score)  # exactly: slicing changes nothing
    assert marked.unmatched == plain.unmatched


@FAST
@given(seed=st.integers(0, 2**31), sites=st.integers(1, 3), policy=st.sampled_from(POLICIES))
def test_identical_copies_share_one_copys_own_solution(seed, sites, policy) -> None:
    base = _roster(seed, 30, sites)
    copies = 3
    tiled, copy = tile_roster(base, copies)
    config = Scenario().matching.model_copy(update={"policy": policy})
    shared = match_roster(tiled, config, np.random.default_rng(seed))
    # sites are matched in site-name order: site_1|w0, site_1|w1, ..., site_2|w0, ...; the
    # copies of site_1 share site_1|w0's draws, so the whole is the base roster's matching
    alone = match_roster(base, config, np.random.default_rng(seed))
    expected = {(int(a), int(b)) for a, b in zip(alone.mentor, alone.mentee, strict=True)}
    n = len(base)
    for c in range(copies):
        mine = copy[shared.mentor] == c
        assert (copy[shared.mentee[mine]] == c).all()
        got = {(int(a) - c * n, int(b) - c * n) for a, b in _pairs(shared) if a // n == c}
        assert got == expected
        np.testing.assert_array_equal(np.sort(shared.score[mine]), np.sort(alone.score))


def test_sliced_scores_equal_the_sites_own_matrix() -> None:
    base = _roster(4, 40, 2)
    tiled, _ = tile_roster(base, 3)
    weights = Scenario().matching.weights.model_dump()
    rng = np.random.default_rng(0)
    site = tiled.take(np.flatnonzero(tiled.site_codes == 3)).with_roles(
        tiled.role[tiled.site_codes == 3]
    )
    assert template_of(site) is not None
    mentors, mentees = rng.permutation(len(site))[:7], rng.permutation(len(site))[:9]
    for attributes in (None, ["first_gen"]):
        got = weighted_scores(site, mentors, mentees, weights, attributes)
        np.testing.assert_array_equal(
            got, score_matrix(_unmarked(site), mentors, mentees, weights, attributes)
        )


def test_template_of_follows_copies_and_sub_rosters() -> None:
    base = _roster(1, 12, 1)
    tiled, copy = tile_roster(base, 3)
    found = template_of(tiled)
    assert found is not None and found[0] is base
    np.testing.assert_array_equal(found[1], np.tile(np.arange(12), 3))
    sub = tiled.with_roles(tiled.role).take(np.array([30, 13, 2]))
    np.testing.assert_array_equal(template_of(sub)[1], [6, 1, 2])
    assert template_of(base) is None
    with pytest.raises(ValueError, match="one template row per row"):
        from workbench.roster import mark_tiles

        mark_tiles(replace(tiled), base, np.arange(5))
