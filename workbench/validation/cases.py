"""Validation cases as data: study designs (arms), published figures, and how to compare.

A case file (TOML, default :data:`DEFAULT_CASES`) has three parts:

``[settings]``
    seed, replications and cohort size of the full and of the quick run.
``[arms.<name>]``
    one study arm: scenario overrides applied to the default :class:`Scenario`
    (``levers.sessions_per_week = 0`` is the no-program control arm);
    ``policies`` lists matching policies in order of preference (the first one
    installed is used).
``[[cases]]`` with ``[[cases.checks]]``
    one published finding; each check names a statistic from
    :data:`workbench.validation.statistics.STATISTICS`, the arms it compares,
    its ``role`` (``"calibration"``: used to set the Dynamics defaults;
    ``"held_out"``: never used in fitting), the published figure
    (``target``) with its accepted interval (``low``/``high``, the published
    confidence interval widened by between-study heterogeneity) and ``sd``,
    the uncertainty used by history matching. A check where the literature
    reports only a direction says so (``direction_only = "why"``) and gives
    one bound (``low`` or ``high``) and no ``target``; every other check is a
    magnitude check and gives ``target``, ``low`` and ``high``. A case the
    model cannot reproduce carries ``known_miss = "reason"``.

Examples
--------
>>> book = load_cases()
>>> [case.id for case in book.cases][:2]
['overall_effect', 'cross_age_supervision']
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from workbench.errors import WorkbenchError
from workbench.inputfiles import read_toml, validation_line
from workbench.scenario import Scenario

DEFAULT_CASES = Path(__file__).with_name("cases.toml")
#: Most replications of a validation run (case file or ``--replications``).
MAX_CASE_REPLICATIONS = 10_000
#: Smallest and largest cohort a validation arm simulates (case file or ``--cohort-size``).
MIN_CASE_COHORT = 20
MAX_CASE_COHORT = 100_000
#: A check's role: used to set the defaults, or never used in fitting.
ROLES = ("calibration", "held_out")
Role = Literal["calibration", "held_out"]


class CaseFileError(WorkbenchError):
    """A case file that cannot be used; the message is one line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Settings(_Strict):
    """How much simulation a full and a quick validation run."""

    seed: int = Field(20251123, ge=0)
    replications: int = Field(40, ge=2, le=MAX_CASE_REPLICATIONS)
    cohort_size: int = Field(300, ge=MIN_CASE_COHORT, le=MAX_CASE_COHORT)
    quick_replications: int = Field(6, ge=2, le=MAX_CASE_REPLICATIONS)
    quick_cohort_size: int = Field(160, ge=MIN_CASE_COHORT, le=MAX_CASE_COHORT)
    survey: str | None = Field(
        None, description="survey CSV whose instrument measures the students (None: latent)"
    )
    codebook: str | None = Field(None, description="codebook TOML of that survey")

    @model_validator(mode="after")
    def _survey_with_codebook(self) -> Settings:
        if (self.survey is None) != (self.codebook is None):
            raise ValueError("give both survey and codebook, or neither")
        return self


class Arm(_Strict):
    """One study arm: what the program (or its absence) looks like."""

    description: str = ""
    overrides: dict[str, Any] = Field(default_factory=dict)
    policies: list[str] = Field(default_factory=list, description="preferred matching policies")

    def scenario(
        self, base: Scenario, cohort_size: int, extra: dict[str, Any] | None = None
    ) -> Scenario:
        """This arm's scenario: ``base`` with the cohort size, the arm's and ``extra`` overrides."""
        from workbench.matching import POLICIES

        changes: dict[str, Any] = {"cohort.size": cohort_size}
        available = [name for name in self.policies if name in POLICIES]
        if available:
            changes["matching.policy"] = available[0]
        changes.update(self.overrides)
        changes.update(extra or {})
        return base.with_overrides(changes)

    def policy_note(self) -> str:
        """Which preferred policy is used and a cohort size the arm fixes, or ''."""
        from workbench.matching import POLICIES

        notes = []
        if self.policies:
            available = [name for name in self.policies if name in POLICIES]
            missing = [name for name in self.policies[: self.policies.index(available[0])]]
            notes.append(
                f"matching policy {available[0]!r}"
                + (f" ({', '.join(missing)} not installed)" if missing else "")
            )
        if "cohort.size" in self.overrides:
            notes.append(f"{self.overrides['cohort.size']:,} students (fixed by the arm)")
        return "; ".join(notes)


