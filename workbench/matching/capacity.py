"""One mentor to several mentees, with soft diversity quotas: an integer program (HiGHS).

Variables ``x[m, e]`` (1 when mentor ``m`` takes mentee ``e``) for the pairs
the hard constraints allow; on large sites (more than :data:`DENSE_LIMIT`
pairs) only shortlists are candidates (see :func:`candidate_pairs`; the
result's notes say so). The LP relaxation is solved first and, when integral
(the usual case: without quotas the problem is totally unimodular), it is the
integer optimum; otherwise HiGHS branch-and-cut solves the integer program.

maximise   sum (BONUS + objective[m, e]) x[m, e]  -  QUOTA_COST * sum slack[m, g]
subject to every mentee at most once; every mentor at most ``capacity``;
           for every mentor m and level g of ``quota_attribute``:
           sum over mentees e of level g of x[m, e] <= max_per_group + slack[m, g]

``BONUS`` (five times the largest score) makes matching as many mentees as
possible come first; a quota is *soft*: it is broken (at ``QUOTA_COST``, twice
the largest score, per extra mentee) only when keeping it would leave a mentee
unmatched or cost more score than that. Solved by scipy's :func:`scipy.optimize.milp`
(HiGHS branch-and-cut).

Examples
--------
>>> import numpy as np
>>> from workbench.cohort import generate_roster
>>> from workbench.scenario import Scenario
>>> scenario = Scenario().with_overrides({"matching.policy": "capacity", "matching.capacity": 3,
...     "matching.quota_attribute": "first_gen", "matching.max_per_group": 2,
...     "cohort.size": 40, "cohort.mentor_share": 0.25})
>>> roster = generate_roster(scenario.cohort, np.random.default_rng(0))
>>> pairing = capacity_matching(roster, scenario.matching, np.random.default_rng(1))
>>> int(np.bincount(pairing.mentor).max()) <= 3
True
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array, hstack, vstack

from workbench.errors import WorkbenchError
from workbench.matching.context import MatchContext, avoid_penalty
from workbench.matching.pairing import Pairing
from workbench.matching.policies import bipartite_problem, configured_weights, finish
from workbench.matching.policies import site_name as _site
from workbench.roster import Roster
from workbench.scenario import Matching as MatchConfig

SHORTLIST = 8
REPAIRS = 4
DENSE_LIMIT = 40_000


def candidate_pairs(
    objective: np.ndarray, allowed: np.ndarray, shortlist: int, capacity: int = 1
) -> np.ndarray:
    """Allowed (mentor, mentee) positions as a ``(k, 2)`` array.

    Small problems keep every allowed pair; large ones keep each mentee's best
    ``shortlist`` mentors and each mentor's best ``2 * capacity * shortlist // 3``
    mentees (so unpopular mentors still have candidates).
    """
    m, e = objective.shape
    if m * e <= DENSE_LIMIT:
        return np.argwhere(allowed)
    key = np.where(allowed, objective, -np.inf)
    parts = []
    k_mentee = min(shortlist, m)
    best = np.argpartition(-key, k_mentee - 1, axis=0)[:k_mentee]
    parts.append(np.column_stack([best.ravel(), np.broadcast_to(np.arange(e), best.shape).ravel()]))
    k_mentor = min(max(2 * capacity * shortlist // 3, 1), e)
    best = np.argpartition(-key, k_mentor - 1, axis=1)[:, :k_mentor]
    rows = np.broadcast_to(np.arange(m)[:, None], best.shape)
    parts.append(np.column_stack([rows.ravel(), best.ravel()]))
    pairs = np.unique(np.vstack(parts), axis=0)
    return pairs[allowed[pairs[:, 0], pairs[:, 1]]]


def _solve(
    pairs: np.ndarray,
    gain: np.ndarray,
    shape: tuple[int, int],
    capacity: int,
    levels: np.ndarray | None,
    max_per_group: int | None,
    quota_cost: float,
) -> tuple[np.ndarray, int]:
    """The integer program on the candidate ``pairs``; returns chosen mask and quota excess."""
    m, e = shape
    k = len(pairs)
    rows = [
        csr_array((np.ones(k), (pairs[:, 1], np.arange(k))), shape=(e, k)),
        csr_array((np.ones(k), (pairs[:, 0], np.arange(k))), shape=(m, k)),
    ]
    upper = [np.ones(e), np.full(m, float(capacity))]
    slack = 0
    if levels is not None and max_per_group is not None:
        n_levels = int(levels.max()) + 1
        cell = pairs[:, 0] * n_levels + levels[pairs[:, 1]]
        cells, inverse = np.unique(cell, return_inverse=True)
        crowded = np.flatnonzero(np.bincount(inverse) > max_per_group)
        slack = len(crowded)
        if slack:
            which = np.full(len(cells), -1)
            which[crowded] = np.arange(slack)
            use = which[inverse] >= 0
            quota_x = csr_array(
                (np.ones(use.sum()), (which[inverse][use], np.flatnonzero(use))), shape=(slack, k)
            )
            quota_s = csr_array((-np.ones(slack), (np.arange(slack), np.arange(slack))))
            rows = [_pad(r, slack) for r in rows]
            rows.append(csr_array(hstack([quota_x, quota_s])))
            upper.append(np.full(slack, float(max_per_group)))
    # maximise gain.x - cost.slack  ==  minimise -gain.x + cost.slack
    c = np.concatenate([-gain, np.full(slack, quota_cost)])
    constraints = LinearConstraint(vstack(rows).tocsr(), -np.inf, np.concatenate(upper))
    bounds = Bounds(np.zeros(k + slack), np.concatenate([np.ones(k), np.full(slack, np.inf)]))
    # the LP relaxation first: b-matching is totally unimodular, so it is usually integral,
    # and an integral LP optimum is an optimum of the integer program too
    result = milp(c, constraints=constraints, integrality=np.zeros(k + slack), bounds=bounds)
    x = result.x
    if x is None or np.any(np.abs(x[:k] - np.round(x[:k])) > 1e-6):
        integrality = np.concatenate([np.ones(k), np.zeros(slack)])
        result = milp(c, constraints=constraints, integrality=integrality, bounds=bounds)
        x = result.x
    if x is None:
        raise WorkbenchError(f"capacity matching: the solver failed ({result.message})")
    excess = int(round(x[k:].sum())) if slack else 0
    return x[:k] > 0.5, excess


def solve_capacity(
    objective: np.ndarray,
    allowed: np.ndarray,
    capacity: int,
    levels: np.ndarray | None = None,
    max_per_group: int | None = None,
    shortlist: int = SHORTLIST,
    penalty: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Solve the integer program; returns mentor positions, mentee positions, quota excess.

    ``levels`` gives each mentee's level code for the quota (``None``: no
    quota). While shortlists leave a mentee unmatched and some mentor has
    room, every allowed pair of those mentees is added and the program solved
    again (at most ``REPAIRS`` times).
    """
    m, e = objective.shape
    pairs = candidate_pairs(objective, allowed, shortlist, capacity)
    if len(pairs) == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp), 0
    scale = penalty + float(np.abs(objective).max())  # exceeds any one score difference
    bonus, quota_cost = 5.0 * scale, 2.0 * scale
    for _ in range(REPAIRS + 1):
        gain = bonus + objective[pairs[:, 0], pairs[:, 1]]
        chosen, excess = _solve(pairs, gain, (m, e), capacity, levels, max_per_group, quota_cost)
        mentor_pos, mentee_pos = pairs[chosen, 0], pairs[chosen, 1]
        load = np.bincount(mentor_pos, minlength=m)
        left = np.ones(e, dtype=bool)
        left[mentee_pos] = False
        if not (load < capacity).any():
            break
        extra = np.argwhere(allowed[:, left])  # every option of anyone left out
        extra[:, 1] = np.flatnonzero(left)[extra[:, 1]]
        grown = np.unique(np.vstack([pairs, extra]), axis=0)
        if len(grown) == len(pairs):
            break
        pairs = grown
    return mentor_pos, mentee_pos, excess


