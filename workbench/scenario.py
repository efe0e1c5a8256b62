"""Scenario files: a validated, typed description of one program design.

A scenario fully determines a run together with a seed. It is read from TOML,
validated at the edge (unknown keys, wrong types and out-of-range values are
refused with one line naming the file and the key), and can be changed in code
with :meth:`Scenario.with_overrides` without touching files.

Examples
--------
>>> from workbench.scenario import Scenario
>>> s = Scenario().with_overrides({"levers.mentor_training": 0.9, "cohort.size": 120})
>>> s.levers.mentor_training, s.cohort.size
(0.9, 120)
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from workbench import registry
from workbench.errors import WorkbenchError
from workbench.inputfiles import read_toml, validation_line

BARRIERS: tuple[str, ...] = ("transport", "schedule", "language", "caregiving")


class ScenarioError(WorkbenchError):
    """A scenario file or override that cannot be used; the message is one line."""


#: Most replications of one scenario (``replications``, ``workbench run --replications``).
MAX_REPLICATIONS = 100_000
#: Most students in one simulated cohort (``cohort.size``).
MAX_COHORT_SIZE = 2_000_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class Attribute(_Strict):
    """One categorical group attribute of the cohort (e.g. first-generation)."""

    levels: list[str] = Field(min_length=2, description="category labels")
    shares: list[float] = Field(min_length=2, description="population share of each level")

    @model_validator(mode="after")
    def _shares_match_levels(self) -> Attribute:
        if len(self.shares) != len(self.levels):
            raise ValueError(
                f"needs one share per level ({len(self.levels)}), got {len(self.shares)}"
            )
        if any(s < 0 for s in self.shares) or abs(sum(self.shares) - 1.0) > 1e-6:
            raise ValueError("shares must be non-negative and sum to 1")
        if len(set(self.levels)) != len(self.levels):
            raise ValueError("levels must be distinct")
        return self


class GroupEffect(_Strict):
    """How students of one attribute level start: shifts and barrier odds.

    ``belonging`` and ``confidence`` are added to the cohort's initial means
    (latent 0-1 scale); a published gap in the *share of students who agree they
    belong* goes in ``belonging_gap`` instead, and is converted to a latent shift
    through the instrument's agree threshold (not used as a shift itself: a share
    gap and a latent gap are different units). ``barrier_odds`` multiplies the odds
    of every barrier. A level with a lower starting belonging counts as a group
    *under threat* (role-model mechanism and ``threat_decline``).
    """

    @model_validator(mode="after")
    def _one_belonging_figure(self) -> GroupEffect:
        if self.belonging_gap is not None and self.belonging != 0.0:
            raise ValueError("give belonging (a latent shift) or belonging_gap (a share), not both")
        return self

    attribute: str
    level: str
    belonging: float = Field(0.0, ge=-0.5, le=0.5, description="shift of starting belonging")
    belonging_gap: float | None = Field(
        None,
        ge=-0.5,
        le=0.5,
        description="published gap: share of students agreeing they belong, reference level "
        "minus this level (0.077 = 7.7 percentage points fewer); converted to the latent shift "
        "through the measurement model (workbench.scales.latent_shift_for_share_gap) and used "
        "instead of belonging",
    )
    source: str = Field("", description="where the figures come from, and their basis")
    confidence: float = Field(0.0, ge=-0.5, le=0.5)
    barrier_odds: float = Field(1.0, gt=0.0, le=20.0)
    language_barrier: float | None = Field(
        None, ge=0.0, le=1.0, description="rate of the language barrier for this level"
    )


class Barriers(_Strict):
    """Share of students facing each barrier to taking part."""

    transport: float = Field(0.15, ge=0.0, le=1.0)
    schedule: float = Field(0.20, ge=0.0, le=1.0)
    language: float = Field(0.05, ge=0.0, le=1.0)
    caregiving: float = Field(0.10, ge=0.0, le=1.0)


class Initial(_Strict):
    """Initial latent belonging and confidence (0-1 scale) before group shifts."""

    belonging_mean: float = Field(0.55, ge=0.05, le=0.95)
    belonging_sd: float = Field(0.15, ge=0.0, le=0.5)
    confidence_mean: float = Field(0.55, ge=0.05, le=0.95)
    confidence_sd: float = Field(0.15, ge=0.0, le=0.5)
    engagement_mean: float = Field(0.7, ge=0.05, le=0.95)
    engagement_sd: float = Field(0.12, ge=0.0, le=0.5)
    engagement_per_barrier: float = Field(
        0.05, ge=0.0, le=0.3, description="starting engagement lower per barrier (assumption)"
    )


def _default_attributes() -> dict[str, Attribute]:
    return {
        "language_background": Attribute(
            levels=["english_first", "multilingual"], shares=[0.7, 0.3]
        ),
        "disability": Attribute(levels=["no", "yes"], shares=[0.85, 0.15]),
        "first_gen": Attribute(levels=["no", "yes"], shares=[0.65, 0.35]),
    }


PISA_SES_GAP = 0.077  # OECD 2017, PISA 2015 Results Vol. III: disadvantaged students are
# 7.7 percentage points less likely than advantaged ones to report that they belong at school


def _default_group_effects() -> list[GroupEffect]:
    return [
        GroupEffect(
            attribute="first_gen",
            level="yes",
            belonging_gap=PISA_SES_GAP,
            confidence=-0.03,
            barrier_odds=1.8,
            source="belonging gap measured (PISA 2015, socio-economically disadvantaged "
            "students, as a proxy for first-generation); confidence shift and barrier odds "
            "assumed",
        ),
        GroupEffect(
            attribute="disability",
            level="yes",
            belonging_gap=PISA_SES_GAP,
            confidence=-0.03,
            barrier_odds=1.5,
            source="assumption: the PISA 2015 disadvantage gap used as the size; direction "
            "measured (students with disabilities report lower belonging in many studies)",
        ),
        GroupEffect(
            attribute="language_background",
            level="multilingual",
            belonging_gap=PISA_SES_GAP / 2,
            language_barrier=0.35,
            source="assumption: half the PISA 2015 disadvantage gap; language barrier rate assumed",
        ),
    ]


class Cohort(_Strict):
    """Who is in the program: size, sites, groups, barriers, starting levels."""

    size: int = Field(300, ge=2, le=MAX_COHORT_SIZE, description="students in all sites together")
    sites: int = Field(1, ge=1, le=10_000, description="schools/classes; matching stays within one")
    grades: list[int] = Field(default_factory=lambda: [9, 10, 11, 12], min_length=1)
    mentor_share: float = Field(
        0.5, gt=0.0, lt=1.0, description="share of students who mentor (the older/stronger ones)"
    )
    subjects: list[str] = Field(
        default_factory=lambda: ["math", "reading", "science", "study_skills"], min_length=1
    )
    interests: list[str] = Field(
        default_factory=lambda: [
            "sport",
            "music",
            "art",
            "games",
            "tech",
            "reading",
            "nature",
            "cooking",
        ],
        min_length=1,
    )
    interests_per_student: int = Field(3, ge=0, le=20)
    schedule_slots: list[str] = Field(
        default_factory=lambda: ["mon_lunch", "tue_after", "wed_lunch", "thu_after", "fri_lunch"],
        min_length=1,
    )
    friends_mean: float = Field(3.0, ge=0.0, le=50.0, description="initial friendship ties")
    homophily: float = Field(0.7, ge=0.0, le=1.0, description="share of friends from own group")
    friends_barrier_drop: float = Field(
        0.15, ge=0.0, le=0.25, description="share fewer friends per barrier (assumption)"
    )
    attributes: dict[str, Attribute] = Field(default_factory=_default_attributes, min_length=1)
    group_effects: list[GroupEffect] = Field(default_factory=_default_group_effects)
    barriers: Barriers = Field(default_factory=Barriers)
    initial: Initial = Field(default_factory=Initial)
    roster: str | None = Field(None, description="roster CSV to use instead of a synthetic cohort")

    @field_validator("attributes")
    @classmethod
    def _attributes_in_name_order(cls, value: dict[str, Attribute]) -> dict[str, Attribute]:
        # one canonical order: a scenario written with its attributes in another order (or read
        # back from a sorted JSON manifest) has the same hash *and* gives the same students
        return dict(sorted(value.items()))

    @model_validator(mode="after")
    def _effects_name_known_levels(self) -> Cohort:
        for effect in self.group_effects:
            attribute = self.attributes.get(effect.attribute)
            if attribute is None:
                raise ValueError(
                    f"group_effects names attribute {effect.attribute!r}; "
                    f"known: {sorted(self.attributes)}"
                )
            if effect.level not in attribute.levels:
                raise ValueError(
                    f"group_effects names level {effect.level!r} of {effect.attribute!r}; "
                    f"known: {attribute.levels}"
                )
        if self.size < 2 * self.sites:
            raise ValueError("size must give every site at least two students")
        return self


class Weights(_Strict):
    """Weights of the pair score's terms (see :mod:`workbench.matching.scores`)."""

    affinity: float = Field(1.0, ge=0.0, le=10.0)
    complementarity: float = Field(1.0, ge=0.0, le=10.0)
    challenge: float = Field(0.0, ge=0.0, le=10.0)
    cross_group: float = Field(0.0, ge=0.0, le=10.0)
    schedule: float = Field(0.5, ge=0.0, le=10.0)
    language: float = Field(0.5, ge=0.0, le=10.0)