class Check(_Strict):
    """One statistic of a case, the published figure and the accepted interval."""

    id: str
    label: str
    role: Role = Field(
        description="'calibration' (used to set the defaults) or 'held_out' (never fitted)"
    )
    statistic: str
    arms: dict[str, str]
    options: dict[str, Any] = Field(default_factory=dict)
    published: str = Field(description="the published figure, in words, with its source")
    direction_only: str | None = Field(
        None, description="why only a direction is checked (the literature gives no size)"
    )
    target: float | None = None
    low: float | None = None
    high: float | None = None
    sd: float = Field(gt=0, description="uncertainty of the figure (+ model discrepancy)")

    @model_validator(mode="after")
    def _known_statistic(self) -> Check:
        from workbench.validation.statistics import STATISTICS

        if self.statistic not in STATISTICS:
            raise ValueError(
                f"unknown statistic {self.statistic!r}; allowed: {', '.join(sorted(STATISTICS))}"
            )
        needed = set(STATISTICS[self.statistic][0])
        if set(self.arms) != needed:
            raise ValueError(f"statistic {self.statistic!r} needs arms {sorted(needed)}")
        if self.direction_only is not None:
            if not self.direction_only.strip():
                raise ValueError("direction_only: say why only a direction is checked")
            if (self.low is None) == (self.high is None):
                raise ValueError(
                    "a direction_only check gives one bound: low (should be above) "
                    "or high (should be below)"
                )
            if self.target is not None:
                raise ValueError(
                    "a direction_only check has no target; give the size as target, low and high "
                    "and drop direction_only if the literature reports one"
                )
            return self
        if self.target is None or self.low is None or self.high is None:
            raise ValueError(
                "a magnitude check gives target, low and high (the published figure and its "
                "accepted interval); where the literature gives only a direction, give one bound "
                "and direction_only = 'why'"
            )
        if not self.low <= self.target <= self.high:
            raise ValueError("need low <= target <= high")
        return self

    @property
    def kind(self) -> str:
        """``"magnitude"`` or ``"direction"``."""
        return "direction" if self.direction_only is not None else "magnitude"

    @property
    def bounds(self) -> tuple[float, float]:
        """``(low, high)`` with open ends as ∓inf."""
        return (
            -math.inf if self.low is None else self.low,
            math.inf if self.high is None else self.high,
        )

    def distance(self, value: float) -> float:
        """How far ``value`` lies outside the interval (0 inside), in the statistic's units."""
        low, high = self.bounds
        if not math.isfinite(value):
            return math.inf
        return max(low - value, value - high, 0.0)

    def implausibility(self, mean: float, variance: float = 0.0) -> float:
        """History-matching implausibility: distance outside the interval over the total SD."""
        return self.distance(mean) / math.sqrt(self.sd**2 + variance)

    def interval_text(self) -> str:
        low, high = self.low, self.high
        if low is not None and high is not None:
            return f"[{low:g}, {high:g}]"
        return f"> {low:g}" if low is not None else f"< {high:g}"


class Case(_Strict):
    """One published finding the model should reproduce."""

    id: str
    title: str
    finding: str
    design: str
    sources: list[str] = Field(min_length=1)
    checks: list[Check] = Field(min_length=1)
    known_miss: str | None = Field(None, description="why the model cannot reproduce this")

    @property
    def role(self) -> str:
        """``"calibration"``, ``"held_out"``, or ``"mixed"`` when its checks differ."""
        roles = {check.role for check in self.checks}
        return roles.pop() if len(roles) == 1 else "mixed"


class CaseBook(_Strict):
    """A validated case file."""

    settings: Settings = Field(default_factory=Settings)
    arms: dict[str, Arm]
    cases: list[Case] = Field(min_length=1)

    @model_validator(mode="after")
    def _arms_exist(self) -> CaseBook:
        ids = [case.id for case in self.cases]
        if len(set(ids)) != len(ids):
            raise ValueError("case ids must be distinct")
        for case in self.cases:
            for check in case.checks:
                unknown = sorted(set(check.arms.values()) - set(self.arms))
                if unknown:
                    raise ValueError(
                        f"case {case.id!r} check {check.id!r} names unknown arms {unknown}; "
                        f"known: {sorted(self.arms)}"
                    )
        return self

    def arms_used(self, cases: list[Case] | None = None) -> list[str]:
        """Arm names the given cases (default: all) need, in file order."""
        wanted = {
            arm
            for case in cases or self.cases
            for check in case.checks
            for arm in check.arms.values()
        }
        return [name for name in self.arms if name in wanted]

    def checks(self, role: str | None = None) -> list[tuple[Case, Check]]:
        """Every (case, check) pair in file order; only those of ``role`` if given."""
        return [
            (case, check)
            for case in self.cases
            for check in case.checks
            if role is None or check.role == role
        ]

    def held_out(self) -> list[str]:
        """``"case.check"`` names of the held-out checks: never used to fit the defaults."""
        return [f"{case.id}.{check.id}" for case, check in self.checks("held_out")]


def load_cases(path: str | Path | None = None) -> CaseBook:
    """Read and validate a case file (default: the packaged ``cases.toml``).

    Raises :class:`workbench.errors.WorkbenchError` with one line naming the
    file and the offending key.
    """
    path = Path(path) if path is not None else DEFAULT_CASES
    try:
        return CaseBook.model_validate(read_toml(path, "case", CaseFileError))
    except ValidationError as error:
        raise CaseFileError(validation_line(error, str(path), "docs/validation.md")) from None
