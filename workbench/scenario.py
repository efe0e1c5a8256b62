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
    (latent 0-1 scale); ``barrier_odds`` multiplies the odds of every barrier.
    """

    attribute: str
    level: str
    belonging: float = Field(0.0, ge=-0.5, le=0.5)
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


def _default_attributes() -> dict[str, Attribute]:
    return {
        "language_background": Attribute(
            levels=["english_first", "multilingual"], shares=[0.7, 0.3]
        ),
        "disability": Attribute(levels=["no", "yes"], shares=[0.85, 0.15]),
        "first_gen": Attribute(levels=["no", "yes"], shares=[0.65, 0.35]),
    }


def _default_group_effects() -> list[GroupEffect]:
    # PISA 2015: disadvantaged students are ~7.7 points less likely to report
    # belonging; we give first-generation and disabled students lower starting
    # belonging, and multilingual students a language barrier.
    return [
        GroupEffect(
            attribute="first_gen", level="yes", belonging=-0.08, confidence=-0.05, barrier_odds=1.8
        ),
        GroupEffect(
            attribute="disability", level="yes", belonging=-0.10, confidence=-0.06, barrier_odds=1.5
        ),
        GroupEffect(
            attribute="language_background",
            level="multilingual",
            belonging=-0.05,
            language_barrier=0.35,
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
    attributes: dict[str, Attribute] = Field(default_factory=_default_attributes, min_length=1)
    group_effects: list[GroupEffect] = Field(default_factory=_default_group_effects)
    barriers: Barriers = Field(default_factory=Barriers)
    initial: Initial = Field(default_factory=Initial)
    roster: str | None = Field(None, description="roster CSV to use instead of a synthetic cohort")

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


def _param(default: float, low: float, high: float, meaning: str, unit: str, source: str) -> Any:
    """A model parameter with its range, meaning, unit and source (rendered in docs/model.md)."""
    return Field(
        default,
        ge=low,
        le=high,
        description=meaning,
        json_schema_extra={"unit": unit, "source": source},
    )


S000 = "seed 000"
S001 = "seed 001"


class Dynamics(_Strict):
    """Parameters of the weekly rules (:mod:`workbench.dynamics`); docs/model.md lists them."""

    # attendance (logit scale)
    attend_base: float = _param(
        1.6,
        -5,
        5,
        "attendance log-odds of an average student with no barrier",
        "logit",
        "Kupersmidt et al. 2017 (attendance/closure); validation",
    )
    attend_engagement: float = _param(
        2.0,
        0,
        10,
        "attendance log-odds per unit of engagement above 0.5",
        "logit",
        S000 + ": engagement and participation",
    )
    barrier_penalty: float = _param(
        1.2,
        0,
        5,
        "attendance log-odds lost per barrier not covered by a support",
        "logit",
        S000 + ": transportation, scheduling, language supports",
    )
    # meeting quality (logit scale)
    quality_base: float = _param(
        -0.538,
        -5,
        5,
        "meeting-quality log-odds of a new, untrained, dissimilar pair",
        "logit",
        "validation; calibrated: docs/validation.md",
    )
    quality_affinity: float = _param(
        1.06,
        0,
        5,
        "quality log-odds per unit of pair affinity",
        "logit",
        "Eby et al. 2013 (similarity and relationship quality); calibrated: docs/validation.md",
    )
    quality_complementarity: float = _param(
        0.6,
        0,
        5,
        "quality log-odds per unit of complementarity",
        "logit",
        S000 + ": complementary strengths",
    )
    quality_training: float = _param(
        0.8,
        0,
        5,
        "quality log-odds at full mentor training",
        "logit",
        S000 + ": training in listening and inclusive communication",
    )
    quality_trust: float = _param(
        2.5,
        0,
        5,
        "quality log-odds at full trust in the pair",
        "logit",
        S000 + ": the heart of the program lies in trust; calibrated: docs/validation.md",
    )
    quality_noise: float = _param(
        0.8,
        0,
        5,
        "standard deviation of weekly quality shocks",
        "logit",
        S001 + ": not every pair will click",
    )
    trust_gain: float = _param(
        0.15,
        0,
        1,
        "share of the missing trust gained per meeting of quality 1",
        "per meeting",
        "Rhodes 2005 model of youth mentoring (trust builds over time)",
    )
    # gains per attended meeting (fraction of the remaining headroom)
    belonging_gain: float = _param(
        0.0151,
        0,
        0.5,
        "share of belonging headroom gained per meeting of quality 1",
        "per meeting",
        S000 + "; DuBois et al. 2011 (effect size); calibrated: docs/validation.md",
    )
    confidence_gain: float = _param(
        0.020,
        0,
        0.5,
        "share of mentee confidence headroom gained per meeting of quality 1",
        "per meeting",
        S000 + "; DuBois et al. 2011",
    )
    mentor_confidence_gain: float = _param(
        0.015,
        0,
        0.5,
        "share of mentor confidence headroom gained per meeting of quality 1",
        "per meeting",
        S001 + ": being a mentor makes a student feel capable",
    )
    skill_gain: float = _param(
        0.03,
        0,
        0.5,
        "share of the mentor's skill lead a mentee gains per meeting of quality 1",
        "per meeting",
        S000 + ": accelerating skill development",
    )
    cross_group_bonus: float = _param(
        0.5,
        0,
        3,
        "extra belonging gain of a pair differing on every cross-group attribute",
        "multiplier",
        S001 + ": it builds bridges",
    )
    supervision_boost: float = _param(
        1.7,
        0,
        3,
        "quality log-odds at full adult supervision",
        "logit",
        "Burton et al. 2022 (larger effects with supervision); calibrated: docs/validation.md",
    )
    # dependency, engagement, drift, dropout
    dependency_growth: float = _param(
        0.02,
        0,
        0.5,
        "weekly rate at which dependency follows the pair's trust",
        "per week",
        S000 + ": rotate to prevent dependency",
    )
    dependency_drag: float = _param(
        0.6,
        0,
        1,
        "share of the mentee's confidence gain lost at dependency 1",
        "share",
        S000 + ": mutual benefit rather than one-sided aid",
    )
    monotony: float = _param(
        0.01,
        0,
        0.2,
        "weekly engagement lost in a long pair with no activity variety",
        "per week",
        S000 + ": joint projects, study groups keep relationships human",
    )
    engagement_response: float = _param(
        0.06,
        0,
        0.5,
        "engagement gained per meeting per unit of quality above 0.5",
        "per meeting",
        "validation",
    )
    missed_penalty: float = _param(
        0.03,
        0,
        0.5,
        "engagement lost per missed session (halved with async reflection)",
        "per session",
        S000 + ": reflective practices",
    )
    drift: float = _param(
        0.0332,
        0,
        0.5,
        "weekly pull of belonging and confidence back to the starting level",
        "per week",
        "fade-out of program effects (DuBois et al. 2011); calibrated: docs/validation.md",
    )
    dropout_threshold: float = _param(
        0.382,
        0,
        1,
        "engagement below which students may leave the program",
        "engagement",
        "Kupersmidt et al. 2017 (early closure); calibrated: docs/validation.md",
    )
    dropout_hazard: float = _param(
        0.4,
        0,
        1,
        "weekly chance of leaving at zero engagement",
        "per week",
        "Kupersmidt et al. 2017",
    )
    # endings
    rematch_trust_reset: bool = Field(
        True,
        description="a new partner starts at zero trust",
        json_schema_extra={"unit": "switch", "source": "Grossman et al. 2012 (re-matching)"},
    )
    closure_penalty: float = _param(
        0.33,
        0,
        0.5,
        "belonging lost when a match ends unplanned at week 0 (× exp(−weeks/12))",
        "latent",
        "Grossman & Rhodes 2002 (matches ending < 3 months); calibrated: docs/validation.md",
    )
    poor_quality: float = _param(
        0.4,
        0,
        1,
        "mean meeting quality below which a check-in rates a pair poor",
        "quality",
        S001 + ": have a Plan B",
    )


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
        """Stable 16-hex-digit content hash (name and description excluded)."""
        data = self.model_dump(mode="json", exclude={"name", "description"})
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
