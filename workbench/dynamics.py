"""The weekly rules of the cohort, vectorised over all students and all links.

The state lives in numpy arrays (:class:`CohortState`, :class:`Links`); the
Mesa agents in :mod:`workbench.agents` are views onto them. The parameters a run
uses are a :class:`Params` (scalars for one world; one value per student when
many plausible worlds are stacked in one state, :mod:`workbench.worlds`). One
call of :func:`advance_week` applies, in order (see docs/model.md §7 for each
rule, its parameters and their basis):

1. attendance: each scheduled session, a student attends with probability
   ``σ(attend_base + attend_engagement·(engagement − ½) − barrier_penalty·uncovered barriers)``;
   a link meets in a session when both ends attend;
2. meeting quality: ``σ(quality_base + affinity, complementarity, training,
   trust, supervision and coordinator terms + the pair's lasting fit − language
   misfit + weekly noise)``;
3. gains per meeting, each a share of the remaining headroom ``(1 − x)``: mentee
   confidence (slowed by dependency), mentor confidence, both students'
   belonging (larger across groups under the *bridge* hypothesis; larger for a
   mentee of a group under threat with a same-identity mentor under the *role
   model* hypothesis), mentee skill toward the mentor's;
4. trust grows with good meetings; dependency follows trust in a long pair,
   less with activity variety;
5. engagement rises with good meetings, falls with missed sessions, with
   weeks spent waiting for a partner and with monotony;
6. drift: belonging and confidence are pulled back toward the student's
   baseline, which for belonging declines over the school year (faster for
   groups under threat): without support, belonging falls;
7. leaving: students whose engagement fell below a threshold leave the program;
   any student may leave the school/course/track, more likely with low belonging.

Endings (:func:`end_links`) are *planned* (rotation, role change, dependency
rotation, program end) or *premature* (dropout, Plan B, leaving school): a
premature ending costs the mentee ``premature_harm`` belonging, more for a student
who has had premature endings before; a planned one costs a share of that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.scales import AGREE_LEVEL
from workbench.scenario import BARRIERS, Dynamics, Scenario

# why a link ended
END_REASONS: tuple[str, ...] = (
    "active",
    "program_end",
    "rotation",
    "plan_b",
    "dependency",
    "role_rotation",
    "dropout",
    "left_school",
)
#: Endings the program plans (Spencer et al. 2017: prepared closures).
PLANNED_ENDS = frozenset({"program_end", "rotation", "dependency", "role_rotation"})
#: Endings before the relationship's planned end: a failed match or a student who left.
PREMATURE_ENDS = frozenset({"plan_b", "dropout", "left_school"})
#: The end of the program is the point at which the studies measured outcomes: any effect
#: of that ending is inside the measured effect, so it costs nothing here.
FREE_ENDS = frozenset({"program_end"})
#: School weeks in a year: the unit of the yearly rates (decline, attrition).
WEEKS_PER_YEAR = 36.0
#: Starting engagement is kept at least this high (a student who enrols has some).
ENGAGEMENT_FLOOR = 0.05

#: Dynamics fields that are numbers (stackable per world); ``identity`` and the switch are not.
NUMERIC: tuple[str, ...] = tuple(
    name for name, info in Dynamics.model_fields.items() if info.annotation is float
)
_BRIDGE = ("both", "bridge")
_ROLE_MODEL = ("both", "role_model")


def _sum_by(index: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Float sums of ``weights`` per student (``bincount`` gives ints when empty)."""
    return np.bincount(index, weights, n).astype(np.float64, copy=False)


def logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class Params:
    """The weekly rules' parameters: one value per run, or one per student.

    Every :data:`NUMERIC` field of :class:`~workbench.scenario.Dynamics` is an
    attribute. For one run they are floats. With ``draws`` (parameter name →
    one value per world, ``identity`` may be among them) and ``world`` (each
    student's world), each drawn parameter is an array with one value per
    student, so several worlds advance together in one state; :meth:`at` gives a
    parameter for some students (per link: the mentee's world).

    Attributes ``bridge`` and ``role_model`` are the identity terms in force:
    ``cross_group_bonus`` / ``role_model_bonus`` where the ``identity`` variant
    switches that mechanism on, else 0.

    Examples
    --------
    >>> p = Params(Dynamics())
    >>> p.drift == Dynamics().drift, p.bridge == Dynamics().cross_group_bonus
    (True, True)
    >>> q = Params(Dynamics(), {"drift": [0.01, 0.02], "identity": ["none", "both"]},
    ...            world=np.array([0, 0, 1]))
    >>> q.drift.tolist(), q.bridge.tolist()
    ([0.01, 0.01, 0.02], [0.0, 0.0, 0.3])
    """

    def __init__(
        self,
        dynamics: Dynamics,
        draws: Mapping[str, Any] | None = None,
        world: np.ndarray | None = None,
    ) -> None:
        self.dynamics = dynamics
        self.varying: tuple[str, ...] = tuple(draws or ())
        for name in NUMERIC:
            setattr(self, name, getattr(dynamics, name))
        identity: Any = dynamics.identity
        for name, values in (draws or {}).items():
            if name != "identity" and name not in NUMERIC:
                raise ValueError(f"{name!r} is not a numeric dynamics parameter")
            if world is None:
                raise ValueError("give each student's world with draws")
            column = np.asarray(values)[world]
            if name == "identity":
                identity = column
            else:
                setattr(self, name, column.astype(np.float64))
        bridge_on = np.isin(identity, _BRIDGE)
        role_on = np.isin(identity, _ROLE_MODEL)
        self.bridge = self.cross_group_bonus * (
            bridge_on if np.ndim(identity) else float(bridge_on)
        )
        self.role_model = self.role_model_bonus * (role_on if np.ndim(identity) else float(role_on))

    def attrition_logit(self) -> Any:
        """Log-odds of ``attrition_rate`` (kept inside (0, 1)), computed once per value.

        It is read every week; with one rate per student it costs a log over the cohort.
        """
        rate = self.attrition_rate
        cached = self.__dict__.get("_attrition_logit")
        if cached is None or cached[0] is not rate:
            clipped = np.clip(rate, 1e-9, 1.0 - 1e-9)
            cached = (rate, np.log(clipped / (1.0 - clipped)))
            self.__dict__["_attrition_logit"] = cached
        return cached[1]

    def at(self, name: str, rows: np.ndarray) -> Any:
        """Parameter ``name`` for the students ``rows`` (a float when it does not vary)."""
        value = getattr(self, name)
        return value[rows] if np.ndim(value) else value


@dataclass
class Links:
    """Mentor–mentee links, alive or ended, as growable columns.

    ``fit`` is the pair's lasting fit in standard units (scaled by ``pair_fit_sd``
    in the quality rule); ``role_model`` is 1 when the mentee belongs to a group
    under threat and the mentor shares that identity.
    """

    mentor: np.ndarray = field(default_factory=lambda: np.zeros(0, np.intp))
    mentee: np.ndarray = field(default_factory=lambda: np.zeros(0, np.intp))
    group: np.ndarray = field(default_factory=lambda: np.zeros(0, np.intp))
    start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    end: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    reason: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    affinity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    complementarity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cross: np.ndarray = field(default_factory=lambda: np.zeros(0))
    role_model: np.ndarray = field(default_factory=lambda: np.zeros(0))
    language_fit: np.ndarray = field(default_factory=lambda: np.zeros(0))
    fit: np.ndarray = field(default_factory=lambda: np.zeros(0))
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
    """Everything that changes week to week, one entry per student.

    ``threatened`` marks students of a group under threat (their baseline belonging
    declines faster; a same-identity mentor is a role model for them);
    ``enrolled`` is whether the student is still in the school/course/track
    (outside the program); ``active`` whether still in the program;
    ``closures`` counts the student's premature endings.
    """

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
    threatened: np.ndarray
    enrolled: np.ndarray
    left_week: np.ndarray
    params: Params
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
        threatened: np.ndarray | None = None,
        params: Params | None = None,
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
            threatened=np.zeros(n, bool) if threatened is None else threatened.astype(bool),
            enrolled=np.ones(n, dtype=bool),
            left_week=np.full(n, -1, dtype=np.int64),
            params=Params(scenario.dynamics) if params is None else params,
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

    def baseline(self, week: int) -> np.ndarray:
        """Belonging each student would drift to by ``week`` without support.

        The starting level minus ``belonging_decline`` (plus ``threat_decline`` for
        a group under threat) per school year.
        """
        p = self.params
        rate = p.belonging_decline + p.threat_decline * self.threatened
        return self.belonging_start - rate * (week / WEEKS_PER_YEAR)


