"""The weekly rules of the cohort, vectorised over all students and all links.

The state lives in numpy arrays (:class:`CohortState`, :class:`Links`); the
Mesa agents in :mod:`workbench.agents` are views onto them. One call of
:func:`advance_week` applies, in order (see docs/model.md for each rule's
source):

1. attendance: each scheduled session, a student attends with probability
   ``logistic(attend_base + attend_engagement·(engagement − ½) − barrier_penalty·uncovered barriers)``;
   a link meets in a session when both ends attend;
2. meeting quality: ``logistic(quality_base + affinity, complementarity, training,
   trust, supervision and coordinator terms − language misfit + noise)``;
3. gains per meeting, each a share of the remaining headroom ``(1 − x)``: mentee
   confidence (slowed by dependency), mentor confidence, both students'
   belonging (larger across groups), mentee skill toward the mentor's;
4. trust grows with good meetings; dependency follows trust in a long pair,
   less with activity variety;
5. engagement rises with good meetings, falls with missed sessions and with
   monotony;
6. drift: belonging and confidence are pulled back toward their starting level
   and jitter a little (gains fade without support);
7. dropout: students whose engagement fell below a threshold leave the program
   with a hazard that grows with how far below they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workbench.scenario import BARRIERS, Scenario

# why a link ended
END_REASONS: tuple[str, ...] = (
    "active",
    "program_end",
    "rotation",
    "plan_b",
    "dependency",
    "role_rotation",
    "dropout",
)
PLANNED_ENDS = frozenset({"program_end", "rotation", "plan_b", "dependency", "role_rotation"})
CLOSURE_HORIZON_WEEKS = 12.0  # Grossman & Rhodes (2002): harm from matches ending < 3 months
WEEKLY_NOISE = 0.01


def _sum_by(index: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Float sums of ``weights`` per student (``bincount`` gives ints when empty)."""
    return np.bincount(index, weights, n).astype(np.float64, copy=False)


def logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class Links:
    """Mentor–mentee links, alive or ended, as growable columns."""

    mentor: np.ndarray = field(default_factory=lambda: np.zeros(0, np.intp))
    mentee: np.ndarray = field(default_factory=lambda: np.zeros(0, np.intp))
    group: np.ndarray = field(default_factory=lambda: np.zeros(0, np.intp))
    start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    end: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    reason: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    affinity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    complementarity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cross: np.ndarray = field(default_factory=lambda: np.zeros(0))
    language_fit: np.ndarray = field(default_factory=lambda: np.zeros(0))
    score: np.ndarray = field(default_factory=lambda: np.zeros(0))
    trust: np.ndarray = field(default_factory=lambda: np.zeros(0))
    weeks: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    meetings: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    quality_sum: np.ndarray = field(default_factory=lambda: np.zeros(0))
    checkin_sum: np.ndarray = field(default_factory=lambda: np.zeros(0))
    checkin_count: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    poor_streak: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    worst_streak: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    boost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    tied: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    def __len__(self) -> int:
        return len(self.mentor)

    @property
    def alive(self) -> np.ndarray:
        return self.end < 0

    def append(self, **columns: np.ndarray) -> None:
        """Add links; unspecified columns start at zero (``end`` at −1: alive)."""
        count = len(columns["mentor"])
        for name, current in vars(self).items():
            new = columns.get(name)
            if new is None:
                new = np.full(count, -1 if name == "end" else 0, dtype=current.dtype)
            setattr(self, name, np.concatenate([current, np.asarray(new, dtype=current.dtype)]))


