"""Matching policies: functions ``(roster, config, rng, context=None) -> Pairing`` for one site.

Each policy matches ONE site (``match_roster`` runs it site by site). What a
policy is called, what it optimises and how it is described is its record in
:mod:`workbench.registry`; the function is typed by :class:`MatchingPolicy`.
The simulation and the roster matcher call the same functions.

This module holds the shared set-up (:func:`bipartite_problem`: roles, score,
objective, constraints) and the assignment-based policies, all solved by
scipy's ``linear_sum_assignment``: ``random``, the weight-recipe policies
(``affinity``, ``complementary``, ``cross_group``, ``balanced`` and
``optimal`` share :func:`assignment_matching`) and ``cross_age``. Stable
matching, capacity with quotas, peer pairing and circles live in their own
modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy.optimize import linear_sum_assignment

from workbench import registry
from workbench.errors import WorkbenchError
from workbench.matching.constraints import Feasibility, pair_feasibility
from workbench.matching.context import MatchContext, avoid_penalty
from workbench.matching.pairing import Pairing
from workbench.matching.scores import TERMS, combine, pairwise_terms, weighted_scores
from workbench.matching.uniform import uniform_max_matching
from workbench.roster import Roster
from workbench.scenario import Matching as MatchConfig

FORBIDDEN = -1e9
JITTER = 1e-9


class MatchingPolicy(Protocol):
    """A matching policy: pairs (or groups) the students of ONE site.

    ``config.policy`` is the name of the record being run. ``rng`` is the
    only source of randomness; ``context`` carries forbidden pairs, partners
    to avoid and explicit rankings (``None``: only the roster's own rules).
    The returned :class:`Pairing` holds rows of ``roster`` and gives every
    student left out a reason.
    """

    def __call__(
        self,
        roster: Roster,
        config: MatchConfig,
        rng: np.random.Generator,
        context: MatchContext | None = None,
        /,
    ) -> Pairing: ...


def split_roles(roster: Roster, capacity: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Mentor and mentee rows; students marked ``both`` fill the smaller side.

    Among ``both`` students the higher grade (then the higher mean skill) go to
    the mentor side first, so the tiers follow experience. With ``capacity``
    mentees per mentor, about one in ``capacity + 1`` flexible places goes to
    mentors.

    Examples
    --------
    >>> import numpy as np
    >>> from workbench.cohort import generate_roster
    >>> from workbench.scenario import Scenario
    >>> r = generate_roster(Scenario().cohort.model_copy(update={"size": 10}), np.random.default_rng(0))
    >>> [len(side) for side in split_roles(r)]
    [5, 5]
    """
    role = roster.role
    mentors = np.flatnonzero(role == "mentor")
    mentees = np.flatnonzero(role == "mentee")
    flexible = np.flatnonzero(role == "both")
    if len(flexible):
        order = np.lexsort((-roster.skills[flexible].mean(1), -roster.grade[flexible]))
        flexible = flexible[order]
        total = len(mentors) + len(mentees) + len(flexible)
        target = -(-total // (capacity + 1)) if capacity > 1 else total // 2
        to_mentor = min(max(target - len(mentors), 0), len(flexible))
        mentors = np.sort(np.concatenate([mentors, flexible[:to_mentor]]))
        mentees = np.sort(np.concatenate([mentees, flexible[to_mentor:]]))
    return mentors.astype(np.intp, copy=False), mentees.astype(np.intp, copy=False)


def configured_weights(config: MatchConfig) -> dict[str, float]:
    """The configured score weights, every term (what every policy's reported score uses)."""
    return dict(_configured(config))


#: id(config) -> (config, its weights) for the last few settings: a matching round calls
#: a policy once per site with the same (frozen) settings, and model_dump is not free
_CONFIGURED: dict[int, tuple[MatchConfig, dict[str, float]]] = {}


def _configured(config: MatchConfig) -> dict[str, float]:
    hit = _CONFIGURED.get(id(config))
    if hit is not None and hit[0] is config:
        return hit[1]
    w = config.weights.model_dump()
    weights = {name: w[name] for name in TERMS}
    if len(_CONFIGURED) >= 16:
        _CONFIGURED.clear()
    _CONFIGURED[id(config)] = (config, weights)  # holding config keeps its id from reuse
    return weights


def policy_weights(config: MatchConfig, policy: str) -> dict[str, float]:
    """The score weights the named policy optimises (its record's weight recipe).

    Policies without a recipe (``optimal``, the structural policies, and
    ``random`` for its reported score) use the configured weights as they are.
    """
    recipe = registry.get("matching", policy).weights
    if isinstance(recipe, registry.WeightRecipe):
        return recipe.weights(config)
    return configured_weights(config)


def site_name(roster: Roster) -> str:
    return str(roster.site[0]) if len(roster) else "(empty)"


@dataclass(frozen=True)
class Problem:
    """One site's bipartite matching problem, in local (sub-roster) rows.

    ``score`` is the reported pair score (the configured weights) when the
    policy optimises it, else ``None`` (then :meth:`pair_scores` computes it for
    the chosen pairs only); ``objective`` is what the policy maximises (its own
    weights, seeded tie-breaking jitter, avoided pairs pushed below every other
    option); ``feasibility.allowed`` marks the pairs every hard constraint allows.
    """

    mentors: np.ndarray
    mentees: np.ndarray
    score: np.ndarray | None
    objective: np.ndarray
    avoided: np.ndarray
    feasibility: Feasibility
    roster: Roster
    config: MatchConfig

    @property
    def allowed(self) -> np.ndarray:
        return self.feasibility.allowed

    def pair_scores(self, mentor_pos: np.ndarray, mentee_pos: np.ndarray) -> np.ndarray:
        """Reported scores of the pairs ``(mentors[i], mentees[j])``."""
        if self.score is not None:
            return self.score[mentor_pos, mentee_pos]
        reported = configured_weights(self.config)
        terms = pairwise_terms(
            self.roster,
            self.mentors[mentor_pos],
            self.mentees[mentee_pos],
            self.config.cross_group_attributes,
            only=[t for t, w in reported.items() if w],
        )
        scores = combine({t: terms.get(t, 0.0) for t in TERMS}, reported)
        return np.broadcast_to(scores, (len(mentor_pos),)).astype(np.float64)


def bipartite_problem(
    roster: Roster,
    config: MatchConfig,
    rng: np.random.Generator,
    context: MatchContext,
    policy: str,
    capacity: int = 1,
    grade_gap: int | None = None,
) -> Problem:
    """Roles, scores, objective and constraints of one site for policy ``policy``."""
    mentors, mentees = split_roles(roster, capacity)
    if context.strict and len(roster) >= 2 and (len(mentors) == 0 or len(mentees) == 0):
        side = "mentor" if len(mentors) == 0 else "mentee"
        raise WorkbenchError(
            f"site {site_name(roster)}: no {side}s (column 'role'); mark some students "
            f"'{side}' or 'both'"
        )
    reported = configured_weights(config)
    random_scores = registry.get("matching", policy).weights == "random"
    weights = None if random_scores else policy_weights(config, policy)
    shape = (len(mentors), len(mentees))
    if weights is None:  # uniform random scores, ties broken by the rng
        objective = rng.random(shape)
        penalty = 2.0
        score = None
    else:
        objective = weighted_scores(
            roster, mentors, mentees, weights, config.cross_group_attributes
        )
        # the reported score is the objective itself for policies that use the weights as
        # set (not a copy: the jittered objective below is a new array)
        score = objective if weights == reported else None
        jitter = rng.random(shape)
        jitter *= JITTER
        objective = np.add(objective, jitter, out=jitter)
        penalty = avoid_penalty(weights)
    avoided = context.mask("avoid", mentors, mentees)
    if avoided.any():  # objective is a fresh array here: lower the avoided pairs in place
        np.subtract(objective, penalty, out=objective, where=avoided)
    feasibility = pair_feasibility(roster, config, context, mentors, mentees, grade_gap)
    feasibility.ensure_possible(context, site_name(roster))
    return Problem(mentors, mentees, score, objective, avoided, feasibility, roster, config)


def finish(
    problem: Problem,
    mentor_pos: np.ndarray,
    mentee_pos: np.ndarray,
    policy: str,
    capacity: int = 1,
    notes: tuple[str, ...] = (),
) -> Pairing:
    """Build the :class:`Pairing` (groups by mentor) with a reason for everyone left out."""
    mentor_pos = np.asarray(mentor_pos, dtype=np.intp)
    mentee_pos = np.asarray(mentee_pos, dtype=np.intp)
    order = np.lexsort((mentee_pos, mentor_pos))
    mentor_pos, mentee_pos = mentor_pos[order], mentee_pos[order]
    # mentors are sorted: a new group starts where the mentor changes
    group = np.zeros(len(mentor_pos), dtype=np.intp)
    np.cumsum(mentor_pos[1:] != mentor_pos[:-1], out=group[1:])
    unmatched: dict[int, str] = {}
    taken_mentees = np.zeros(len(problem.mentees), dtype=bool)
    taken_mentees[mentee_pos] = True
    load = np.bincount(mentor_pos, minlength=len(problem.mentors))
    # a student with some allowed partner was left out by competition, not by a rule
    # (Feasibility.reason would say None): ask for a reason only for the others
    allowed = problem.allowed
    some_mentor, some_mentee = allowed.any(0), allowed.any(1)
    for k in np.flatnonzero(~taken_mentees):
        why = None if some_mentor[k] else problem.feasibility.reason(int(k), "b", "mentor")
        if why is None:
            why = (
                f"every suitable mentor was already full (capacity {capacity})"
                if len(problem.mentees) > capacity * len(problem.mentors)
                else "the policy left them out to match others (every suitable mentor was taken)"
            )
        unmatched[int(problem.mentees[k])] = why
    for k in np.flatnonzero(load == 0):
        why = None if some_mentee[k] else problem.feasibility.reason(int(k), "a", "mentee")
        if why is None:
            why = "more mentor places than mentees in this site"
        unmatched[int(problem.mentors[k])] = why
    return Pairing(
        problem.mentors[mentor_pos],
        problem.mentees[mentee_pos],
        group,
        np.asarray(problem.pair_scores(mentor_pos, mentee_pos), dtype=np.float64),
        unmatched,
        policy,
        notes,
    )


def assignment(objective: np.ndarray, allowed: np.ndarray, capacity: int) -> tuple[np.ndarray, ...]:
    """Maximum-weight assignment with ``capacity`` places per row (scipy), allowed pairs only.

    Returns ``(row positions, column positions)`` of the chosen pairs. The
    number of pairs is the largest possible; among those the total objective is
    the largest.
    """
    if objective.size == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    masked = objective if allowed.all() else np.where(allowed, objective, FORBIDDEN)
    places = np.repeat(np.arange(objective.shape[0]), capacity)
    cols, slot = linear_sum_assignment(
        (masked if capacity == 1 else masked[places]).T, maximize=True
    )
    rows = places[slot]
    keep = allowed[rows, cols]
    return rows[keep], cols[keep]


def _assign(
    roster: Roster,
    config: MatchConfig,
    rng: np.random.Generator,
    context: MatchContext | None,
    policy: str,
    grade_gap: int | None = None,
) -> Pairing:
    context = context or MatchContext.from_roster(roster)
    problem = bipartite_problem(
        roster, config, rng, context, policy, config.capacity, grade_gap=grade_gap
    )
    rows, cols = assignment(problem.objective, problem.allowed, config.capacity)
    notes = ()
    if problem.avoided[rows, cols].any():
        notes = (
            f"site {site_name(roster)}: {int(problem.avoided[rows, cols].sum())} recent "
            "partner pair(s) kept: no other way to match those students",
        )
    return finish(problem, rows, cols, policy, config.capacity, notes)


def random_matching(
    roster: Roster,
    config: MatchConfig,
    rng: np.random.Generator,
    context: MatchContext | None = None,
) -> Pairing:
    """Pairs drawn uniformly at random among the largest matchings the hard rules allow.

    A maximum assignment of random scores finds how many can be matched; the
    Markov chain of :mod:`workbench.matching.uniform` then draws uniformly
    among all matchings of that size. With recent partners to avoid (rotation
    in the simulation) the assignment's draw is kept: it avoids them, but is
    not exactly uniform.
    """
    context = context or MatchContext.from_roster(roster)
    problem = bipartite_problem(roster, config, rng, context, "random", config.capacity)
    rows, cols = assignment(problem.objective, problem.allowed, config.capacity)
    if not problem.avoided.any():
        rows, cols = uniform_max_matching(problem.allowed, rows, cols, config.capacity, rng)
    return finish(problem, rows, cols, "random", config.capacity)


def assignment_matching(
    roster: Roster,
    config: MatchConfig,
    rng: np.random.Generator,
    context: MatchContext | None = None,
) -> Pairing:
    """Maximise the total of the policy's weights (its record's recipe) by assignment.

    The policy is ``config.policy``: ``optimal`` uses the configured weights,
    ``affinity``, ``complementary``, ``cross_group`` and ``balanced`` their
    recipes (see :data:`workbench.registry.BUILTIN`). A new weighted policy is
    a record naming this function with its own :class:`~workbench.registry.WeightRecipe`.
    """
    return _assign(roster, config, rng, context, config.policy)


def cross_age_matching(
    roster: Roster,
    config: MatchConfig,
    rng: np.random.Generator,
    context: MatchContext | None = None,
) -> Pairing:
    """Older mentors with younger mentees: at least ``grade_gap`` grades apart, best score.

    Students marked ``both`` are split by grade first (the older half mentor).
    """
    return _assign(roster, config, rng, context, "cross_age", grade_gap=config.grade_gap)
