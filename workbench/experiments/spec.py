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
(``[parameters.levers.mentor_training]``) mean the same. Every problem is
refused with one line naming the file and the key before anything is run or
written.

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
from typing import Any, Literal

from workbench.errors import WorkbenchError
from workbench.inputfiles import read_toml
from workbench.scenario import Scenario, ScenarioError, flatten_settings, load_scenario

DESIGNS = ("grid", "lhs", "sobol")
SEEDING = ("common", "independent")
_TOP_KEYS = {"name", "description", "base", "seed", "replications", "design", "fixed", "parameters"}
_DESIGN_KEYS = {"kind", "samples", "second_order", "seeds"}
_PARAMETER_KEYS = {"range", "levels", "steps", "integer"}


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
        unknown = sorted(set(data) - _TOP_KEYS)
        if unknown:
            raise SweepError(
                f"{source}: {unknown[0]}: unknown key; allowed: {', '.join(sorted(_TOP_KEYS))}"
            )
        name = _typed(data.get("name", "sweep"), str, source, "name")
        description = _typed(data.get("description", ""), str, source, "description")
        seed = _typed(data.get("seed", 0), int, source, "seed")
        if seed < 0:
            raise SweepError(f"{source}: seed: must be a non-negative integer (got {seed})")
        replications = _typed(data.get("replications", 1), int, source, "replications")
        if replications < 1:
            raise SweepError(f"{source}: replications: must be at least 1 (got {replications})")
        base = _base_scenario(data.get("base"), source, folder, scenario_required)
        fixed = data.get("fixed", {})
        if not isinstance(fixed, dict):
            raise SweepError(f"{source}: fixed: expected a table of dotted settings")
        fixed = flatten_settings(fixed)
        if base is not None and fixed:
            try:
                base.with_overrides(fixed)
            except ScenarioError as error:
                raise SweepError(f"{source}: fixed: {error}") from None
        design = _design(data.get("design", {}), source)
        raw = data.get("parameters")
        if not isinstance(raw, dict) or not raw:
            raise SweepError(
                f"{source}: parameters: no parameters to sweep; add e.g. "
                '"levers.mentor_training" = {{ range = [0.0, 1.0], steps = 3 }}'
            )
        scenario = base.with_overrides(fixed) if base is not None and fixed else base
        parameters = tuple(
            _parameter(name, table, source, scenario, design)
            for name, table in _flatten_parameters(raw, source)
        )
        if (
            design.kind == "grid"
            and math.prod(len(p.grid_values()) for p in parameters) > 1_000_000
        ):
            raise SweepError(
                f"{source}: design: the grid has over a million points; use lhs or sobol"
            )
        return cls(
            name=name,
            description=description,
            base=base,
            parameters=parameters,
            design=design,
            replications=replications,
            seed=seed,
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
def _typed(value: Any, kind: type, source: str, key: str) -> Any:
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise SweepError(f"{source}: {key}: expected a whole number (got {value!r})")
    if not isinstance(value, kind):
        raise SweepError(f"{source}: {key}: expected {kind.__name__} (got {value!r})")
    return value


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


def _design(table: Any, source: str) -> DesignSpec:
    if isinstance(table, str):
        table = {"kind": table}
    if not isinstance(table, dict):
        raise SweepError(f"{source}: design: expected a table with kind = grid|lhs|sobol")
    unknown = sorted(set(table) - _DESIGN_KEYS)
    if unknown:
        raise SweepError(
            f"{source}: design.{unknown[0]}: unknown key; allowed: {', '.join(sorted(_DESIGN_KEYS))}"
        )
    kind = table.get("kind", "grid")
    if kind not in DESIGNS:
        raise SweepError(f"{source}: design.kind: {kind!r} is not one of {', '.join(DESIGNS)}")
    seeds = table.get("seeds", "common")
    if seeds not in SEEDING:
        raise SweepError(f"{source}: design.seeds: {seeds!r} is not one of {', '.join(SEEDING)}")
    samples = table.get("samples")
    if kind == "grid" and samples is not None:
        raise SweepError(f"{source}: design.samples: a grid takes no samples; give steps or levels")
    if kind in ("lhs", "sobol"):
        if samples is None:
            raise SweepError(f"{source}: design.samples: required for a {kind} design")
        samples = _typed(samples, int, source, "design.samples")
        if samples < 1:
            raise SweepError(f"{source}: design.samples: must be at least 1 (got {samples})")
        if kind == "sobol" and (samples < 2 or samples & (samples - 1)):
            raise SweepError(
                f"{source}: design.samples: Sobol' sampling needs a power of two (got {samples}); "
                "try 16, 32, 64 ..."
            )
    second_order = table.get("second_order", False)
    if not isinstance(second_order, bool):
        raise SweepError(f"{source}: design.second_order: expected true or false")
    if second_order and kind != "sobol":
        raise SweepError(f"{source}: design.second_order: only a sobol design has second order")
    return DesignSpec(kind=kind, samples=samples, second_order=second_order, seeds=seeds)


def _flatten_parameters(
    table: dict[str, Any], source: str, prefix: str = ""
) -> list[tuple[str, Any]]:
    """``{"levers": {"weeks": {"range": ...}}}`` → ``[("levers.weeks", {"range": ...})]``."""
    found: list[tuple[str, Any]] = []
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and not (set(value) & _PARAMETER_KEYS):
            found.extend(_flatten_parameters(value, source, f"{name}."))
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


def _number(value: Any, source: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SweepError(f"{source}: {key}: expected a finite number (got {value!r})")
    return value


def _parameter(
    name: str, table: Any, source: str, scenario: Scenario | None, design: DesignSpec
) -> Parameter:
    key = f"parameters.{name}"
    if not isinstance(table, dict):
        raise SweepError(
            f"{source}: {key}: expected {{ range = [low, high] }} or {{ levels = [...] }} "
            f"(got {table!r})"
        )
    unknown = sorted(set(table) - _PARAMETER_KEYS)
    if unknown:
        raise SweepError(
            f"{source}: {key}.{unknown[0]}: unknown key; allowed: {', '.join(sorted(_PARAMETER_KEYS))}"
        )
    current = _current_value(scenario, name, source) if scenario is not None else None
    if ("range" in table) == ("levels" in table):
        raise SweepError(
            f"{source}: {key}: give exactly one of range = [low, high] or levels = [...]"
        )
    if "levels" in table:
        levels = table["levels"]
        if not isinstance(levels, list) or not levels:
            raise SweepError(f"{source}: {key}.levels: empty; list at least one value")
        if "steps" in table or "integer" in table:
            raise SweepError(f"{source}: {key}: steps and integer go with a range, not levels")
        if len({json.dumps(v, sort_keys=True, default=str) for v in levels}) != len(levels):
            raise SweepError(f"{source}: {key}.levels: values repeat; list each once")
        for value in levels:
            _check_value(scenario, name, value, source, "level")
        return Parameter(name=name, levels=tuple(levels))
    bounds = table["range"]
    if not isinstance(bounds, list) or len(bounds) != 2:
        raise SweepError(f"{source}: {key}.range: expected [low, high] (got {bounds!r})")
    low, high = (_number(v, source, f"{key}.range") for v in bounds)
    if not low < high:
        raise SweepError(
            f"{source}: {key}.range: [{low}, {high}] is empty; the low end must be below the high end"
        )
    if scenario is not None and (isinstance(current, bool) or not isinstance(current, int | float)):
        raise SweepError(
            f"{source}: {key}.range: {name} is not a number (it is {current!r}); use levels = [...]"
        )
    integer = table.get("integer", isinstance(current, int) and not isinstance(current, bool))
    if not isinstance(integer, bool):
        raise SweepError(f"{source}: {key}.integer: expected true or false")
    if integer and (low != int(low) or high != int(high)):
        raise SweepError(f"{source}: {key}.range: an integer range needs whole-number ends")
    steps = table.get("steps")
    if design.kind == "grid":
        if steps is None and not integer:
            raise SweepError(
                f"{source}: {key}.steps: a grid over a range needs steps (how many values, >= 2)"
            )
        if steps is not None:
            steps = _typed(steps, int, source, f"{key}.steps")
            if steps < 2:
                raise SweepError(f"{source}: {key}.steps: must be at least 2 (got {steps})")
    elif steps is not None:
        raise SweepError(f"{source}: {key}.steps: only a grid design takes steps")
    if integer:
        low, high = int(low), int(high)
    for value in (low, high):
        _check_value(scenario, name, value, source, "value")
    return Parameter(name=name, low=low, high=high, steps=steps, integer=integer)
