"""Cross-checks of the matching algorithms against independent reference implementations.

- optimal: total score equals scipy's assignment optimum on the same score matrix;
- stable: no blocking pair, and equal to a textbook one-proposal-at-a-time Gale-Shapley
  written here, on explicit rankings, for both proposing sides and with capacities;
- peer: equal to networkx's blossom algorithm on small sites; the near-optimal method is
  a valid matching whose value lies between networkx's optimum and its reported bound;
- capacity: without quotas equals the assignment optimum; with quotas equals brute force;
- circles: the exchange method never lowers within-circle diversity and keeps sizes.
"""

from __future__ import annotations

import itertools
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from workbench.cohort import generate_roster
from workbench.matching import match_roster, score_matrix, split_roles
from workbench.matching.capacity import solve_capacity
from workbench.matching.circles import exchange, within_ss
from workbench.matching.peer import max_weight_pairs
from workbench.matching.stable import deferred_acceptance
from workbench.scenario import Scenario

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def roster_for(seed: int, size: int, share: float = 0.5):
    scenario = Scenario().with_overrides({"cohort.size": size, "cohort.mentor_share": share})
    return scenario, generate_roster(scenario.cohort, np.random.default_rng(seed))


# -- optimal ------------------------------------------------------------------------------
@FAST
@given(seed=st.integers(0, 2**31), size=st.integers(4, 60), share=st.sampled_from([0.3, 0.5, 0.7]))
def test_optimal_total_equals_scipy_optimum_on_the_same_matrix(seed, size, share) -> None:
    scenario, roster = roster_for(seed, size, share)
    pairing = match_roster(roster, scenario.matching, np.random.default_rng(seed))
    mentors, mentees = split_roles(roster)
    matrix = score_matrix(roster, mentors, mentees, scenario.matching.weights.model_dump())
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    assert len(pairing) == min(len(mentors), len(mentees))
    assert pairing.score.sum() == pytest.approx(matrix[rows, cols].sum(), abs=1e-6)


# -- stable -------------------------------------------------------------------------------
def textbook_gale_shapley(proposer_prefs, receiver_prefs, capacity):
    """One proposal at a time; receivers hold up to ``capacity[r]`` proposers."""
    rank = [{p: k for k, p in enumerate(prefs)} for prefs in receiver_prefs]
    nxt = [0] * len(proposer_prefs)
    held = [[] for _ in receiver_prefs]
    free = list(range(len(proposer_prefs)))
    while free:
        p = free.pop()
        if nxt[p] >= len(proposer_prefs[p]):
            continue
        r = proposer_prefs[p][nxt[p]]
        nxt[p] += 1
        if p not in rank[r]:
            free.append(p)
            continue
        held[r].append(p)
        held[r].sort(key=lambda q: rank[r][q])
        if len(held[r]) > capacity[r]:
            free.append(held[r].pop())
    return {(p, r) for r, ps in enumerate(held) for p in ps}


def receiver_proposing_reference(mentor_prefs, mentee_prefs, capacity):
    """Mentor-proposing with capacity: each mentor place proposes one at a time."""
    rank = [{m: k for k, m in enumerate(prefs)} for prefs in mentee_prefs]
    nxt = [0] * len(mentor_prefs)
    holder = [None] * len(mentee_prefs)
    load = [0] * len(mentor_prefs)
    changed = True
    while changed:
        changed = False
        for m in range(len(mentor_prefs)):
            while load[m] < capacity and nxt[m] < len(mentor_prefs[m]):
                e = mentor_prefs[m][nxt[m]]
                nxt[m] += 1
                changed = True
                current = holder[e]
                if current is None or rank[e][m] < rank[e][current]:
                    holder[e] = m
                    load[m] += 1
                    if current is not None:
                        load[current] -= 1
    return {(m, e) for e, m in enumerate(holder) if m is not None}


