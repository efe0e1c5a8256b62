"""Sweep files: which scenario parameters to vary, over what, with which design.

A sweep file is TOML::

    name = "training_by_policy"
    base = "baseline.toml"          # scenario file, relative to this file
    seed = 2025                     # root seed of every run's seed
    replications = 10               # runs per design point

    [design]
    kind = "grid"                   # grid | lhs | sobol
    # samples = 64                  # lhs: points; sobol: base samples N (a power of two)
    # second_order = false          # sobol: also estimate second-order indices
    # seeds = "common"              # common: replication k uses the same seed at every point

    [fixed]                         # settings applied to the base before sweeping
    "cohort.size" = 120

    [parameters]
    "matching.policy" = { levels = ["random", "optimal", "cross_group"] }
    "levers.mentor_training" = { range = [0.0, 1.0], steps = 3 }
    "levers.sessions_per_week" = { range = [1, 3], integer = true }

Parameter names are the scenario's dotted settings (as in
:meth:`workbench.Scenario.with_overrides`); nested tables
(``[parameters.levers.mentor_training]``) mean the same. The file's shape is
validated by pydantic models (:class:`SweepFile`, :class:`DesignTable`,
:class:`ParameterTable`), the values against the base scenario; every problem
is refused with one line naming the file and the key before anything is run
or written. Sizes are bounded before a design is built (:data:`MAX_POINTS`
points, :data:`MAX_RUNS` runs, :data:`MAX_STEPS` steps, the scenario's
replication cap), counted rather than listed.

Examples
--------
>>> spec = SweepSpec.from_dict(
...     {"parameters": {"levers.mentor_training": {"range": [0.0, 1.0], "steps": 3}},
...      "replications": 2, "fixed": {"cohort.size": 40, "levers.weeks": 4}})
>>> [p.name for p in spec.parameters], spec.design.kind
(['levers.mentor_training'], 'grid')
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from workbench.errors import WorkbenchError
from workbench.inputfiles import read_toml, validation_line
from workbench.scenario import (
    MAX_REPLICATIONS,
    Scenario,
    ScenarioError,
    flatten_settings,
    load_scenario,
)

DESIGNS = ("grid", "lhs", "sobol")
SEEDING = ("common", "independent")
_PARAMETER_KEYS = {"range", "levels", "steps", "integer"}
#: Most design points in one sweep (grid combinations, lhs samples, Sobol' points).
MAX_POINTS = 1_000_000
#: Most runs (points x replications) in one result store; split a bigger sweep.
MAX_RUNS = 1_000_000
#: Most values a grid takes from one range (``steps``).
MAX_STEPS = 10_000
#: Page listing the keys of a sweep file, named in messages about a misspelt key.
DOCS = "docs/experiments.md"


class SweepError(WorkbenchError):
    """A sweep file or request that cannot be run; the message is one line."""


@dataclass(frozen=True)
class Parameter:
    """One swept setting: a numeric ``range`` (``low``, ``high``) or a list of ``levels``.

    ``steps`` is how many evenly spaced values a grid takes from a range;
    ``integer`` rounds values drawn from a range to whole numbers.
    """

    name: str
    low: float | None = None
    high: float | None = None
    levels: tuple[Any, ...] | None = None
    steps: int | None = None
    integer: bool = False

    @property
    def is_range(self) -> bool:
        return self.levels is None

    def from_unit(self, u: float) -> Any:
        """Map ``u`` in [0, 1] to a value: linear over a range, equal slices over levels."""
        if self.levels is not None:
            index = min(int(u * len(self.levels)), len(self.levels) - 1)
            return self.levels[index]
        value = self.low + u * (self.high - self.low)
        if self.integer:
            # equal-width bins for each whole number from low to high
            span = int(self.high) - int(self.low) + 1
            return int(self.low) + min(int(u * span), span - 1)
        return float(value)

    def grid_size(self) -> int:
        """How many values :meth:`grid_values` gives, computed without listing them."""
        if self.levels is not None:
            return len(self.levels)
        if self.integer:
            whole = int(self.high) - int(self.low) + 1
            if self.steps is None or self.steps >= whole:
                return whole
            return len(self.grid_values())  # steps <= MAX_STEPS: cheap
        return self.steps or 0

    def grid_values(self) -> list[Any]:
        """The values a full-factorial grid takes."""
        if self.levels is not None:
            return list(self.levels)
        if self.integer:
            whole = list(range(int(self.low), int(self.high) + 1))
            if self.steps is None or self.steps >= len(whole):
                return whole
            picks = [
                round(self.low + k * (self.high - self.low) / (self.steps - 1))
                for k in range(self.steps)
            ]
            return sorted(set(int(v) for v in picks))
        steps = self.steps or 0
        return [float(self.low + k * (self.high - self.low) / (steps - 1)) for k in range(steps)]

    def describe(self) -> dict[str, Any]:
        """JSON-ready description (for the manifest and the sweep hash)."""
        if self.levels is not None:
            return {"name": self.name, "levels": list(self.levels)}
        return {
            "name": self.name,
            "range": [self.low, self.high],
            "steps": self.steps,
            "integer": self.integer,
        }


# -- the file's schema (pydantic) --------------------------------------------------------
Finite = Annotated[float, Field(allow_inf_nan=False, strict=False)]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DesignTable(_Table):
    """``[design]``: how points are chosen."""

    kind: Literal["grid", "lhs", "sobol"] = "grid"
    samples: StrictInt | None = Field(None, ge=1, le=MAX_POINTS)
    second_order: StrictBool = False
    seeds: Literal["common", "independent"] = "common"

    @model_validator(mode="after")
    def _fits_the_kind(self) -> DesignTable:
        if self.kind == "grid" and self.samples is not None:
            raise ValueError("samples: a grid takes no samples; give steps or levels")
        if self.kind != "grid" and self.samples is None:
            raise ValueError(f"samples: required for a {self.kind} design")
        if self.kind == "sobol" and (self.samples < 2 or self.samples & (self.samples - 1)):
            raise ValueError(
                f"samples: Sobol' sampling needs a power of two (got {self.samples}); "
                "try 16, 32, 64 ..."
            )
        if self.second_order and self.kind != "sobol":
            raise ValueError("second_order: only a sobol design has second order")
        return self


class ParameterTable(_Table):
    """One entry of ``[parameters]``: ``range`` (with ``steps``, ``integer``) or ``levels``."""

    range: tuple[Finite, Finite] | None = None
    levels: list[Any] | None = None
    steps: StrictInt | None = Field(None, ge=2, le=MAX_STEPS)
    integer: StrictBool | None = None

    @field_validator("levels")
    @classmethod
    def _some(cls, value: list[Any] | None) -> list[Any] | None:
        if value is not None and not value:
            raise ValueError("empty; list at least one value")
        return value

    @field_validator("range", mode="before")
    @classmethod
    def _numbers(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and any(isinstance(v, bool) for v in value):
            raise ValueError("range: expected [low, high] numbers, not true/false")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> ParameterTable:
        if (self.range is None) == (self.levels is None):
            raise ValueError("give exactly one of range = [low, high] or levels = [...]")
        if self.levels is not None:
            if self.steps is not None or self.integer is not None:
                raise ValueError("steps and integer go with a range, not levels")
            if len({json.dumps(v, sort_keys=True, default=str) for v in self.levels}) != len(
                self.levels
            ):
                raise ValueError("levels: values repeat; list each once")
            return self
        low, high = self.range
        if not low < high:
            raise ValueError(
                f"range: [{_plain(low)}, {_plain(high)}] is empty; "
                "the low end must be below the high end"
            )
        if self.integer and (low != int(low) or high != int(high)):
            raise ValueError("range: an integer range needs whole-number ends")
        return self


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() and abs(number) < 1e15 else str(number)


class SweepFile(_Table):
    """A sweep file's top level (``base`` is read separately: a path or a Scenario)."""

    name: StrictStr = Field("sweep", min_length=1, max_length=200)
    description: StrictStr = ""
    seed: StrictInt = Field(0, ge=0)
    replications: StrictInt = Field(1, ge=1, le=MAX_REPLICATIONS)
    design: DesignTable = DesignTable()
    fixed: dict[str, Any] = {}
    parameters: dict[str, ParameterTable]

    @field_validator("design", mode="before")
    @classmethod
    def _kind_alone(cls, value: Any) -> Any:
        return {"kind": value} if isinstance(value, str) else value

    @field_validator("parameters", mode="before")
    @classmethod
    def _flat(cls, value: Any) -> Any:
        if not isinstance(value, dict) or not value:
            raise ValueError(
                "no parameters to sweep; add e.g. "
                '"levers.mentor_training" = { range = [0.0, 1.0], steps = 3 }'
            )
        return dict(_flatten_parameters(value))


