"""Uniformly random maximum matchings: the ``random`` policy's sampler.

Drawing a maximum assignment of random scores (what ``random`` did before)
is *not* uniform over the feasible matchings once hard constraints remove
pairs: on 3 mentors x 3 mentees with two must-not-meet pairs it gave the three
feasible matchings 542 / 528 / 430 times in 1,500 draws. Exact uniform
sampling means counting perfect matchings (a permanent, #P-hard), so the
workbench uses the Markov chain of Jerrum & Sinclair (1989; Broder 1986) on
matchings of the maximum size ``k`` and of size ``k - 1``, generalised to
mentors with ``capacity`` places. Each step picks an allowed mentor-mentee
pair ``(u, v)`` uniformly:

* in a matching of size ``k``: if ``(u, v)`` is in it, remove it with
  probability ``λ = min(1, k / |E|)``;
* in a matching of size ``k - 1``, if ``u`` has a free place: add ``(u, v)``
  when ``v`` is free, or move ``v`` to ``u`` from its mentor ("shift").

Every move is undone by picking the same pair again, so the chain is
reversible with stationary probability 1 for each maximum matching and ``λ``
for each matching of size ``k - 1`` (the Metropolis weight ``λ`` keeps the
chain at size ``k`` about half the time: there are about ``|E| / k`` smaller
matchings per maximum one). All maximum matchings have the same weight, so
the state at the first check (every ``|E|`` steps, at most 10,000, after a
burn-in) that has size ``k`` is a uniform draw among them. The burn-in is
``20 |E|`` steps (at least 2,000, at most 200,000): sites with more than
about 10,000 allowed pairs get fewer steps than that rule asks, so their
draws are close to, not exactly, uniform; after 2,000,000 steps without a
check at size ``k`` the latest maximum matching visited is taken. A site with
more than 2,000,000 allowed pairs (about 2,800 mentors x 2,800 mentees) keeps
the assignment's draw, which is random but not uniform.
``tests/test_matching_uniform.py`` checks uniformity with a chi-square test
against exact enumeration.

Examples
--------
>>> allowed = np.array([[False, True, True], [True, False, True], [True, True, True]])
>>> rows, cols = uniform_max_matching(allowed, np.array([0, 1, 2]), np.array([1, 2, 0]), 1,
...                                   np.random.default_rng(0))
>>> len(rows), bool(allowed[rows, cols].all())
(3, True)
"""

from __future__ import annotations

import numpy as np

BURN_IN_PER_EDGE = 20
MIN_STEPS, MAX_STEPS = 2_000, 200_000
MAX_CHECK_STEPS = 2_000_000
MAX_EDGES = 2_000_000  # above: about 2,800 x 2,800 in one site


def uniform_max_matching(
    allowed: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    capacity: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """A (near-)uniform random maximum matching, starting from the maximum matching given.

    Parameters
    ----------
    allowed
        ``(mentors, mentees)`` pairs every hard rule allows.
    rows, cols
        A maximum matching (mentor, mentee positions), e.g. from an assignment.
    capacity
        Mentees per mentor.
    rng
        The random stream.
    """
    k = len(rows)
    if k == 0 or allowed.sum() > MAX_EDGES:
        return rows, cols  # a site of thousands: the assignment's draw (section 5 of the docs)
    edge_u, edge_v = np.nonzero(allowed)
    if len(edge_u) <= 1:
        return rows, cols
    mentor_of = np.full(allowed.shape[1], -1, dtype=np.int64)
    mentor_of[cols] = rows
    load = np.bincount(rows, minlength=allowed.shape[0]).astype(np.int64)
    mentor_of_list = mentor_of.tolist()
    load_list = load.tolist()
    us, vs = edge_u.tolist(), edge_v.tolist()
    size = k
    # weight of a matching of size k - 1: there are about |E| / k of them per maximum one
    # (exactly so for complete graphs), so this keeps about half the time at size k
    weight = min(1.0, k / len(us))
    burn_in = int(min(MAX_STEPS, max(MIN_STEPS, BURN_IN_PER_EDGE * len(us))))
    check = min(max(len(us), 50), 10_000)
    step, last = 0, None
    while True:
        count = check if step >= burn_in else burn_in
        picks = rng.integers(0, len(us), size=count).tolist()
        coins = rng.random(count).tolist()
        for e, coin in zip(picks, coins, strict=True):
            u, v = us[e], vs[e]
            w = mentor_of_list[v]
            if size == k:
                if w == u and coin < weight:
                    mentor_of_list[v] = -1
                    load_list[u] -= 1
                    size -= 1
            elif w != u and load_list[u] < capacity:
                mentor_of_list[v] = u
                load_list[u] += 1
                if w < 0:
                    size += 1
                    last = list(mentor_of_list)
                else:
                    load_list[w] -= 1
        step += count
        if size == k:
            break
        if step >= MAX_CHECK_STEPS and last is not None:
            mentor_of_list = last  # the latest maximum matching visited
            break
    mentor_of = np.array(mentor_of_list, dtype=np.int64)
    mentees = np.flatnonzero(mentor_of >= 0)
    return mentor_of[mentees].astype(np.intp), mentees.astype(np.intp)