def _pad(matrix: csr_array, extra: int) -> csr_array:
    """Add ``extra`` empty columns (the slack variables) to a constraint block."""
    return csr_array(hstack([matrix, csr_array((matrix.shape[0], extra))]))


def capacity_matching(
    roster: Roster,
    config: MatchConfig,
    rng: np.random.Generator,
    context: MatchContext | None = None,
) -> Pairing:
    """Mentors take up to ``capacity`` mentees; soft cap ``max_per_group`` per quota level."""
    context = context or MatchContext.from_roster(roster)
    capacity = config.capacity
    problem = bipartite_problem(roster, config, rng, context, "capacity", capacity)
    levels = None
    if config.quota_attribute is not None and config.max_per_group is not None:
        if config.quota_attribute not in roster.attribute_names:
            raise WorkbenchError(
                f"matching.quota_attribute: unknown attribute {config.quota_attribute!r}; "
                f"known: {', '.join(roster.attribute_names) or '(none)'}"
            )
        levels = roster.group_codes(config.quota_attribute)[0][problem.mentees]
    penalty = avoid_penalty(configured_weights(config))
    mentor_pos, mentee_pos, excess = solve_capacity(
        problem.objective,
        problem.allowed,
        capacity,
        levels,
        config.max_per_group,
        penalty=penalty,
    )
    notes = []
    m, e = problem.objective.shape
    if m * e > DENSE_LIMIT:
        notes.append(
            f"site {_site(roster)}: candidates were each mentee's {SHORTLIST} best mentors and "
            "each mentor's best mentees (plus every option of anyone left out)"
        )
    if levels is not None:
        notes.append(
            f"site {_site(roster)}: quota at most {config.max_per_group} mentees of one "
            f"{config.quota_attribute} level per mentor: "
            + ("kept" if excess == 0 else f"exceeded by {excess} (else mentees stay unmatched)")
        )
    return finish(problem, mentor_pos, mentee_pos, "capacity", capacity, tuple(notes))