class Matching(_Strict):
    """How mentors and mentees are paired."""

    policy: str = Field("optimal", description="a name from workbench.matching.POLICIES")
    weights: Weights = Field(default_factory=Weights)
    balance: float = Field(
        0.5, ge=0.0, le=1.0, description="balanced policy: 0 = all affinity, 1 = all challenge"
    )
    cross_group_attributes: list[str] | None = Field(
        None, description="attributes on which a pair counts as cross-group (default: all)"
    )
    capacity: int = Field(1, ge=1, le=10, description="mentees per mentor")
    circle_size: int = Field(5, ge=2, le=20, description="students per mentoring circle")
    circle_mentors: int = Field(1, ge=1, le=2, description="mentors per circle")
    min_schedule_overlap: int = Field(0, ge=0, le=20, description="shared free slots required")
    language_required: bool = Field(False, description="pairs must share a language")
    proposing: Literal["mentee", "mentor"] = Field(
        "mentee", description="stable policy: which side proposes (and gets its best stable match)"
    )
    quota_attribute: str | None = Field(
        None, description="capacity policy: attribute of the soft diversity quota"
    )
    max_per_group: int | None = Field(
        None, ge=1, le=10, description="capacity policy: soft cap on one mentor's mentees per level"
    )
    grade_gap: int = Field(1, ge=0, le=12, description="cross_age: grades a mentor is older by")

    @field_validator("policy")
    @classmethod
    def _known_policy(cls, value: str) -> str:
        return registry.get("matching", value).name


