"""The one-pass matching of a tiled roster's sites equals the site-by-site loop, exactly.

:func:`workbench.matching.tiled.match_tiled_sites` replaces ``match_roster``'s
per-site loop for the batched worlds engine. Its promise is the loop's result,
bit for bit: the same pairs in the same order, groups, scores, reasons (in the
same order), notes, and the same draws taken from the random stream. These
tests run both on rounds shaped like the simulation's (copies of one roster,
students waiting in some copies, rows in any order, recent partners to avoid,
some of them unavoidable) and compare everything.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.cohort import generate_roster
from workbench.matching import match_roster, tiled
from workbench.matching.pairing import Pairing
from workbench.roster import Roster
from workbench.scenario import Scenario
from workbench.worlds.engine import tile_roster

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COVERED = ("optimal", "affinity", "complementary", "balanced", "cross_group")


def _roster(seed: int, n: int, sites: int) -> Roster:
    cohort = Scenario().cohort.model_copy(update={"size": n, "sites": sites})
    return generate_roster(cohort, np.random.default_rng(seed))


def _both_ways(roster, config, seed, **kwargs) -> tuple[tuple, tuple]:
    """(pairing, rng state after) from the one-pass path and from the site loop."""
    calls = []
    original = tiled.match_tiled_sites

    def spy(*args, **kw):
        found = original(*args, **kw)
        calls.append(found is not None)
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tiled, "match_tiled_sites", spy)
        rng = np.random.default_rng(seed)
        fast = match_roster(roster, config, rng, **kwargs)
        fast_state = rng.bit_generator.state
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tiled, "applies", lambda *args: False)
        rng = np.random.default_rng(seed)
        loop = match_roster(roster, config, rng, **kwargs)
        loop_state = rng.bit_generator.state
    return (fast, fast_state, calls), (loop, loop_state)


def _assert_same(a: Pairing, b: Pairing) -> None:
    for name in ("mentor", "mentee", "group", "score"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        np.testing.assert_array_equal(x, y, err_msg=name)  # exactly, not approximately
    assert list(a.unmatched.items()) == list(b.unmatched.items())  # reasons, in order
    assert a.notes == b.notes
    assert a.policy == b.policy


@FAST
@given(
    seed=st.integers(0, 2**31),
    sites=st.integers(1, 3),
    copies=st.integers(1, 6),
    policy=st.sampled_from(COVERED),
    capacity=st.integers(1, 3),
    waiting=st.floats(0.02, 1.0),
    avoided=st.integers(0, 60),
)
def test_one_pass_equals_the_site_loop(
    seed, sites, copies, policy, capacity, waiting, avoided
) -> None:
    rng = np.random.default_rng(seed)
    base = _roster(seed, int(rng.integers(4, 40)), sites)
    big, copy = tile_roster(base, copies)
    # the coordinator hands over the current roles: some copies' students have changed side
    role = big.role.copy()
    flip = rng.random(len(big)) < 0.1
    role[flip] = np.where(role[flip] == "mentor", "mentee", "mentor")
    roster = big.with_roles(role)
    # students waiting: some copies alike (shared solutions), some not; rows in any order
    n = len(base)
    keep = rng.random(n) < waiting
    alike = np.tile(keep, copies) & (copy % 2 == 0)
    rows = np.flatnonzero(alike | ((rng.random(len(big)) < waiting) & (copy % 2 == 1)))
    rows = rng.permutation(rows) if seed % 3 == 0 else rows
    # recent partners: pairs within a copy (the same in every copy) and a few across
    within = rng.integers(0, n, (avoided, 2))
    pairs = (within[None, :, :] + (np.arange(copies) * n)[:, None, None]).reshape(-1, 2)
    pairs = np.vstack([pairs, rng.integers(0, len(big), (avoided // 4, 2))])
    # as the coordinator gives them (an array), as a caller may (a list), or none
    given = pairs if seed % 2 else [tuple(pair) for pair in pairs.tolist()]
    given = None if avoided == 0 and seed % 2 else given
    config = Scenario().matching.model_copy(update={"policy": policy, "capacity": capacity})
    (fast, fast_state, calls), (loop, loop_state) = _both_ways(
        roster, config, seed + 1, rows=rows, avoid=given
    )
    assert calls, "the one-pass path was not tried"
    _assert_same(fast, loop)
    assert fast_state == loop_state  # the same draws: the rest of a run is unchanged


def test_a_kept_recent_pair_shared_by_copies_falls_back_to_the_loop() -> None:
    # two students, one mentor and one mentee, who were partners: in every copy the only
    # way to match them is to keep the pair (a note), and the loop then re-solves every
    # copy (a solution with a note is not shared), drawing again each time
    base = _roster(3, 12, 1)
    mentor = int(np.flatnonzero(base.role == "mentor")[0])
    mentee = int(np.flatnonzero(base.role == "mentee")[0])
    big, copy = tile_roster(base, 4)
    rows = np.sort(np.concatenate([np.arange(4) * len(base) + r for r in (mentor, mentee)]))
    pairs = np.column_stack([np.arange(4) * len(base) + mentor, np.arange(4) * len(base) + mentee])
    config = Scenario().matching
    (fast, fast_state, calls), (loop, loop_state) = _both_ways(
        big, config, 9, rows=rows, avoid=pairs
    )
    assert calls == [False]  # the one-pass path declined, leaving the stream as it was
    _assert_same(fast, loop)
    assert fast_state == loop_state
    assert len(fast.notes) == 4 and len(fast) == 4


def test_a_kept_recent_pair_alone_is_noted_in_one_pass() -> None:
    base = _roster(3, 12, 1)
    mentor = int(np.flatnonzero(base.role == "mentor")[0])
    mentee = int(np.flatnonzero(base.role == "mentee")[0])
    big, copy = tile_roster(base, 3)
    n = len(base)
    # copy 0: the two former partners alone; copies 1, 2: everyone (different problems)
    rows = np.concatenate([[mentor, mentee], np.arange(n, 3 * n)])
    pairs = np.array([[mentor, mentee]])
    (fast, fast_state, calls), (loop, loop_state) = _both_ways(
        big, Scenario().matching, 4, rows=rows, avoid=pairs
    )
    assert calls == [True]
    _assert_same(fast, loop)
    assert fast_state == loop_state
    assert fast.notes == (
        "site site_1|w0: 1 recent partner pair(s) kept: no other way to match those students",
    )


@pytest.mark.parametrize(
    "update",
    [
        {"policy": "random"},
        {"policy": "cross_age"},
        {"policy": "stable"},
        {"min_schedule_overlap": 1},
        {"language_required": True},
    ],
)
def test_what_it_does_not_cover_goes_to_the_loop(update) -> None:
    base = _roster(5, 20, 1)
    big, _ = tile_roster(base, 2)
    config = Scenario().matching.model_copy(update=update)
    assert not tiled.applies(big, config, np.arange(len(big)), _policy(config.policy))


@pytest.mark.parametrize(
    "kwargs", [{"forbidden": [(0, 21)]}, {"rankings": {0: [21]}}, {"strict": True}]
)
def test_forbidden_pairs_rankings_and_strict_go_to_the_loop(kwargs) -> None:
    base = _roster(5, 20, 1)
    big, _ = tile_roster(base, 2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tiled, "match_tiled_sites", _refuse)
        match_roster(big, Scenario().matching, np.random.default_rng(0), **kwargs)
    assert tiled.applies(big, Scenario().matching, np.arange(len(big)), _policy("optimal"))


def test_flexible_roles_and_repeated_rows_go_to_the_loop() -> None:
    base = _roster(5, 20, 1)
    big, _ = tile_roster(base, 2)
    everyone = np.arange(len(big))
    flexible = big.with_roles(np.where(everyone == 3, "both", big.role))
    assert not tiled.applies(flexible, Scenario().matching, everyone, _policy("optimal"))
    twice = np.r_[everyone, 5]
    assert not tiled.applies(big, Scenario().matching, twice, _policy("optimal"))


def _refuse(*args, **kwargs):
    raise AssertionError("the one-pass path must not run here")


def _policy(name: str):
    from workbench import registry

    return registry.get("matching", name).load()


@FAST
@given(
    seed=st.integers(0, 2**31),
    blank=st.sampled_from([0.0, 0.3]),
    attributes=st.sampled_from([None, ["first_gen"], []]),
    only=st.sampled_from([None, ("affinity", "complementarity", "cross_group", "language")]),
)
def test_pair_terms_of_a_tiled_roster_are_the_copies_own(seed, blank, attributes, only) -> None:
    from dataclasses import replace

    from workbench.matching import pairwise_terms
    from workbench.roster import template_of

    rng = np.random.default_rng(seed)
    base = _roster(seed, 30, 2)
    if blank:  # blank timetables, languages and interests: the neutral values
        base = replace(
            base,
            schedule=base.schedule & (rng.random((30, 1)) > blank),
            languages=base.languages & (rng.random((30, 1)) > blank),
            interests=base.interests & (rng.random((30, 1)) > blank),
        )
    big, _ = tile_roster(base, 3)
    plain = replace(big)
    plain.__dict__["_codes"] = big._codes
    plain.__dict__["neutral_terms"] = big.neutral_terms
    assert template_of(plain) is None and template_of(big) is not None
    a, b = rng.integers(0, len(big), 50), rng.integers(0, len(big), 50)
    sliced = pairwise_terms(big.with_roles(big.role), a, b, attributes, only)
    own = pairwise_terms(plain, a, b, attributes, only)
    assert list(sliced) == list(own)
    for name in own:
        assert sliced[name].dtype == own[name].dtype
        np.testing.assert_array_equal(sliced[name], own[name], err_msg=name)


@pytest.mark.parametrize("capacity", [1, 2])
def test_exact_ties_are_left_to_the_solver(capacity) -> None:
    # students alike in every column and no jitter: every pair scores the same, so the
    # solver's own tie-breaking decides; the one-pass path must not decide it itself
    from dataclasses import replace

    import workbench.matching.policies as policies

    base = _roster(7, 16, 1)
    alike = replace(
        base,
        interests=np.ones_like(base.interests),
        skills=np.full_like(base.skills, 0.5),
        languages=np.ones_like(base.languages),
        schedule=np.ones_like(base.schedule),
        attribute_columns={
            k: np.full(len(base), "a", dtype=object) for k in base.attribute_columns
        },
    )
    big, copy = tile_roster(alike, 5)
    rng = np.random.default_rng(1)
    rows = np.flatnonzero(rng.random(len(big)) < 0.4)  # ones and twos waiting per copy
    config = Scenario().matching.model_copy(update={"capacity": capacity})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(policies, "JITTER", 0.0)
        patch.setattr(tiled, "JITTER", 0.0)
        (fast, fast_state, calls), (loop, loop_state) = _both_ways(big, config, 3, rows=rows)
    assert calls == [True]
    _assert_same(fast, loop)
    assert fast_state == loop_state
