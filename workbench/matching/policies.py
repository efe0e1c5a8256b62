"""Matching policies: plain functions ``(roster, config, rng) -> Pairing`` for one site.

Register a new policy with :func:`register`; it is then selectable by name from
scenario files (``[matching] policy = "..."``), the CLI and the API. The
simulation and the roster matcher call the same functions.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import linear_sum_assignment

from workbench.matching.pairing import Pairing
from workbench.matching.scores import TERMS, pair_terms, shared_slots
from workbench.roster import Roster
from workbench.scenario import Matching as MatchConfig

Policy = Callable[[Roster, MatchConfig, np.random.Generator], Pairing]
POLICIES: dict[str, Policy] = {}
FORBIDDEN = -1e9


def register(name: str) -> Callable[[Policy], Policy]:
    """Decorator adding a policy to :data:`POLICIES` under ``name``."""

    def decorate(function: Policy) -> Policy:
        POLICIES[name] = function
        return function

    return decorate


def split_roles(roster: Roster) -> tuple[np.ndarray, np.ndarray]:
    """Mentor and mentee rows; students marked ``both`` fill the smaller side.

    Among ``both`` students the higher mean skill (then the higher grade) go to
    the mentor side first, so the tiers follow experience.
    """
    role = roster.role
    mentors = list(np.flatnonzero(role == "mentor"))
    mentees = list(np.flatnonzero(role == "mentee"))
    flexible = np.flatnonzero(role == "both")
    if len(flexible):
        order = np.lexsort((-roster.skills[flexible].mean(1), -roster.grade[flexible]))
        flexible = flexible[order]
        # give as many of the flexible students to mentors as balances the sides
        target = (len(mentors) + len(mentees) + len(flexible)) // 2
        to_mentor = int(np.clip(target - len(mentors), 0, len(flexible)))
        mentors += list(flexible[:to_mentor])
        mentees += list(flexible[to_mentor:])
    return np.array(sorted(mentors), dtype=np.intp), np.array(sorted(mentees), dtype=np.intp)


def policy_weights(config: MatchConfig, policy: str) -> dict[str, float]:
    """The score weights a named policy optimises (feasibility terms always kept)."""
    w = config.weights.model_dump()
    keep = {"schedule": w["schedule"], "language": w["language"]}
    if policy == "affinity":
        return {"affinity": 1.0, **keep}
    if policy == "complementary":
        return {"complementarity": 1.0, **keep}
    if policy == "cross_group":
        return {"cross_group": 1.0, "affinity": 0.25, **keep}
    if policy == "balanced":
        return {"affinity": 1.0 - config.balance, "challenge": config.balance, **keep}
    return {name: w[name] for name in TERMS}


def _assign(
    roster: Roster,
    config: MatchConfig,
    rng: np.random.Generator,
    policy: str,
    weights: dict[str, float] | None,
) -> Pairing:
    mentors, mentees = split_roles(roster)
    if len(mentors) == 0 or len(mentees) == 0:
        side = "mentors" if len(mentors) == 0 else "mentees"
        why = f"no {side} in this site"
        return Pairing(
            *([np.zeros(0, np.intp)] * 3),
            np.zeros(0),
            {int(i): why for i in np.concatenate([mentors, mentees])},
            policy,
        )
    reported = policy_weights(config, "optimal")
    needed = {t for t, w in (weights or {}).items() if w} | {t for t, w in reported.items() if w}
    terms = pair_terms(roster, mentors, mentees, config.cross_group_attributes, only=needed)
    if weights is None:  # random: uniform scores, ties broken by the rng
        objective = rng.random((len(mentors), len(mentees)))
        used = policy_weights(config, "optimal")
    else:
        used = weights
        objective = sum(w * terms[t] for t, w in used.items() if w)
        objective = objective + 1e-9 * rng.random(objective.shape)  # seeded tie-breaking
    score = sum(w * terms[t] for t, w in reported.items() if w)
    allowed = np.ones_like(objective, dtype=bool)
    if config.min_schedule_overlap:
        allowed &= shared_slots(roster, mentors, mentees) >= config.min_schedule_overlap
    objective = np.where(allowed, objective, FORBIDDEN)
    capacity = config.capacity
    columns = np.repeat(np.arange(len(mentors)), capacity)
    rows_idx, cols_idx = linear_sum_assignment(objective[columns].T, maximize=True)
    mentor_pos = columns[cols_idx]
    keep = allowed[mentor_pos, rows_idx]
    mentor_pos, mentee_pos = mentor_pos[keep], rows_idx[keep]
    order = np.lexsort((mentee_pos, mentor_pos))
    mentor_pos, mentee_pos = mentor_pos[order], mentee_pos[order]
    _, group = np.unique(mentor_pos, return_inverse=True)
    unmatched: dict[int, str] = {}
    matched_mentees = set(mentee_pos.tolist())
    matched_mentors = set(mentor_pos.tolist())
    for k, row in enumerate(mentees):
        if k not in matched_mentees:
            if allowed[:, k].any():
                unmatched[int(row)] = "no mentor capacity left in this site"
            else:
                unmatched[int(row)] = "no mentor meets the schedule-overlap requirement"
    for k, row in enumerate(mentors):
        if k not in matched_mentors:
            unmatched[int(row)] = "more mentor places than mentees in this site"
    return Pairing(
        mentors[mentor_pos],
        mentees[mentee_pos],
        group.astype(np.intp),
        score[mentor_pos, mentee_pos].astype(np.float64),
        unmatched,
        policy,
    )


@register("random")
def random_matching(roster: Roster, config: MatchConfig, rng: np.random.Generator) -> Pairing:
    """Pairs drawn uniformly at random (within capacity and constraints)."""
    return _assign(roster, config, rng, "random", None)


@register("affinity")
def affinity_matching(roster: Roster, config: MatchConfig, rng: np.random.Generator) -> Pairing:
    """Maximise total affinity (shared interests and background)."""
    return _assign(roster, config, rng, "affinity", policy_weights(config, "affinity"))


@register("complementary")
def complementary_matching(
    roster: Roster, config: MatchConfig, rng: np.random.Generator
) -> Pairing:
    """Maximise how well mentors' strengths cover mentees' needs."""
    return _assign(roster, config, rng, "complementary", policy_weights(config, "complementary"))


@register("cross_group")
def cross_group_matching(roster: Roster, config: MatchConfig, rng: np.random.Generator) -> Pairing:
    """Pair across differences on the chosen attributes, shared interests breaking ties."""
    return _assign(roster, config, rng, "cross_group", policy_weights(config, "cross_group"))


@register("balanced")
def balanced_matching(roster: Roster, config: MatchConfig, rng: np.random.Generator) -> Pairing:
    """Slide between affinity (``balance = 0``) and challenge (``balance = 1``)."""
    return _assign(roster, config, rng, "balanced", policy_weights(config, "balanced"))


@register("optimal")
def optimal_matching(roster: Roster, config: MatchConfig, rng: np.random.Generator) -> Pairing:
    """Maximise the total weighted score (scipy's assignment solver)."""
    return _assign(roster, config, rng, "optimal", policy_weights(config, "optimal"))
