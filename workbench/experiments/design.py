"""Experiment designs: the points of a sweep and the seeded runs at each point.

Three designs over the parameters of a :class:`~workbench.experiments.spec.SweepSpec`:

- ``grid``: the full factorial of every parameter's values;
- ``lhs``: a Latin hypercube of ``samples`` points (:class:`scipy.stats.qmc.LatinHypercube`);
- ``sobol``: Saltelli's extension of a Sobol' sequence (:func:`SALib.sample.sobol.sample`),
  ``samples * (D + 2)`` points (``samples * (2D + 2)`` with second order), laid out
  as SALib's analyser expects.

Every point is run ``replications`` times. Seeds come from the root seed through
:func:`workbench.seeding.derive_seeds` (numpy ``SeedSequence``), so a run's seed
depends only on the root seed, its point and its replication — never on the
number of workers or the order in which runs finish. With ``seeds = "common"``
(the default) replication *k* uses the same seed at every point (common random
numbers: policies are compared on the same simulated cohorts).

Examples
--------
>>> from workbench.experiments.spec import SweepSpec
>>> spec = SweepSpec.from_dict({"parameters": {"levers.weeks": {"levels": [4, 8]}},
...                             "replications": 2, "seed": 7})
>>> design = build_design(spec)
>>> design.points
   point  levers.weeks
0      0             4
1      1             8
>>> list(design.runs["run_id"])
['p000000-r0000', 'p000000-r0001', 'p000001-r0000', 'p000001-r0001']
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.experiments.spec import SweepError, SweepSpec, short
from workbench.seeding import derive_seeds


@dataclass(frozen=True)
class Design:
    """The expanded design of a sweep.

    Attributes
    ----------
    points : DataFrame
        One row per point: ``point`` and one column per parameter (dotted name).
    runs : DataFrame
        One row per run: ``run_id, point, replication, seed`` and the parameter columns.
    values : tuple of dict
        Each point's settings as Python values (what the model receives).
    unit : ndarray or None
        The points in the unit hypercube (lhs and sobol designs), one row per point.
    """

    points: pd.DataFrame
    runs: pd.DataFrame
    values: tuple[dict[str, Any], ...]
    unit: np.ndarray | None = None


def run_id(point: int, replication: int) -> str:
    """Stable name of a run, sortable as text: ``p000012-r0003``."""
    return f"p{point:06d}-r{replication:04d}"


def unit_sample(spec: SweepSpec) -> np.ndarray | None:
    """The design's points in [0, 1]^D (``None`` for a grid)."""
    d = len(spec.parameters)
    kind = spec.design.kind
    if kind == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=d, seed=np.random.default_rng(spec.seed)).random(
            spec.design.samples
        )
    if kind == "sobol":
        from SALib.sample import sobol as sobol_sample

        return sobol_sample.sample(
            sobol_problem(spec, unit=True),
            spec.design.samples,
            calc_second_order=spec.design.second_order,
            scramble=True,
            seed=spec.seed,
        )
    return None


def sobol_problem(spec: SweepSpec, unit: bool = False) -> dict[str, Any]:
    """SALib's problem dictionary for the sweep's parameters.

    Sampling is done in the unit hypercube (``unit=True``) and mapped to each
    parameter's range or levels; the analyser only needs the names.
    """
    names = [p.name for p in spec.parameters]
    bounds = [
        [0.0, 1.0] if unit or not p.is_range else [float(p.low), float(p.high)]
        for p in spec.parameters
    ]
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def _point_values(spec: SweepSpec, unit: np.ndarray | None) -> list[dict[str, Any]]:
    if unit is None:
        grids = [p.grid_values() for p in spec.parameters]
        return [
            {p.name: value for p, value in zip(spec.parameters, combo, strict=True)}
            for combo in itertools.product(*grids)
        ]
    return [
        {p.name: p.from_unit(float(u)) for p, u in zip(spec.parameters, row, strict=True)}
        for row in unit
    ]


def _column(values: list[Any]) -> pd.Series:
    """One typed column per parameter (non-scalar levels stored as JSON text)."""
    if all(isinstance(v, bool) for v in values):
        return pd.Series(values, dtype=bool)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pd.Series(values, dtype="int64")
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pd.Series(values, dtype="float64")
    if all(isinstance(v, str) for v in values):
        return pd.Series(values, dtype="string")
    return pd.Series(
        [v if isinstance(v, str) else json.dumps(v, sort_keys=True) for v in values],
        dtype="string",
    )


def build_design(spec: SweepSpec) -> Design:
    """Expand ``spec`` into its points and its seeded runs, validating every point.

    Each point's settings are applied to the base scenario once here, so a
    combination the scenario refuses (e.g. more sites than students allow) is
    reported before any run starts.
    """
    unit = unit_sample(spec)
    values = _point_values(spec, unit)
    scenario = spec.scenario
    if scenario is not None:
        for index, point in enumerate(values):
            try:
                scenario.with_overrides(point)
            except WorkbenchError as error:
                raise SweepError(
                    f"{spec.source}: design point {index} {point}: {short(str(error).removeprefix('override: '))}"
                ) from None
    points = pd.DataFrame({"point": np.arange(len(values), dtype=np.int64)})
    for p in spec.parameters:
        points[p.name] = _column([v[p.name] for v in values])

    n, r = len(values), spec.replications
    if spec.design.seeds == "common":
        common = derive_seeds(spec.seed, r)
        seeds = [common[k] for _ in range(n) for k in range(r)]
    else:
        seeds = [s for i in range(n) for s in derive_seeds(spec.seed, r, i)]
    runs = pd.DataFrame(
        {
            "run_id": pd.Series([run_id(i, k) for i in range(n) for k in range(r)], dtype="string"),
            "point": np.repeat(np.arange(n, dtype=np.int64), r),
            "replication": np.tile(np.arange(r, dtype=np.int64), n),
            "seed": np.asarray(seeds, dtype=np.uint64),
        }
    )
    runs = runs.merge(points, on="point", how="left", sort=False)
    return Design(points=points, runs=runs, values=tuple(values), unit=unit)
