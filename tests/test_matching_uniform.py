"""The random policy draws uniformly among the largest feasible matchings (chi-square vs enumeration)."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.stats import chisquare

import workbench
from workbench.matching import match_roster
from workbench.matching.uniform import uniform_max_matching
from workbench.scenario import Matching

P_MIN = 1e-3  # seeds are fixed, so this is a deterministic check, not a flaky one


def _all_max_matchings(allowed: np.ndarray, capacity: int) -> list[frozenset]:
    """Every largest set of allowed links (mentor load <= capacity, mentee once), by brute force."""
    edges = list(zip(*np.nonzero(allowed), strict=True))
    for k in range(min(allowed.shape[1], capacity * allowed.shape[0]), 0, -1):
        found = []
        for chosen in itertools.combinations(edges, k):
            mentees = [v for _, v in chosen]
            loads = Counter(u for u, _ in chosen)
            if len(set(mentees)) == k and max(loads.values()) <= capacity:
                found.append(frozenset((int(u), int(v)) for u, v in chosen))
        if found:
            return found
    return []


def _start(allowed: np.ndarray, capacity: int) -> tuple[np.ndarray, np.ndarray]:
    places = np.repeat(np.arange(allowed.shape[0]), capacity)
    cols, slot = linear_sum_assignment(np.where(allowed[places], 1.0, -1e6).T, maximize=True)
    rows = places[slot]
    keep = allowed[rows, cols]
    return rows[keep], cols[keep]


CASES = {
    # the issue's case: 3 x 3, two must-not-meet pairs -> 3 feasible matchings
    "3x3 two forbidden": (np.array([[0, 1, 1], [1, 0, 1], [1, 1, 1]], bool), 1),
    # a 6-cycle: the two matchings differ by one 6-cycle (no 2-swap joins them)
    "6-cycle": (np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]], bool), 1),
    # more mentors than mentees: someone waits, uniformly over who
    "3 mentors 2 mentees": (np.array([[1, 1], [1, 0], [0, 1]], bool), 1),
    # capacity 2: 2 mentors, 4 mentees, some pairs ruled out
    "capacity 2": (np.array([[1, 1, 0, 1], [1, 1, 1, 0]], bool), 2),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_sampler_is_uniform_over_maximum_matchings(case) -> None:
    allowed, capacity = CASES[case]
    exact = _all_max_matchings(allowed, capacity)
    assert len(exact) >= 2
    rows, cols = _start(allowed, capacity)
    counts = Counter()
    draws = 300 * len(exact)
    for seed in range(draws):
        r, c = uniform_max_matching(allowed, rows, cols, capacity, np.random.default_rng(seed))
        assert allowed[r, c].all() and len(r) == len(rows)
        counts[frozenset(zip(r.tolist(), c.tolist(), strict=True))] += 1
    assert set(counts) <= set(exact)
    observed = [counts[m] for m in exact]
    assert chisquare(observed).pvalue > P_MIN, observed


def test_random_policy_on_the_issue_roster_is_uniform(tmp_path) -> None:
    roster_csv = tmp_path / "roster.csv"
    roster_csv.write_text(
        "id,role,must_not_meet\na1,mentor,b1\na2,mentor,b2\na3,mentor,\nb1,mentee,\n"
        "b2,mentee,\nb3,mentee,\n",
        encoding="utf-8",
    )
    roster = workbench.load_roster(roster_csv)
    config = Matching(policy="random")
    counts = Counter()
    for seed in range(1500):
        pairing = match_roster(roster, config, np.random.default_rng(seed))
        links = frozenset(
            zip(
                roster.ids[pairing.mentor].tolist(),
                roster.ids[pairing.mentee].tolist(),
                strict=True,
            )
        )
        counts[links] += 1
    assert len(counts) == 3 and sum(counts.values()) == 1500
    assert chisquare(list(counts.values())).pvalue > P_MIN, counts