def blocking_pairs(pairs, mentor_rank, mentee_rank, capacity):
    """(mentor, mentee) pairs that would both rather be together; ranks: lower is better."""
    partner = {e: m for m, e in pairs}
    held = {}
    for m, e in pairs:
        held.setdefault(m, []).append(e)
    found = []
    for m in range(mentor_rank.shape[0]):
        worst = max((mentor_rank[m, e] for e in held.get(m, [])), default=-1)
        for e in range(mentor_rank.shape[1]):
            if partner.get(e) == m:
                continue
            mentee_wants = e not in partner or mentee_rank[e, m] < mentee_rank[e, partner[e]]
            mentor_wants = len(held.get(m, [])) < capacity or mentor_rank[m, e] < worst
            if mentee_wants and mentor_wants:
                found.append((m, e))
    return found


@FAST
@given(
    seed=st.integers(0, 2**31),
    mentors=st.integers(1, 9),
    mentees=st.integers(1, 12),
    capacity=st.integers(1, 3),
    proposing=st.sampled_from(["mentee", "mentor"]),
)
def test_stable_on_explicit_rankings_equals_textbook_gale_shapley(
    seed, mentors, mentees, capacity, proposing
) -> None:
    rng = np.random.default_rng(seed)
    size = mentors + mentees
    scenario = Scenario().with_overrides(
        {
            "cohort.size": max(size, 2),
            "matching.policy": "stable",
            "matching.capacity": capacity,
            "matching.proposing": proposing,
        }
    )
    roster = generate_roster(scenario.cohort, rng)
    role = np.array(["mentor"] * mentors + ["mentee"] * mentees, dtype=object)
    roster = roster.with_roles(role)
    mentor_prefs = [list(rng.permutation(mentees)) for _ in range(mentors)]
    mentee_prefs = [list(rng.permutation(mentors)) for _ in range(mentees)]
    rankings = {m: [mentors + e for e in mentor_prefs[m]] for m in range(mentors)}
    rankings.update({mentors + e: list(mentee_prefs[e]) for e in range(mentees)})
    pairing = match_roster(
        roster, scenario.matching, np.random.default_rng(seed), rankings=rankings
    )
    got = set(zip(pairing.mentor.tolist(), (pairing.mentee - mentors).tolist(), strict=True))
    if proposing == "mentee":
        reference = textbook_gale_shapley(mentee_prefs, mentor_prefs, [capacity] * mentors)
        expected = {(m, e) for e, m in reference}
    else:
        expected = receiver_proposing_reference(mentor_prefs, mentee_prefs, capacity)
    assert got == expected
    mentor_rank = np.argsort(np.array(mentor_prefs), axis=1)
    mentee_rank = np.argsort(np.array(mentee_prefs), axis=1)
    assert blocking_pairs(got, mentor_rank, mentee_rank, capacity) == []


@FAST
@given(seed=st.integers(0, 2**31), size=st.integers(4, 50), capacity=st.integers(1, 3))
def test_stable_from_scores_has_no_blocking_pair(seed, size, capacity) -> None:
    scenario, roster = roster_for(seed, size)
    config = scenario.matching.model_copy(update={"policy": "stable", "capacity": capacity})
    pairing = match_roster(roster, config, np.random.default_rng(seed))
    mentors, mentees = split_roles(roster, capacity)
    matrix = score_matrix(roster, mentors, mentees, config.weights.model_dump())
    # preferences from scores: each side ranks the other by score, best first
    mentor_rank = np.argsort(np.argsort(-matrix, axis=1, kind="stable"), axis=1)
    mentee_rank = np.argsort(np.argsort(-matrix.T, axis=1, kind="stable"), axis=1)
    pos_m = {r: k for k, r in enumerate(mentors)}
    pos_e = {r: k for k, r in enumerate(mentees)}
    pairs = {(pos_m[m], pos_e[e]) for m, e in zip(pairing.mentor, pairing.mentee, strict=True)}
    blocking = blocking_pairs(pairs, mentor_rank, mentee_rank, capacity)
    # ties in the score are broken by seeded jitter, so only strict preferences can block
    strict = [
        (m, e)
        for m, e in blocking
        if all(
            abs(matrix[m, e] - matrix[m, e2]) > 1e-7 for e2 in [x for (mm, x) in pairs if mm == m]
        )
        and (
            e not in {x for _, x in pairs}
            or abs(matrix[m, e] - matrix[[mm for mm, x in pairs if x == e][0], e]) > 1e-7
        )
    ]
    assert strict == []