class Rotation(_Strict):
    """When pairs are dissolved and students rematched."""

    policy: str = "none"
    every_weeks: int = Field(6, ge=1, le=52, description="periodic/role: weeks between rotations")
    poor_checkins: int = Field(2, ge=1, le=10, description="plan_b: consecutive poor check-ins")
    dependency_threshold: float = Field(0.6, gt=0.0, le=1.0, description="dependency trigger")

    @field_validator("policy")
    @classmethod
    def _known_policy(cls, value: str) -> str:
        return registry.get("rotation", value).name


class Supports(_Strict):
    """Accessibility supports the program provides (each removes one barrier)."""

    transport: bool = Field(False, description="transport provided: removes the transport barrier")
    schedule: bool = Field(
        False, description="sessions in school time: removes the schedule barrier"
    )
    language: bool = Field(
        False,
        description="interpreting/bilingual materials: removes the language barrier and misfit",
    )
    caregiving: bool = Field(
        False, description="care/work flexibility: removes the caregiving barrier"
    )


class Levers(_Strict):
    """What a coordinator can change about how the program runs."""

    weeks: int = Field(36, ge=1, le=104, description="program length (one step = one week)")
    follow_up_weeks: int = Field(
        0,
        ge=0,
        le=104,
        description="weeks followed after the program ends, without meetings (a follow-up survey)",
    )
    sessions_per_week: int = Field(
        1, ge=0, le=5, description="mentoring sessions a week; 0 = no program (control)"
    )
    mentor_training: float = Field(0.5, ge=0.0, le=1.0, description="0 none, 1 full training")
    checkin_every_weeks: int = Field(2, ge=0, le=52, description="0 = no check-ins")
    coordinator_response: float = Field(
        0.5, ge=0.0, le=1.0, description="support after a poor check-in"
    )
    activity_variety: float = Field(0.5, ge=0.0, le=1.0, description="joint projects, mini-goals")
    async_reflection: bool = Field(False, description="reflection option for missed sessions")
    adult_supervision: float = Field(0.5, ge=0.0, le=1.0, description="staff oversight of sessions")
    supports: Supports = Field(default_factory=Supports)


#: How a parameter's value is known (docs/model.md §8 and ``Dynamics`` below):
#: ``measured`` — a study's figure (which study, which figure, what it measured);
#: ``derived`` — computed from published figures (which, how);
#: ``calibrated`` — fitted to the validation cases marked ``calibration`` (docs/validation.md);
#: ``assumption`` — no study gives the size: the range tried and why it is plausible.
#: An assumption is never a finding: policy verdicts that hinge on one are reported as
#: uncertain across plausible worlds (:mod:`workbench.worlds`).
BASES: tuple[str, ...] = ("measured", "derived", "calibrated", "assumption")


def _param(
    default: float,
    low: float,
    high: float,
    meaning: str,
    unit: str,
    basis: str,
    source: str,
    plausible: tuple[float, float] | None = None,
) -> Any:
    """A model parameter with its range, meaning, unit, basis and source (docs/model.md).

    ``plausible`` is the range the evidence allows (for an assumption: the range
    tried); plausible worlds draw assumptions from it. Defaults to ``(low, high)``.
    """
    if basis not in BASES:
        raise ValueError(f"basis {basis!r} is not one of {BASES}")
    return Field(
        default,
        ge=low,
        le=high,
        description=meaning,
        json_schema_extra={
            "unit": unit,
            "basis": basis,
            "source": source,
            "plausible": list(plausible or (low, high)),
        },
    )


#: Settings added after scenario hashes were recorded (stores, sweeps, golden tables),
#: with the default that leaves them out of :meth:`Scenario.hash`.
ADDED_SETTINGS: dict[str, Any] = {
    "levers.follow_up_weeks": 0,
    "dynamics.planb_harm_share": 1.0,
}