@dataclass(frozen=True)
class DesignSpec:
    """How points are chosen: ``grid``, ``lhs`` (``samples`` points) or ``sobol``."""

    kind: Literal["grid", "lhs", "sobol"] = "grid"
    samples: int | None = None
    second_order: bool = False
    seeds: Literal["common", "independent"] = "common"


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: base scenario, fixed settings, parameters, design, seeds.

    ``base`` is ``None`` for a sweep of a plain model function (see
    :func:`workbench.sweep`'s ``model``), where parameter names are free.
    """

    name: str = "sweep"
    description: str = ""
    base: Scenario | None = None
    parameters: tuple[Parameter, ...] = ()
    design: DesignSpec = field(default_factory=DesignSpec)
    replications: int = 1
    seed: int = 0
    fixed: dict[str, Any] = field(default_factory=dict)
    source: str = "<sweep>"

    @property
    def scenario(self) -> Scenario | None:
        """The base scenario with the fixed settings applied (what points change)."""
        if self.base is None:
            return None
        return self.base.with_overrides(self.fixed) if self.fixed else self.base

    def describe(self) -> dict[str, Any]:
        """JSON-ready description of everything that decides the runs."""
        scenario = self.scenario
        return {
            "scenario_hash": None if scenario is None else scenario.hash(),
            "parameters": [p.describe() for p in self.parameters],
            "design": {
                "kind": self.design.kind,
                "samples": self.design.samples,
                "second_order": self.design.second_order,
                "seeds": self.design.seeds,
            },
            "replications": self.replications,
            "seed": self.seed,
            "fixed": self.fixed,
        }

    def hash(self) -> str:
        """16-hex content hash of the sweep (name and description excluded)."""
        text = json.dumps(self.describe(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    # -- reading -----------------------------------------------------------------------
    @classmethod
    def from_dict(
        cls,
        data: dict[str, Any],
        source: str = "<sweep>",
        folder: Path | None = None,
        scenario_required: bool = True,
    ) -> SweepSpec:
        """Validate a parsed sweep table; ``folder`` resolves a relative ``base`` path.

        ``base`` may be a path or a :class:`~workbench.Scenario`; without it the
        default scenario is used (or, if ``scenario_required`` is false, none).
        """
        data = dict(data)
        given_base = data.pop("base", None)
        try:
            table = SweepFile.model_validate(data)
        except ValidationError as error:
            raise SweepError(validation_line(error, source, DOCS)) from None
        base = _base_scenario(given_base, source, folder, scenario_required)
        fixed = flatten_settings(table.fixed)
        scenario = base
        if base is not None and fixed:
            try:
                scenario = base.with_overrides(fixed)
            except ScenarioError as error:
                raise SweepError(f"{source}: fixed: {error}") from None
        design = DesignSpec(
            kind=table.design.kind,
            samples=table.design.samples,
            second_order=table.design.second_order,
            seeds=table.design.seeds,
        )
        parameters = tuple(
            _parameter(name, rule, source, scenario, design)
            for name, rule in table.parameters.items()
        )
        _check_size(parameters, design, table.replications, source)
        return cls(
            name=table.name,
            description=table.description,
            base=base,
            parameters=parameters,
            design=design,
            replications=table.replications,
            seed=table.seed,
            fixed=fixed,
            source=source,
        )


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and validate a sweep TOML file.

    Examples
    --------
    >>> spec = load_sweep("scenarios/sweep_policies.toml")  # doctest: +SKIP
    """
    path = Path(path)
    data = read_toml(path, "sweep", SweepError)
    data.setdefault("name", path.stem)
    return SweepSpec.from_dict(data, source=str(path), folder=path.parent)


# -- helpers ---------------------------------------------------------------------------
def _base_scenario(base: Any, source: str, folder: Path | None, required: bool) -> Scenario | None:
    if isinstance(base, Scenario):
        return base
    if base is None:
        return Scenario() if required else None
    if not isinstance(base, str | Path):
        raise SweepError(f"{source}: base: expected a scenario file name (got {base!r})")
    path = Path(base)
    if folder is not None and not path.is_absolute():
        path = folder / path
    if not path.is_file():
        raise SweepError(f"{source}: base: no such scenario file {str(path)!r}")
    try:
        return load_scenario(path)
    except ScenarioError as error:
        raise SweepError(f"{source}: base: {error}") from None


def _flatten_parameters(table: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``{"levers": {"weeks": {"range": ...}}}`` → ``[("levers.weeks", {"range": ...})]``.

    A list stands for its levels (``"matching.policy" = ["random", "optimal"]``).
    """
    found: list[tuple[str, Any]] = []
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and not (set(value) & _PARAMETER_KEYS):
            found.extend(_flatten_parameters(value, f"{name}."))
        elif isinstance(value, list):
            found.append((name, {"levels": value}))
        else:
            found.append((name, value))
    return found


def _current_value(scenario: Scenario, name: str, source: str) -> Any:
    node: Any = scenario.model_dump()
    parts = name.split(".")
    for depth, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            where = ".".join(parts[:depth]) or "the scenario"
            known = ", ".join(sorted(node)) if isinstance(node, dict) else "(none: not a table)"
            raise SweepError(
                f"{source}: parameters.{name}: unknown scenario setting {part!r} in {where}; "
                f"known: {known}"
            )
        node = node[part]
    if isinstance(node, dict):
        raise SweepError(
            f"{source}: parameters.{name}: is a table of settings; sweep one of its keys: "
            f"{', '.join(sorted(node))}"
        )
    return node


def _check_value(scenario: Scenario | None, name: str, value: Any, source: str, what: str) -> None:
    if scenario is None:
        return
    try:
        scenario.with_overrides({name: value})
    except ScenarioError as error:
        detail = short(str(error).removeprefix("override: "))
        raise SweepError(
            f"{source}: parameters.{name}: {what} {value!r} is not allowed: {detail}"
        ) from None


def short(message: str) -> str:
    """A scenario error without the echo of a whole settings table (``(got {...})``)."""
    return re.sub(r" \(got \{.*\}\)", "", message)


def _parameter(
    name: str, rule: ParameterTable, source: str, scenario: Scenario | None, design: DesignSpec
) -> Parameter:
    """A :class:`Parameter` from a validated table, checked against the scenario and design."""
    key = f"parameters.{name}"
    current = _current_value(scenario, name, source) if scenario is not None else None
    if rule.levels is not None:
        for value in rule.levels:
            _check_value(scenario, name, value, source, "level")
        return Parameter(name=name, levels=tuple(rule.levels))
    low, high = rule.range
    if scenario is not None and (isinstance(current, bool) or not isinstance(current, int | float)):
        raise SweepError(
            f"{source}: {key}.range: {name} is not a number (it is {current!r}); use levels = [...]"
        )
    integer = rule.integer
    if integer is None:  # an integer setting is swept over whole numbers
        integer = isinstance(current, int) and not isinstance(current, bool)
        if integer and (low != int(low) or high != int(high)):
            raise SweepError(f"{source}: {key}.range: an integer range needs whole-number ends")
    _check_steps(rule.steps, integer, design, source, key)
    if integer:
        low, high = int(low), int(high)
    for value in (low, high):
        _check_value(scenario, name, value, source, "value")
    return Parameter(name=name, low=low, high=high, steps=rule.steps, integer=integer)


def _check_steps(
    steps: int | None, integer: bool, design: DesignSpec, source: str, key: str
) -> None:
    if design.kind != "grid":
        if steps is not None:
            raise SweepError(f"{source}: {key}.steps: only a grid design takes steps")
    elif steps is None and not integer:
        raise SweepError(
            f"{source}: {key}.steps: a grid over a range needs steps (how many values, >= 2)"
        )


def design_points(parameters: tuple[Parameter, ...], design: DesignSpec) -> int:
    """How many points the design has, computed without building it."""
    if design.kind == "grid":
        return math.prod(p.grid_size() for p in parameters)
    d = len(parameters)
    per_sample = 1 if design.kind == "lhs" else (2 * d + 2 if design.second_order else d + 2)
    return (design.samples or 0) * per_sample


def _check_size(
    parameters: tuple[Parameter, ...], design: DesignSpec, replications: int, source: str
) -> None:
    """Refuse a design over :data:`MAX_POINTS` points or :data:`MAX_RUNS` runs, before building it."""
    points = design_points(parameters, design)
    if points > MAX_POINTS:
        advice = "use lhs or sobol" if design.kind == "grid" else "use fewer samples"
        raise SweepError(
            f"{source}: design: {points:,} points, over the limit of {MAX_POINTS:,}; {advice}"
        )
    if points * replications > MAX_RUNS:
        raise SweepError(
            f"{source}: replications: {points:,} points x {replications:,} replications = "
            f"{points * replications:,} runs, over the limit of {MAX_RUNS:,} per store; "
            "use fewer points or replications, or split the sweep"
        )