@dataclass
class CohortState:
    """Everything that changes week to week, one entry per student."""

    belonging: np.ndarray
    confidence: np.ndarray
    belonging_start: np.ndarray
    confidence_start: np.ndarray
    engagement: np.ndarray
    engagement_start: np.ndarray
    skill: np.ndarray
    dependency: np.ndarray
    uncovered: np.ndarray  # barriers not covered by a support
    role: np.ndarray
    active: np.ndarray
    dropped_week: np.ndarray
    meetings: np.ndarray
    scheduled: np.ndarray
    attended: np.ndarray
    scheduled_week: np.ndarray
    attended_week: np.ndarray
    rematches: np.ndarray
    weeks_matched: np.ndarray
    closures: np.ndarray
    links: Links = field(default_factory=Links)

    @classmethod
    def start(
        cls,
        belonging: np.ndarray,
        confidence: np.ndarray,
        engagement: np.ndarray,
        skill: np.ndarray,
        barriers: np.ndarray,
        role: np.ndarray,
        scenario: Scenario,
    ) -> CohortState:
        n = len(belonging)
        supports = np.array([getattr(scenario.levers.supports, b) for b in BARRIERS])
        zeros = np.zeros(n, dtype=np.int64)
        return cls(
            belonging=belonging.astype(np.float64).copy(),
            confidence=confidence.astype(np.float64).copy(),
            belonging_start=belonging.astype(np.float64).copy(),
            confidence_start=confidence.astype(np.float64).copy(),
            engagement=engagement.astype(np.float64).copy(),
            engagement_start=engagement.astype(np.float64).copy(),
            skill=skill.astype(np.float64).copy(),
            dependency=np.zeros(n),
            uncovered=(barriers & ~supports).sum(1).astype(np.float64),
            role=role.copy(),
            active=np.ones(n, dtype=bool),
            dropped_week=np.full(n, -1, dtype=np.int64),
            meetings=zeros.copy(),
            scheduled=zeros.copy(),
            attended=zeros.copy(),
            scheduled_week=zeros.copy(),
            attended_week=zeros.copy(),
            rematches=zeros.copy(),
            weeks_matched=zeros.copy(),
            closures=zeros.copy(),
        )

    def in_poor_pair(self) -> np.ndarray:
        """Students in an alive link rated poor at its last check-in."""
        out = np.zeros(len(self.belonging), dtype=bool)
        poor = self.links.alive & (self.links.poor_streak > 0)
        out[self.links.mentor[poor]] = True
        out[self.links.mentee[poor]] = True
        return out

    def matched(self) -> np.ndarray:
        """Students in at least one alive link."""
        out = np.zeros(len(self.belonging), dtype=bool)
        alive = self.links.alive
        out[self.links.mentor[alive]] = True
        out[self.links.mentee[alive]] = True
        return out


def end_links(
    state: CohortState, which: np.ndarray, week: int, reason: str, scenario: Scenario
) -> None:
    """End the given alive links; unplanned endings cost both students belonging.

    The cost of an unplanned ending shrinks with the match's age,
    ``closure_penalty · exp(−weeks / 12)``: matches that end within about
    three months leave students worse off (Grossman & Rhodes 2002).
    """
    which = np.asarray(which, dtype=np.intp)
    if len(which) == 0:
        return
    links = state.links
    links.end[which] = week
    links.reason[which] = END_REASONS.index(reason)
    if reason not in PLANNED_ENDS:
        hurt = scenario.dynamics.closure_penalty * np.exp(
            -links.weeks[which] / CLOSURE_HORIZON_WEEKS
        )
        for ends in (links.mentor[which], links.mentee[which]):
            np.subtract.at(state.belonging, ends, hurt)
            np.subtract.at(state.confidence, ends, 0.5 * hurt)
            np.add.at(state.closures, ends, 1)
        np.clip(state.belonging, 0.0, 1.0, out=state.belonging)
        np.clip(state.confidence, 0.0, 1.0, out=state.confidence)


def checkin(state: CohortState, scenario: Scenario) -> None:
    """Coordinator check-in: rate each alive pair poor or not, support the poor ones.

    A pair is poor when its mean meeting quality since the last check-in is
    below ``poor_quality`` (a pair that never met counts as poor). Poor pairs
    get coordinator support until the next check-in: ``coordinator_response``
    added to their quality logit.
    """
    links = state.links
    alive = np.flatnonzero(links.alive)
    counted = links.checkin_count[alive]
    mean = np.where(counted > 0, links.checkin_sum[alive] / np.maximum(counted, 1), 0.0)
    poor = mean < scenario.dynamics.poor_quality
    links.poor_streak[alive] = np.where(poor, links.poor_streak[alive] + 1, 0)
    links.worst_streak[alive] = np.maximum(links.worst_streak[alive], links.poor_streak[alive])
    links.boost[alive] = np.where(poor, scenario.levers.coordinator_response, 0.0)
    links.checkin_sum[alive] = 0.0
    links.checkin_count[alive] = 0