S000 = "seed 000"
S001 = "seed 001"
CAL = "fitted to the calibration cases (docs/validation.md)"

#: Named identity mechanisms (``dynamics.identity``): which of the two hypotheses of how
#: group identity in a pair matters are switched on. See docs/model.md §7.3.
IDENTITY_VARIANTS: dict[str, str] = {
    "both": "bridges across groups and same-identity role models both act",
    "bridge": "only contact across groups helps (Allport; Pettigrew & Tropp 2006)",
    "role_model": "only a same-identity mentor helps a mentee whose group is under threat "
    "(Dennehy & Dasgupta 2017)",
    "none": "identity in a pair does not matter",
}


class Dynamics(_Strict):
    """Parameters of the weekly rules (:mod:`workbench.dynamics`); docs/model.md lists them.

    Each carries its basis (:data:`BASES`) and source; ``plausible`` in its schema
    extra is the range plausible worlds draw it from.
    """

    # attendance (logit scale)
    attend_base: float = _param(
        1.6,
        -5,
        5,
        "attendance log-odds of an average student with no barrier",
        "logit",
        "derived",
        "Kupersmidt et al. 2017: school-based matches meet most scheduled weeks; "
        "σ(1.6) = 83% attendance at average engagement",
        (1.0, 2.2),
    )
    attend_engagement: float = _param(
        2.0,
        0,
        10,
        "attendance log-odds per unit of engagement above 0.5",
        "logit",
        "assumption",
        S000 + " (engagement and participation go together); size assumed, tried 1-3",
        (1.0, 3.0),
    )
    barrier_penalty: float = _param(
        1.2,
        0,
        5,
        "attendance log-odds lost per barrier not covered by a support",
        "logit",
        "assumption",
        S000 + " (transportation, scheduling, language supports); size assumed: one "
        "barrier lowers attendance from 83% to 60%; tried 0.2-1.8 (83% to 80% at the low "
        "end, a barrier that barely matters; to 45% at the high end): no study gives it, and "
        "whether a program without supports narrows or widens a gap turns on it",
        (0.2, 1.8),
    )
    # meeting quality (logit scale)
    quality_base: float = _param(
        -0.609,
        -5,
        5,
        "meeting-quality log-odds of a new, untrained, dissimilar pair",
        "logit",
        "calibrated",
        CAL,
        (-1.98, 0.4),
    )
    quality_affinity: float = _param(
        2.66,
        0,
        5,
        "quality log-odds per unit of pair affinity",
        "logit",
        "calibrated",
        "Eby et al. 2013: perceived similarity with the mentor correlates with relationship "
        "quality (ρ ≈ .4); " + CAL,
        (2.15, 2.97),
    )
    quality_complementarity: float = _param(
        0.6,
        0,
        5,
        "quality log-odds per unit of complementarity",
        "logit",
        "assumption",
        S000 + " (complementary strengths); size assumed, tried 0-1.2",
        (0.0, 1.2),
    )
    quality_training: float = _param(
        0.8,
        0,
        5,
        "quality log-odds at full mentor training",
        "logit",
        "assumption",
        S000 + "; Kupersmidt et al. 2017 (pre-match training goes with longer matches); "
        "size assumed, tried 0.3-1.5",
        (0.3, 1.5),
    )
    quality_trust: float = _param(
        1.47,
        0,
        5,
        "quality log-odds at full trust in the pair",
        "logit",
        "assumption",
        S000 + " (trust is the heart of the program); the calibration cases do not inform "
        "it (posterior = prior over 0-3, docs/validation.md): the default is the prior's "
        "middle, tried 0-3",
        (0.0, 3.0),
    )
    quality_noise: float = _param(
        0.8,
        0,
        5,
        "standard deviation of weekly quality shocks",
        "logit",
        "assumption",
        S001 + " (not every meeting goes well); tried 0.4-1.2",
        (0.4, 1.2),
    )
    pair_fit_sd: float = _param(
        1.0,
        0,
        3,
        "standard deviation of a pair's lasting fit ('chemistry') not seen by matching",
        "logit",
        "assumption",
        S001 + " (not every pair will click); Kupersmidt et al. 2017 (38% of matches close "
        "early): pairs differ lastingly in quality; tried 0.5-1.5",
        (0.5, 1.5),
    )
    trust_gain: float = _param(
        0.08,
        0,
        1,
        "share of the missing trust gained per meeting of quality 1",
        "per meeting",
        "assumption",
        "Rhodes 2005 (trust builds over months of meetings); size assumed: half the trust "
        "after about 9 good meetings; tried 0.04-0.15",
        (0.04, 0.15),
    )
    quality_neutral: float = _param(
        0.5,
        0,
        1,
        "meeting quality that neither raises nor lowers engagement",
        "quality",
        "assumption",
        "midpoint of the quality scale; tried 0.4-0.6",
        (0.4, 0.6),
    )
    # gains per attended meeting (fraction of the remaining headroom)
    belonging_gain: float = _param(
        0.0252,
        0,
        0.5,
        "share of belonging headroom gained per meeting of quality 1",
        "per meeting",
        "calibrated",
        "DuBois et al. 2011, Raposa et al. 2019 (g ≈ 0.21 on belonging/self-worth); " + CAL,
        (0.0119, 0.0375),
    )
    confidence_gain: float = _param(
        0.020,
        0,
        0.5,
        "share of mentee confidence headroom gained per meeting of quality 1",
        "per meeting",
        "assumption",
        "DuBois et al. 2011 (effects on self-perceptions similar in size to belonging); "
        "set near belonging_gain, tried 0.01-0.03",
        (0.01, 0.03),
    )
    mentor_confidence_gain: float = _param(
        0.015,
        0,
        0.5,
        "share of mentor confidence headroom gained per meeting of quality 1",
        "per meeting",
        "assumption",
        S001 + " (being a mentor makes a student feel capable); Karcher 2005 (cross-age "
        "mentors gain connectedness); size assumed, tried 0-0.03",
        (0.0, 0.03),
    )
    skill_gain: float = _param(
        0.03,
        0,
        0.5,
        "share of the mentor's skill lead a mentee gains per meeting of quality 1",
        "per meeting",
        "assumption",
        S000 + " (accelerating skill development); tried 0.01-0.05",
        (0.01, 0.05),
    )
    # identity in a pair: competing hypotheses
    identity: Literal["both", "bridge", "role_model", "none"] = Field(
        "both",
        description="which identity mechanisms act: "
        + "; ".join(f"{k}: {v}" for k, v in IDENTITY_VARIANTS.items()),
        json_schema_extra={
            "unit": "variant",
            "basis": "assumption",
            "source": "both hypotheses have evidence (contact: Pettigrew & Tropp 2006, "
            "Mendoza-Denton & Page-Gould 2008; role models: Dennehy & Dasgupta 2017); "
            "none settles which dominates in peer mentoring, so the default keeps both and "
            "plausible worlds try every variant",
            "plausible": list(IDENTITY_VARIANTS),
        },
    )
    cross_group_bonus: float = _param(
        0.3,
        0,
        3,
        "bridge: extra belonging gain of a pair differing on every cross-group attribute",
        "multiplier",
        "assumption",
        S001 + " (it builds bridges); Mendoza-Denton & Page-Gould 2008 (cross-group "
        "friendship raised minority students' belonging); size assumed, tried 0-0.6",
        (0.0, 0.6),
    )
    role_model_bonus: float = _param(
        0.4,
        0,
        3,
        "role model: extra belonging and confidence gain of a mentee of a group under threat "
        "whose mentor shares that identity",
        "multiplier",
        "assumption",
        "Dennehy & Dasgupta 2017 (RCT: women with a female peer mentor kept their belonging "
        "and self-efficacy, those with a male or no mentor lost them); Stout et al. 2011; "
        "size assumed, tried 0-0.8",
        (0.0, 0.8),
    )
    supervision_boost: float = _param(
        1.7,
        0,
        3,
        "quality log-odds at full adult supervision",
        "logit",
        "calibrated",
        "Burton et al. 2022 (larger effects with supervision); " + CAL,
        (0.22, 2.92),
    )
    # dependency, engagement
    dependency_growth: float = _param(
        0.02,
        0,
        0.5,
        "weekly rate at which dependency follows the pair's trust",
        "per week",
        "assumption",
        S000 + " (rotate to prevent dependency); tried 0.01-0.04",
        (0.01, 0.04),
    )
    dependency_drag: float = _param(
        0.6,
        0,
        1,
        "share of the mentee's confidence gain lost at dependency 1",
        "share",
        "assumption",
        S000 + " (mutual benefit rather than one-sided aid); tried 0.2-0.8",
        (0.2, 0.8),
    )
    variety_dependency_cut: float = _param(
        0.7,
        0,
        1,
        "share of dependency that full activity variety prevents",
        "share",
        "assumption",
        S000 + " (joint projects share leadership); tried 0.4-0.9",
        (0.4, 0.9),
    )
    monotony: float = _param(
        0.01,
        0,
        0.2,
        "weekly engagement lost in a long pair with no activity variety",
        "per week",
        "assumption",
        S000 + " (structured activities keep relationships human); tried 0-0.02",
        (0.0, 0.02),
    )
    monotony_weeks: float = _param(
        12.0,
        1,
        52,
        "weeks after which a pair's monotony is at full strength",
        "weeks",
        "assumption",
        "about a school term; tried 8-16",
        (8.0, 16.0),
    )
    engagement_response: float = _param(
        0.06,
        0,
        0.5,
        "engagement gained per meeting per unit of quality above quality_neutral",
        "per meeting",
        "assumption",
        "set so attendance and closure rates match the calibration cases; tried 0.03-0.09",
        (0.03, 0.09),
    )
    missed_penalty: float = _param(
        0.03,
        0,
        0.5,
        "engagement lost per missed session",
        "per session",
        "assumption",
        S000 + " (regular contact sustains engagement); tried 0.015-0.045",
        (0.015, 0.045),
    )
    reflection_relief: float = _param(
        0.5,
        0,
        1,
        "share of the missed-session penalty that asynchronous reflection removes",
        "share",
        "assumption",
        S000 + " (reflective practices); tried 0.25-0.75",
        (0.25, 0.75),
    )
    waiting_penalty: float = _param(
        0.03,
        0,
        0.5,
        "engagement lost per week by a student in the program who waits for a partner",
        "per week",
        "assumption",
        S000 + " (regular contact sustains engagement: a student waiting for a partner has "
        "none); size assumed: one missed session's worth a week, tried 0-0.06",
        (0.0, 0.06),
    )
    # the school year without (and around) the program
    drift: float = _param(
        0.0325,
        0,
        0.5,
        "weekly pull of belonging and confidence back to the student's baseline",
        "per week",
        "assumption",
        "DuBois et al. 2011 (effects fade after programs end); the calibration cases do not "
        "inform it (posterior = prior, docs/validation.md): the default is the prior's "
        "middle, tried 0.005-0.06",
        (0.005, 0.06),
    )
    weekly_jitter: float = _param(
        0.01,
        0,
        0.1,
        "standard deviation of weekly belonging and confidence noise",
        "latent",
        "assumption",
        "small next to the 0.15 spread between students; tried 0.005-0.02",
        (0.005, 0.02),
    )
    belonging_decline: float = _param(
        0.02,
        0,
        0.2,
        "baseline belonging lost per school year by every student without support",
        "latent per year",
        "assumption",
        "direction measured: school belonging declines across secondary school (Anderman "
        "2003; Gillen-O'Neel & Fuligni 2013); size assumed (≈0.13 SD a year), tried 0-0.04",
        (0.0, 0.04),
    )
    threat_decline: float = _param(
        0.03,
        0,
        0.2,
        "extra baseline belonging lost per school year by students of a group under threat",
        "latent per year",
        "assumption",
        "direction measured: Dennehy & Dasgupta 2017 (women without a female mentor lost "
        "belonging over the first year); Walton & Cohen 2007 (belonging uncertainty of "
        "stigmatised groups); size assumed, tried 0-0.06",
        (0.0, 0.06),
    )
    attrition_rate: float = _param(
        0.08,
        0,
        0.5,
        "yearly share leaving the school/course/track at belonging 0.5 (the agree threshold)",
        "per year",
        "assumption",
        "course/track attrition of the order of Dennehy & Dasgupta 2017's 11-18% in their "
        "comparison arms; tried 0.04-0.15",
        (0.04, 0.15),
    )
    attrition_belonging: float = _param(
        6.0,
        0,
        20,
        "log-odds of leaving the school/course/track lost per unit of belonging",
        "logit",
        "assumption",
        "direction measured: belonging predicts persistence (Hausmann et al. 2007; Walton & "
        "Cohen 2011); size assumed: 0.1 more belonging ≈ 45% lower odds of leaving; tried 3-9",
        (3.0, 9.0),
    )
    # leaving the program
    dropout_threshold: float = _param(
        0.23,
        0,
        1,
        "engagement below which students may leave the program",
        "engagement",
        "calibrated",
        "Kupersmidt et al. 2017 (38% of matches close early); " + CAL,
        (0.111, 0.402),
    )
    dropout_hazard: float = _param(
        0.4,
        0,
        1,
        "weekly chance of leaving at zero engagement",
        "per week",
        "assumption",
        "with dropout_threshold sets the early-closure rate; tried 0.2-0.6",
        (0.2, 0.6),
    )
    # endings
    rematch_trust_reset: bool = Field(
        True,
        description="a new partner starts at zero trust",
        json_schema_extra={
            "unit": "switch",
            "basis": "measured",
            "source": "Grossman et al. 2012 (re-matched youth did not benefit like youth "
            "in intact matches: the relationship starts over)",
        },
    )
    premature_harm: float = _param(
        0.185,
        0,
        0.5,
        "belonging a mentee loses when their match ends prematurely (dropout, Plan B)",
        "latent",
        "calibrated",
        "Grossman & Rhodes 2002 (matches ending within 3 months left youth below controls in "
        "self-worth); Grossman et al. 2012; " + CAL,
        (0.061, 0.289),
    )
    planned_harm_share: float = _param(
        0.2,
        0,
        1,
        "share of the premature harm a planned ending costs (rotation, role change, program end)",
        "share",
        "assumption",
        "Spencer et al. 2017, Zilberstein & Spencer 2017 (planned, prepared closures are "
        "experienced as less harmful than abrupt ones); no figure: tried 0-0.5",
        (0.0, 0.5),
    )
    planb_harm_share: float = _param(
        1.0,
        0,
        1,
        "share of the premature harm a Plan B ending costs (the coordinator ends a failed "
        "match and rematches)",
        "share",
        "assumption",
        "Kupersmidt et al. 2017 count a failed match's ending as a premature closure (the "
        "default: full premature harm); Spencer et al. 2017 (a closure the adults manage and "
        "explain is experienced as less harmful than an abrupt one): no figure, tried 0.25-1",
        (0.25, 1.0),
    )
    closure_history: float = _param(
        0.5,
        0,
        2,
        "extra harm per earlier premature ending of the same student",
        "share",
        "assumption",
        "Grossman et al. 2012, Spencer 2007 (repeated disappointments with adults); tried 0-1",
        (0.0, 1.0),
    )
    mentor_harm_share: float = _param(
        0.5,
        0,
        1,
        "share of an ending's harm that the mentor of the pair bears",
        "share",
        "assumption",
        "the studies measure mentees only; tried 0-1",
        (0.0, 1.0),
    )
    harm_confidence_share: float = _param(
        0.5,
        0,
        1,
        "confidence lost at an ending, as a share of the belonging lost",
        "share",
        "assumption",
        "Grossman & Rhodes 2002 (scholastic competence fell with self-worth); tried 0.25-1",
        (0.25, 1.0),
    )
    checkin_reengagement: float = _param(
        0.005,
        0,
        0.5,
        "engagement a check-in restores to each student of a pair it rates poor, at full "
        "coordinator response",
        "per check-in",
        "assumption",
        "direction measured: the frequency of ongoing support contacts was the strongest "
        "predictor of fewer premature closures across 1,451 programs (McQuillin & Lyons "
        "2021); seed 000 (regular check-ins, safe avenues to escalate concerns); size "
        "assumed: weekly check-ins with a strong response then close 0-12 points fewer "
        "matches early than none (default about 6), tried 0-0.01",
        (0.0, 0.01),
    )
    poor_quality: float = _param(
        0.4,
        0,
        1,
        "mean meeting quality below which a check-in rates a pair poor",
        "quality",
        "assumption",
        S001 + " (have a Plan B); tried 0.3-0.5",
        (0.3, 0.5),
    )

    def bases(self) -> dict[str, str]:
        """Parameter name → its basis (:data:`BASES`)."""
        return {name: _extra(info)["basis"] for name, info in type(self).model_fields.items()}