def end_links(
    state: CohortState, which: np.ndarray, week: int, reason: str, scenario: Scenario
) -> None:
    """End the given alive links; the ending costs belonging by its kind.

    A premature ending (:data:`PREMATURE_ENDS`) costs the mentee
    ``premature_harm · (1 + closure_history · earlier premature endings)`` of
    belonging (Grossman & Rhodes 2002; Grossman et al. 2012), times
    ``planb_harm_share`` for a Plan B ending (a managed end of a failed match); a planned one
    (:data:`PLANNED_ENDS` but the program's end) ``planned_harm_share`` of
    ``premature_harm``. The mentor bears ``mentor_harm_share`` of it; confidence
    falls by ``harm_confidence_share`` of the belonging lost. The harm does not
    depend on the ended link's age: short matches come out worse than none
    because they end before their gains build up.
    """
    which = np.asarray(which, dtype=np.intp)
    if len(which) == 0:
        return
    links = state.links
    links.end[which] = week
    links.reason[which] = END_REASONS.index(reason)
    if reason in FREE_ENDS:
        return
    p = state.params
    premature = reason in PREMATURE_ENDS
    for ends, side in ((links.mentee[which], None), (links.mentor[which], "mentor")):
        hurt = p.at("premature_harm", ends)
        if premature:
            hurt = hurt * (1.0 + p.at("closure_history", ends) * state.closures[ends])
            if reason == "plan_b":
                hurt = hurt * p.at("planb_harm_share", ends)
        else:
            hurt = hurt * p.at("planned_harm_share", ends)
        if side == "mentor":
            hurt = hurt * p.at("mentor_harm_share", ends)
        hurt = np.broadcast_to(hurt, ends.shape)
        np.subtract.at(state.belonging, ends, hurt)
        np.subtract.at(state.confidence, ends, p.at("harm_confidence_share", ends) * hurt)
    if premature:
        np.add.at(state.closures, links.mentee[which], 1)
        np.add.at(state.closures, links.mentor[which], 1)
    np.clip(state.belonging, 0.0, 1.0, out=state.belonging)
    np.clip(state.confidence, 0.0, 1.0, out=state.confidence)


def checkin(state: CohortState, scenario: Scenario) -> None:
    """Coordinator check-in: rate each alive pair poor or not, support the poor ones.

    A pair is poor when its mean meeting quality since the last check-in is
    below ``poor_quality`` (a pair that never met counts as poor). Poor pairs
    get coordinator support until the next check-in: ``coordinator_response``
    added to their quality logit, and each of their students regains
    ``checkin_reengagement · coordinator_response`` of engagement (the
    coordinator's contact).
    """
    links = state.links
    alive = np.flatnonzero(links.alive)
    counted = links.checkin_count[alive]
    mean = np.where(counted > 0, links.checkin_sum[alive] / np.maximum(counted, 1), 0.0)
    poor = mean < state.params.at("poor_quality", links.mentee[alive])
    links.poor_streak[alive] = np.where(poor, links.poor_streak[alive] + 1, 0)
    links.worst_streak[alive] = np.maximum(links.worst_streak[alive], links.poor_streak[alive])
    links.boost[alive] = np.where(poor, scenario.levers.coordinator_response, 0.0)
    # the coordinator reaches the students of a poor pair: some engagement comes back
    lift = scenario.levers.coordinator_response * state.params.at(
        "checkin_reengagement", links.mentee[alive[poor]]
    )
    for ends in (links.mentor[alive[poor]], links.mentee[alive[poor]]):
        np.add.at(state.engagement, ends, lift)
    np.clip(state.engagement, 0.0, 1.0, out=state.engagement)
    links.checkin_sum[alive] = 0.0
    links.checkin_count[alive] = 0