def advance_week(
    state: CohortState, scenario: Scenario, week: int, rng: np.random.Generator
) -> None:
    """Apply one week of the rules (module docstring) to ``state`` in place."""
    p = scenario.dynamics
    levers = scenario.levers
    links = state.links
    n = len(state.belonging)
    alive = np.flatnonzero(links.alive)
    mentor, mentee = links.mentor[alive], links.mentee[alive]
    sessions = levers.sessions_per_week

    # 1. attendance
    in_program = state.active & state.matched()
    p_attend = logistic(
        p.attend_base
        + p.attend_engagement * (state.engagement - 0.5)
        - p.barrier_penalty * state.uncovered
    )
    attended = rng.random((n, sessions)) < p_attend[:, None] if sessions else np.zeros((n, 0), bool)
    attended &= in_program[:, None]
    state.scheduled_week = np.where(in_program, sessions, 0)
    state.attended_week = attended.sum(1)
    state.scheduled += state.scheduled_week
    state.attended += state.attended_week
    met = (attended[mentor] & attended[mentee]).sum(1) if sessions else np.zeros(len(alive), int)

    # 2. quality
    language_misfit = (1.0 - links.language_fit[alive]) * (0.0 if levers.supports.language else 1.0)
    quality = logistic(
        p.quality_base
        + p.quality_affinity * links.affinity[alive]
        + p.quality_complementarity * links.complementarity[alive]
        + p.quality_training * levers.mentor_training
        + p.quality_trust * links.trust[alive]
        + p.supervision_boost * levers.adult_supervision
        + links.boost[alive]
        - language_misfit
        + p.quality_noise * rng.standard_normal(len(alive))
    )
    links.weeks[alive] += 1
    links.meetings[alive] += met
    links.quality_sum[alive] += met * quality
    had = met > 0
    links.checkin_sum[alive[had]] += quality[had]
    links.checkin_count[alive[had]] += 1
    # a scheduled week with no meeting counts as a poor check-in entry
    missed = (met == 0) & (sessions > 0)
    links.checkin_count[alive[missed]] += 1

    # 3. gains per meeting (shares of headroom); a mentee has one alive link, a
    # mentor may have several (capacity, circles), so mentor terms are summed
    dose = met * quality
    bridge = 1.0 + p.cross_group_bonus * links.cross[alive]
    drag = 1.0 - p.dependency_drag * state.dependency[mentee]
    bond = p.belonging_gain * dose * bridge
    d_belong = _sum_by(mentor, bond, n)
    d_belong[mentee] += bond
    d_conf = _sum_by(mentor, p.mentor_confidence_gain * dose, n)
    d_conf[mentee] += p.confidence_gain * dose * drag
    lead = np.maximum(state.skill[mentor] - state.skill[mentee], 0.0)
    grown = state.skill[mentee]
    grown += np.minimum(lead * (p.skill_gain * dose)[:, None], 1.0) * (1.0 - grown)
    state.skill[mentee] = grown
    state.belonging += np.minimum(d_belong, 1.0) * (1.0 - state.belonging)
    state.confidence += np.minimum(d_conf, 1.0) * (1.0 - state.confidence)
    met_by = _sum_by(mentor, met, n)
    met_by[mentee] += met
    state.meetings += met_by.astype(np.int64)
    state.weeks_matched += in_program

    # 4. trust and dependency
    trust = links.trust[alive]
    trust += p.trust_gain * dose * (1.0 - trust)
    np.clip(trust, 0.0, 1.0, out=trust)
    links.trust[alive] = trust
    target = np.zeros(n)
    target[mentee] = trust * (1.0 - 0.7 * levers.activity_variety)
    state.dependency += p.dependency_growth * (target - state.dependency)

    # 5. engagement
    link_weeks = links.weeks[alive].astype(np.float64)
    pair_weeks = np.zeros(n)
    np.maximum.at(pair_weeks, mentor, link_weeks)
    pair_weeks[mentee] = link_weeks
    missed_sessions = state.scheduled_week - state.attended_week
    felt = dose - 0.5 * met
    response = _sum_by(mentor, felt, n)
    response[mentee] += felt
    reflection = 0.5 if levers.async_reflection else 1.0
    state.engagement += (
        p.engagement_response * response
        - p.missed_penalty * reflection * missed_sessions
        - p.monotony * (1.0 - levers.activity_variety) * np.minimum(pair_weeks / 12.0, 1.0)
    )
    np.clip(state.engagement, 0.0, 1.0, out=state.engagement)

    # 6. drift back toward the starting level, with a little weekly noise
    jitter = WEEKLY_NOISE * rng.standard_normal((2, n))
    for now, start, noise in (
        (state.belonging, state.belonging_start, jitter[0]),
        (state.confidence, state.confidence_start, jitter[1]),
    ):
        now += p.drift * (start - now) + noise
        np.clip(now, 0.0, 1.0, out=now)

    # 7. dropout where engagement fell below the threshold
    shortfall = np.clip(
        (p.dropout_threshold - state.engagement) / max(p.dropout_threshold, 1e-9), 0, 1
    )
    leaving = state.active & (rng.random(n) < p.dropout_hazard * shortfall) & (sessions > 0)
    if leaving.any():
        state.active &= ~leaving
        state.dropped_week[leaving] = week
        alive_now = np.flatnonzero(links.alive)
        gone = leaving[links.mentor[alive_now]] | leaving[links.mentee[alive_now]]
        end_links(state, alive_now[gone], week, "dropout", scenario)