def _extra(info: Any) -> dict[str, Any]:
    return info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}


class Scenario(_Strict):
    """One program design: cohort, matching, rotation, levers, dynamics, replications."""

    name: str = "unnamed"
    description: str = ""
    seed: int = Field(0, ge=0)
    replications: int = Field(10, ge=1, le=MAX_REPLICATIONS)
    cohort: Cohort = Field(default_factory=Cohort)
    matching: Matching = Field(default_factory=Matching)
    rotation: Rotation = Field(default_factory=Rotation)
    levers: Levers = Field(default_factory=Levers)
    dynamics: Dynamics = Field(default_factory=Dynamics)

    @model_validator(mode="after")
    def _cross_group_attributes_known(self) -> Scenario:
        names = self.matching.cross_group_attributes
        if names is not None and self.cohort.roster is None:
            unknown = sorted(set(names) - set(self.cohort.attributes))
            if unknown:
                raise ValueError(
                    f"matching.cross_group_attributes names unknown {unknown}; "
                    f"known: {sorted(self.cohort.attributes)}"
                )
        quota = self.matching.quota_attribute
        if quota is not None and self.cohort.roster is None and quota not in self.cohort.attributes:
            raise ValueError(
                f"matching.quota_attribute names unknown {quota!r}; "
                f"known: {sorted(self.cohort.attributes)}"
            )
        return self

    # -- changing and saving ---------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (TOML-ready: no ``None`` values)."""
        return _drop_none(self.model_dump(mode="json"))

    def with_overrides(self, overrides: dict[str, Any] | None = None, **kwargs: Any) -> Scenario:
        """A validated copy with dotted-key settings replaced.

        Parameters
        ----------
        overrides
            ``{"levers.mentor_training": 0.8, "rotation.policy": "periodic"}``.
        **kwargs
            The same with ``__`` for dots: ``levers__weeks=12``.

        Examples
        --------
        >>> Scenario().with_overrides(levers__weeks=12).levers.weeks
        12
        """
        changes = dict(overrides or {})
        changes.update({key.replace("__", "."): value for key, value in kwargs.items()})
        data = self.model_dump()
        for dotted, value in changes.items():
            node = data
            parts = dotted.split(".")
            for part in parts[:-1]:
                if not isinstance(node, dict) or part not in node:
                    raise ScenarioError(f"override {dotted!r}: no setting {part!r}")
                node = node[part]
            if not isinstance(node, dict) or (parts[-1] not in node):
                raise ScenarioError(f"override {dotted!r}: no setting {parts[-1]!r}")
            node[parts[-1]] = value
        return parse_scenario(data, source="override")

    def hash(self) -> str:
        """Stable 16-hex-digit content hash (name and description excluded).

        Settings added after hashes were first recorded (:data:`ADDED_SETTINGS`) are
        left out while at their default, so a scenario that does not use them keeps
        the hash its stores and sweeps were made with.
        """
        data = self.model_dump(mode="json", exclude={"name", "description"})
        for dotted, default in ADDED_SETTINGS.items():
            section, key = dotted.split(".")
            if data[section].get(key) == default:
                del data[section][key]
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def save(self, path: str | Path) -> Path:
        """Write the scenario as TOML; :func:`load_scenario` reads it back equal."""
        path = Path(path)
        path.write_text(tomli_w.dumps(self.to_dict()), encoding="utf-8")
        return path

    def changes(self, reference: Scenario | None = None) -> pd.DataFrame:
        """The settings that differ from ``reference`` (default: the built-in defaults).

        One row per dotted setting: ``setting, value, reference``. Name,
        description and seed are left out: they say which run, not which design.

        Examples
        --------
        >>> Scenario().with_overrides({"rotation.policy": "periodic"}).changes()
                   setting     value reference
        0  rotation.policy  periodic      none
        """
        mine = flatten_settings(self.model_dump(mode="json", exclude=_NOT_DESIGN))
        other = flatten_settings(
            (reference or Scenario()).model_dump(mode="json", exclude=_NOT_DESIGN)
        )
        rows = [
            {"setting": key, "value": value, "reference": other.get(key)}
            for key, value in mine.items()
            if other.get(key, _MISSING) != value
        ]
        return pd.DataFrame(rows, columns=["setting", "value", "reference"])

    def _repr_html_(self) -> str:
        from workbench.display import card

        cohort, levers, rotation = self.cohort, self.levers, self.rotation
        who = f"roster {cohort.roster}" if cohort.roster else f"{cohort.size:,} students"
        sites = f" in {cohort.sites:,} sites" if cohort.sites > 1 else ""
        rotate = registry.get("rotation", rotation.policy).describe(rotation.model_dump())
        supports = [name for name, on in levers.supports.model_dump().items() if on]
        facts = [
            *([self.description] if self.description else []),
            f"{who}{sites}; {levers.weeks} weeks; {self.replications} replications "
            f"from seed {self.seed}",
            f"pairing: {self.matching.policy}; {rotate}; supports: "
            f"{', '.join(supports) if supports else 'none'}",
        ]
        changed = self.changes()
        tables = {"changed from the defaults": changed} if len(changed) else {}
        return card(f"Scenario “{self.name}”", facts, tables, max_rows=20)