def test_deferred_acceptance_small_known_case() -> None:
    # classic 3x3 instance: proposer-optimal matching is (0,0), (1,1), (2,2)
    prefs = np.array([[0, 1, 2], [1, 0, 2], [0, 1, 2]])
    rank = np.array([[1, 0, 2], [0, 1, 2], [0, 1, 2]])  # receiver 0 prefers proposer 1
    p, r = deferred_acceptance(prefs, np.array([3, 3, 3]), rank, np.ones(3, int), np.ones(3, int))
    assert set(zip(p.tolist(), r.tolist(), strict=True)) == {(0, 0), (1, 1), (2, 2)}


# -- peer ---------------------------------------------------------------------------------
def networkx_optimum(weight: np.ndarray) -> float:
    graph = nx.Graph()
    n = len(weight)
    graph.add_weighted_edges_from(
        (i, j, weight[i, j]) for i in range(n) for j in range(i + 1, n) if weight[i, j] > 0
    )
    return sum(weight[a, b] for a, b in nx.max_weight_matching(graph))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31), size=st.integers(2, 40))
def test_peer_policy_equals_networkx_on_small_sites(seed, size) -> None:
    scenario, roster = roster_for(seed, size)
    config = scenario.matching.model_copy(update={"policy": "peer"})
    pairing = match_roster(roster, config, np.random.default_rng(seed))
    everyone = np.arange(size)
    directed = score_matrix(roster, everyone, everyone, config.weights.model_dump())
    weight = np.maximum(directed, directed.T) + 1e-6
    np.fill_diagonal(weight, 0.0)
    assert len(pairing) == size // 2
    assert pairing.score.sum() == pytest.approx(
        networkx_optimum(weight) - 1e-6 * len(pairing), abs=1e-5
    )
    # oriented so the better mentor leads
    assert np.all(
        directed[pairing.mentor, pairing.mentee] >= directed[pairing.mentee, pairing.mentor]
    )


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    size=st.integers(3, 60),
    density=st.sampled_from([0.3, 0.7, 1.0]),
    bound_limit=st.sampled_from([0, 10_000]),
)
def test_near_optimal_peer_lies_between_networkx_and_its_bound(seed, size, density, bound_limit):
    rng = np.random.default_rng(seed)
    weight = rng.random((size, size))
    weight = (weight + weight.T) / 2
    allowed = rng.random((size, size)) < density
    allowed = allowed & allowed.T
    solution = max_weight_pairs(weight, allowed, exact_limit=0, bound_limit=bound_limit)
    pairs = solution.pairs
    assert len(set(pairs.ravel().tolist())) == 2 * len(pairs)  # a matching
    assert all(allowed[a, b] and a != b for a, b in pairs)
    masked = np.where(allowed & ~np.eye(size, dtype=bool), weight, 0.0)
    optimum = networkx_optimum(masked)
    assert solution.value <= optimum + 1e-9
    assert optimum <= solution.bound + 1e-9
    if solution.bound > 0:
        assert solution.gap == pytest.approx(max(0.0, 1 - solution.value / solution.bound))
    if density == 1.0:  # on complete graphs (peer sites), near-optimal, not just any matching
        assert solution.value >= 0.9 * optimum