def advance_week(
    state: CohortState,
    scenario: Scenario,
    week: int,
    rng: np.random.Generator,
    *,
    in_session: bool = True,
) -> None:
    """Apply one week of the rules (module docstring) to ``state`` in place.

    ``in_session=False`` is a follow-up week after the program ended
    (``levers.follow_up_weeks``): no sessions, nobody leaves the program (it is
    over: retention stays as it was at its end), while belonging and confidence
    keep drifting toward the declining baseline and students may still leave the
    school.
    """
    p = state.params
    levers = scenario.levers
    links = state.links
    n = len(state.belonging)
    alive = np.flatnonzero(links.alive)
    mentor, mentee = links.mentor[alive], links.mentee[alive]
    sessions = levers.sessions_per_week if in_session else 0

    def per_link(name: str) -> Any:
        return p.at(name, mentee)

    # 1. attendance; matched: in an alive link (state.matched() from the links at hand)
    matched = np.zeros(n, dtype=bool)
    matched[mentor] = True
    matched[mentee] = True
    in_program = state.active & matched
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
        per_link("quality_base")
        + per_link("quality_affinity") * links.affinity[alive]
        + per_link("quality_complementarity") * links.complementarity[alive]
        + per_link("quality_training") * levers.mentor_training
        + per_link("quality_trust") * links.trust[alive]
        + per_link("supervision_boost") * levers.adult_supervision
        + per_link("pair_fit_sd") * links.fit[alive]
        + links.boost[alive]
        - language_misfit
        + per_link("quality_noise") * rng.standard_normal(len(alive))
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
    bridge = 1.0 + per_link("bridge") * links.cross[alive]
    role_model = 1.0 + per_link("role_model") * links.role_model[alive]
    drag = 1.0 - per_link("dependency_drag") * state.dependency[mentee]
    bond = per_link("belonging_gain") * dose * bridge
    d_belong = _sum_by(mentor, bond, n)
    d_belong[mentee] += bond * role_model
    d_conf = _sum_by(mentor, per_link("mentor_confidence_gain") * dose, n)
    d_conf[mentee] += per_link("confidence_gain") * dose * drag * role_model
    # take() gathers rows of the 2-d skill array faster than fancy indexing
    grown = state.skill.take(mentee, 0)
    lead = np.maximum(state.skill.take(mentor, 0) - grown, 0.0)
    grown += np.minimum(lead * (per_link("skill_gain") * dose)[:, None], 1.0) * (1.0 - grown)
    state.skill[mentee] = grown
    state.belonging += np.minimum(d_belong, 1.0) * (1.0 - state.belonging)
    state.confidence += np.minimum(d_conf, 1.0) * (1.0 - state.confidence)
    met_by = _sum_by(mentor, met, n)
    met_by[mentee] += met
    state.meetings += met_by.astype(np.int64)
    state.weeks_matched += in_program

    # 4. trust and dependency
    trust = links.trust[alive]
    trust += per_link("trust_gain") * dose * (1.0 - trust)
    np.clip(trust, 0.0, 1.0, out=trust)
    links.trust[alive] = trust
    target = np.zeros(n)
    target[mentee] = trust * (1.0 - per_link("variety_dependency_cut") * levers.activity_variety)
    state.dependency += p.dependency_growth * (target - state.dependency)

    # 5. engagement
    link_weeks = links.weeks[alive].astype(np.float64)
    pair_weeks = np.zeros(n)
    np.maximum.at(pair_weeks, mentor, link_weeks)
    pair_weeks[mentee] = link_weeks
    missed_sessions = state.scheduled_week - state.attended_week
    felt = dose - per_link("quality_neutral") * met
    response = _sum_by(mentor, felt, n)
    response[mentee] += felt
    relief = p.reflection_relief if levers.async_reflection else 0.0
    # in the program, no partner, sessions running: no contact sustains engagement
    waiting = state.active & ~matched & (sessions > 0)
    state.engagement += (
        p.engagement_response * response
        - p.missed_penalty * (1.0 - relief) * missed_sessions
        - p.waiting_penalty * waiting
        - p.monotony
        * (1.0 - levers.activity_variety)
        * np.minimum(pair_weeks / p.monotony_weeks, 1.0)
    )
    np.clip(state.engagement, 0.0, 1.0, out=state.engagement)

    # 6. drift toward the baseline (declining for belonging), with a little weekly noise;
    # students who left the school are no longer followed
    jitter = p.weekly_jitter * rng.standard_normal((2, n))
    here = state.enrolled
    for now, start, noise in (
        (state.belonging, state.baseline(week), jitter[0]),
        (state.confidence, state.confidence_start, jitter[1]),
    ):
        now += here * (p.drift * (start - now) + noise)
        np.clip(now, 0.0, 1.0, out=now)

    # 7. leaving: the program (engagement below the threshold), the school (low belonging)
    shortfall = np.clip(
        (p.dropout_threshold - state.engagement) / np.maximum(p.dropout_threshold, 1e-9), 0, 1
    )
    leaving = state.active & (rng.random(n) < p.dropout_hazard * shortfall) & (sessions > 0)
    yearly = logistic(p.attrition_logit() - p.attrition_belonging * (state.belonging - AGREE_LEVEL))
    leaves_school = here & (rng.random(n) < 1.0 - (1.0 - yearly) ** (1.0 / WEEKS_PER_YEAR))
    if leaves_school.any():
        state.enrolled &= ~leaves_school
        state.left_week[leaves_school] = week
    for gone, reason in ((leaving & ~leaves_school, "dropout"), (leaves_school, "left_school")):
        gone = gone & state.active
        if not in_session:
            break  # the program is over: leaving the school no longer ends a link
        if not gone.any():
            continue
        state.active &= ~gone
        state.dropped_week[gone] = week
        alive_now = np.flatnonzero(links.alive)
        ended = gone[links.mentor[alive_now]] | gone[links.mentee[alive_now]]
        end_links(state, alive_now[ended], week, reason, scenario)