_NOT_DESIGN = {"name", "description", "seed"}
_MISSING = object()


def flatten_settings(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested settings flattened to dotted keys (lists stay whole; empty tables vanish).

    Examples
    --------
    >>> flatten_settings({"levers": {"weeks": 36, "supports": {"transport": True}}})
    {'levers.weeks': 36, 'levers.supports.transport': True}
    """
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_settings(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def parse_scenario(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a nested dict into a :class:`Scenario`, raising :class:`ScenarioError`."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(validation_line(error, source, "docs/scenarios.md")) from None


def _deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file, resolving ``base = "other.toml"`` (what this file changes)."""
    if not path.is_file():
        where = f" (base of {chain[-1]})" if chain else ""
        raise ScenarioError(f"{path}: no such scenario file{where}")
    if path.resolve() in chain:
        raise ScenarioError(f"{path}: base: scenarios include each other in a loop")
    data = read_toml(path, "scenario", ScenarioError)
    cohort = data.get("cohort")
    roster = cohort.get("roster") if isinstance(cohort, dict) else None
    if isinstance(roster, str) and not Path(roster).is_absolute():
        cohort["roster"] = str((path.parent / roster).resolve())
    base = data.pop("base", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise ScenarioError(f"{path}: base: expected a file name, got {base!r}")
    parent = _read_toml(path.parent / base, (*chain, path.resolve()))
    parent.pop("name", None)
    parent.pop("description", None)
    return _deep_merge(parent, data)


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read and validate a scenario TOML file.

    A file may start from another with ``base = "baseline.toml"`` and list only
    what it changes (tables are merged key by key). A relative
    ``cohort.roster`` path is resolved against the file's folder.

    Examples
    --------
    >>> s = load_scenario("scenarios/rotation_periodic.toml")  # doctest: +SKIP
    >>> s.rotation.policy, s.cohort.size  # doctest: +SKIP
    ('periodic', 300)
    """
    path = Path(path)
    data = _read_toml(path)
    data.setdefault("name", path.stem)
    scenario = parse_scenario(data, source=str(path))
    if overrides:
        scenario = scenario.with_overrides(overrides)
    return scenario
