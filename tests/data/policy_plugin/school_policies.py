"""Three policies a school adds to Mentorship Workbench, in one file (docs/extending.md).

``signup_order``
    A matching policy with its own function: mentees, in roster (sign-up)
    order, each take their best-scoring mentor who still has room.
``stretch``
    A matching policy that is only a record: the shared assignment solver with
    its own weight recipe (challenge, then what mentors can help with).
``trust_check``
    A rotation: every ``every_weeks`` weeks, the pairs that have built the
    least trust (below the median of the pairs then together) get a new partner.

Registered through the entry-point group ``workbench.policies`` (see
``entry_points.txt`` in docs/extending.md), or in Python with
``workbench.registry.register(record)`` for each record in :data:`RECORDS`.
"""

from __future__ import annotations

import numpy as np

from workbench.matching import MatchContext, Pairing
from workbench.matching.policies import bipartite_problem, finish
from workbench.registry import PolicyRecord, WeightRecipe
from workbench.rotation import every_k_weeks


def signup_order_matching(roster, config, rng, context=None) -> Pairing:
    """Mentees in roster order each take their best-scoring mentor who still has room."""
    context = context or MatchContext.from_roster(roster)
    problem = bipartite_problem(roster, config, rng, context, config.policy, config.capacity)
    load = np.zeros(len(problem.mentors), dtype=np.intp)
    rows, cols = [], []
    for j in range(len(problem.mentees)):
        free = problem.allowed[:, j] & (load < config.capacity)
        if free.any():
            i = int(np.argmax(np.where(free, problem.objective[:, j], -np.inf)))
            rows.append(i)
            cols.append(j)
            load[i] += 1
    rows, cols = np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp)
    return finish(problem, rows, cols, config.policy, config.capacity)


def trust_check(state, scenario, week) -> tuple[np.ndarray, str]:
    """Every ``every_weeks`` weeks, end the pairs whose trust is below the median pair's."""
    alive = np.flatnonzero(state.links.alive)
    if not every_k_weeks(week, scenario.rotation.every_weeks) or len(alive) == 0:
        return np.zeros(0, dtype=np.intp), "rotation"
    trust = state.links.trust[alive]
    return alive[trust < np.median(trust)], "rotation"


RECORDS = [
    PolicyRecord(
        name="signup_order",
        kind="matching",
        function=signup_order_matching,
        label="First come, first served",
        description="mentees in sign-up order each take their best mentor who still has room",
        method="greedy, one mentee at a time",
    ),
    PolicyRecord(
        name="stretch",
        kind="matching",
        function="workbench.matching.policies:assignment_matching",
        label="Stretch: new interests and help where needed",
        description="pairs who differ in interests, mentors strong where the mentee needs help",
        weights=WeightRecipe({"challenge": 1.0, "complementarity": 0.5}),
    ),
    PolicyRecord(
        name="trust_check",
        kind="rotation",
        function=trust_check,
        label="Every few weeks, new partners for the pairs with the least trust",
        description="every `every_weeks` weeks, pairs below the median trust are rematched",
        settings=("rotation.every_weeks",),
        summary="every {every_weeks} weeks the pairs with the least trust change partners",
        reasons=("rotation",),
    ),
]
