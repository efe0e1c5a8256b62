"""Stable matching (Gale–Shapley deferred acceptance), mentee- or mentor-proposing.

Preferences come from the pair score (each side ranks the other by the score,
best first) or from explicit rankings (a preferences file): a student's ranked
partners come first in the given order, then everyone else they may meet in
score order, so a short list never leaves a student out. Pairs a hard
constraint rules out are unacceptable; recent partners to avoid go to the end
of both lists. Mentors take up to ``capacity`` mentees (the "hospitals /
residents" form). The proposing side gets its best stable matching.

The algorithm is the round-based form of deferred acceptance (every free
proposer proposes at once; each receiver keeps its best offers up to
capacity), vectorised with numpy; it yields the same proposer-optimal stable
matching as the one-at-a-time form.

Examples
--------
>>> import numpy as np
>>> prefs = np.array([[0, 1], [0, 1]])          # both proposers prefer receiver 0
>>> rank = np.array([[1, 0], [0, 1]])           # receiver 0 prefers proposer 1
>>> deferred_acceptance(prefs, np.array([2, 2]), rank, np.array([1, 1]), np.array([1, 1]))
(array([1, 0]), array([0, 1]))
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from workbench.matching.context import MatchContext
from workbench.matching.pairing import Pairing
from workbench.matching.policies import bipartite_problem, finish, site_name
from workbench.roster import Roster
from workbench.scenario import Matching as MatchConfig

UNACCEPTABLE = np.iinfo(np.int32).max


def deferred_acceptance(
    prefs: np.ndarray,
    length: np.ndarray,
    rank: np.ndarray,
    proposer_capacity: np.ndarray,
    receiver_capacity: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Proposer-optimal stable matching with capacities on both sides.

    Parameters
    ----------
    prefs : (P, L) int
        Each proposer's acceptable receivers, best first (entries past
        ``length[p]`` are ignored).
    length : (P,) int
        Number of acceptable receivers of each proposer.
    rank : (R, P) int
        Each receiver's rank of each proposer (lower is better;
        :data:`UNACCEPTABLE` marks a proposer the receiver refuses).
    proposer_capacity, receiver_capacity : int arrays
        How many partners each may hold.

    Returns
    -------
    proposers, receivers : (k,) int
        The matched pairs.
    """
    n_p = len(length)
    pointer = np.zeros(n_p, dtype=np.int64)
    held_p = np.zeros(0, dtype=np.int64)
    held_r = np.zeros(0, dtype=np.int64)
    load = np.zeros(n_p, dtype=np.int64)
    while True:
        free = np.minimum(proposer_capacity - load, length - pointer)
        active = np.flatnonzero(free > 0)
        if not len(active):
            break
        count = free[active]
        who = np.repeat(active, count)
        step = np.arange(len(who)) - np.repeat(np.cumsum(count) - count, count)
        offers = prefs[who, pointer[who] + step]
        pointer[active] += count
        accept = rank[offers, who] != UNACCEPTABLE
        all_p = np.concatenate([held_p, who[accept]])
        all_r = np.concatenate([held_r, offers[accept]])
        order = np.lexsort((rank[all_r, all_p], all_r))
        all_p, all_r = all_p[order], all_r[order]
        starts = np.flatnonzero(np.r_[True, all_r[1:] != all_r[:-1]])
        sizes = np.diff(np.r_[starts, len(all_r)])
        position = np.arange(len(all_r)) - np.repeat(starts, sizes)
        keep = position < receiver_capacity[all_r]
        held_p, held_r = all_p[keep], all_r[keep]
        load = np.bincount(held_p, minlength=n_p)
    return held_p, held_r


def preference_lists(
    objective: np.ndarray,
    allowed: np.ndarray,
    avoided: np.ndarray,
    rankings: Mapping[int, tuple[int, ...]],
    rows: np.ndarray,
    partners: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's acceptable partners (columns), best first, and how many there are.

    ``rankings`` maps a roster row to ranked roster rows; partners it names
    come first (if allowed), then the rest of the allowed partners by
    ``objective``. Avoided partners go last.
    """
    n, m = objective.shape
    key = np.where(allowed, -objective, np.inf)
    key = key + np.where(avoided, 1e6, 0.0)
    column_of = {int(r): j for j, r in enumerate(partners)}
    for i, row in enumerate(rows):
        ranked = [column_of[r] for r in rankings.get(int(row), ()) if r in column_of]
        if ranked:
            ranked = np.asarray(ranked)
            # ranked partners first, in the given order; avoided ones still last
            key[i, ranked] = np.where(allowed[i, ranked], -2e6 + np.arange(len(ranked)), np.inf)
            key[i, ranked] += np.where(avoided[i, ranked], 3e6, 0.0)
    order = np.argsort(key, axis=1, kind="stable")
    length = allowed.sum(1)
    return order, length


def ranks_from_lists(order: np.ndarray, length: np.ndarray, size: int) -> np.ndarray:
    """Invert preference lists into a rank matrix (``UNACCEPTABLE`` past each length)."""
    n = len(order)
    rank = np.full((n, size), UNACCEPTABLE, dtype=np.int64)
    if n == 0 or size == 0:
        return rank
    positions = np.broadcast_to(np.arange(order.shape[1]), order.shape)
    valid = positions < length[:, None]
    rows = np.broadcast_to(np.arange(n)[:, None], order.shape)
    rank[rows[valid], order[valid]] = positions[valid]
    return rank


def stable_matching(
    roster: Roster,
    config: MatchConfig,
    rng: np.random.Generator,
    context: MatchContext | None = None,
) -> Pairing:
    """Gale–Shapley stable matching; ``config.proposing`` says which side proposes.

    No mentor and mentee would both rather be with each other than with their
    partners (no blocking pair) under the preferences used.
    """
    context = context or MatchContext.from_roster(roster)
    capacity = config.capacity
    problem = bipartite_problem(roster, config, rng, context, "stable", capacity)
    allowed, avoided = problem.allowed, problem.avoided
    mentor_order, mentor_len = preference_lists(
        problem.objective, allowed, avoided, context.rankings, problem.mentors, problem.mentees
    )
    mentee_order, mentee_len = preference_lists(
        problem.objective.T,
        allowed.T,
        avoided.T,
        context.rankings,
        problem.mentees,
        problem.mentors,
    )
    m, e = len(problem.mentors), len(problem.mentees)
    if config.proposing == "mentee":
        rank = ranks_from_lists(mentor_order, mentor_len, e)
        p, r = deferred_acceptance(
            mentee_order, mentee_len, rank, np.ones(e, np.int64), np.full(m, capacity)
        )
        mentor_pos, mentee_pos = r, p
    else:
        rank = ranks_from_lists(mentee_order, mentee_len, m)
        p, r = deferred_acceptance(
            mentor_order, mentor_len, rank, np.full(m, capacity), np.ones(e, np.int64)
        )
        mentor_pos, mentee_pos = p, r
    source = "explicit rankings and scores" if context.rankings else "scores"
    note = (
        f"site {site_name(roster)}: stable matching, {config.proposing}-proposing, "
        f"preferences from {source}: no blocking pair"
    )
    return finish(problem, mentor_pos, mentee_pos, "stable", capacity, (note,))