def test_shortlist_assignment_finishes_where_float_costs_made_scipy_cycle() -> None:
    # seed 12, 50 students, density 0.3 hung scipy's LAPJVsp on float costs; a child
    # process turns a regression (an endless C loop) into a failure instead of a stuck suite
    code = """
import numpy as np
from workbench.matching.peer import _sparse_assignment
rng = np.random.default_rng(12)
weight = rng.random((50, 50)); weight = (weight + weight.T) / 2
allowed = rng.random((50, 50)) < 0.3; allowed &= allowed.T & ~np.eye(50, dtype=bool)
sigma = _sparse_assignment(np.where(allowed, weight, 0.0), allowed)
assert sorted(sigma.tolist()) == list(range(50)) and allowed[np.arange(50), sigma].all()
"""
    done = subprocess.run([sys.executable, "-c", code], timeout=300, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


def test_large_peer_site_reports_its_gap() -> None:
    scenario, roster = roster_for(5, 400)
    config = scenario.matching.model_copy(update={"policy": "peer"})
    pairing = match_roster(roster, config, np.random.default_rng(0))
    assert len(pairing) == 200
    (note,) = pairing.notes
    gap = float(note.split("gap ")[1].rstrip("%"))
    assert 0 <= gap < 2.0 and "upper bound" in note


# -- capacity -----------------------------------------------------------------------------
@FAST
@given(seed=st.integers(0, 2**31), m=st.integers(1, 8), e=st.integers(1, 20), cap=st.integers(1, 3))
def test_capacity_without_quota_equals_assignment_optimum(seed, m, e, cap) -> None:
    rng = np.random.default_rng(seed)
    objective = rng.random((m, e))
    allowed = rng.random((m, e)) < 0.8
    mp, ep, excess = solve_capacity(objective, allowed, cap)
    masked = np.where(allowed, objective, -1e9)
    places = np.repeat(np.arange(m), cap)
    cols, slot = linear_sum_assignment(masked[places].T, maximize=True)
    keep = allowed[places[slot], cols]
    assert len(mp) == keep.sum()
    assert objective[mp, ep].sum() == pytest.approx(masked[places[slot], cols][keep].sum())
    assert excess == 0 and np.bincount(mp, minlength=m).max() <= cap


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), m=st.integers(1, 3), e=st.integers(1, 5), cap=st.integers(1, 3))
def test_capacity_with_quota_equals_brute_force(seed, m, e, cap) -> None:
    rng = np.random.default_rng(seed)
    objective = rng.random((m, e))
    allowed = rng.random((m, e)) < 0.8
    levels = rng.integers(0, 2, size=e)
    k = 1
    mp, ep, excess = solve_capacity(objective, allowed, cap, levels, k, penalty=1.0)
    scale = 1.0 + np.abs(objective).max()
    bonus, cost = 5 * scale, 2 * scale

    def value(choice):
        total = 0.0
        for mentor in range(m):
            mine = [j for j, c in enumerate(choice) if c == mentor]
            if len(mine) > cap or any(not allowed[mentor, j] for j in mine):
                return -np.inf
            for level in (0, 1):
                total -= cost * max(0, sum(levels[j] == level for j in mine) - k)
            total += sum(bonus + objective[mentor, j] for j in mine)
        return total

    best = max(value(c) for c in itertools.product([-1, *range(m)], repeat=e))
    choice = [-1] * e
    for a, b in zip(mp, ep, strict=True):
        choice[b] = a
    assert value(choice) == pytest.approx(best)


# -- circles ------------------------------------------------------------------------------
@FAST
@given(seed=st.integers(0, 2**31), n=st.integers(4, 60), groups=st.integers(2, 6))
def test_exchange_never_lowers_diversity_and_keeps_sizes(seed, n, groups) -> None:
    rng = np.random.default_rng(seed)
    features = rng.integers(0, 2, size=(n, 5)).astype(float)
    label = np.arange(n) % groups
    movable = np.ones(n, dtype=bool)
    ok = np.ones((n, groups), dtype=bool)
    out = exchange(features, label, movable, ok, None, rng)
    assert np.array_equal(np.bincount(out, minlength=groups), np.bincount(label, minlength=groups))
    assert within_ss(features, out) >= within_ss(features, label) - 1e-9
