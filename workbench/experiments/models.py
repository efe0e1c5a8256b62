"""Models a sweep can run: a scenario simulation, or any importable function.

A model is a picklable callable ``model(point, seed) -> {table name: DataFrame}``
where ``point`` maps parameter names to values. It must be importable by name
(defined in a module, not in a notebook cell): process pools start their
workers with ``spawn`` (``import mesa`` selects it) and Dask workers run on
other machines, so the model travels by reference.

Examples
--------
>>> from workbench.scenario import Scenario
>>> model = ScenarioModel(Scenario().with_overrides({"cohort.size": 40, "levers.weeks": 3}))
>>> sorted(model({"levers.mentor_training": 0.9}, seed=1))
['gaps', 'links', 'metrics', 'run', 'students']
>>> float(ishigami({"x1": 0.0, "x2": 0.0, "x3": 0.0}, seed=0)["metrics"]["value"].iloc[0])
0.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from workbench.scenario import Scenario

Model = Callable[[dict[str, Any], int], Mapping[str, pd.DataFrame]]


class ScenarioModel:
    """Run ``workbench.simulation.simulate(base.with_overrides(point), rng=seed)`` and return its tables."""

    def __init__(self, base: Scenario) -> None:
        self.base = base

    def __call__(self, point: dict[str, Any], seed: int) -> dict[str, pd.DataFrame]:
        from workbench.simulation import simulate

        return simulate(self.base.with_overrides(point), rng=seed).tables()

    def __repr__(self) -> str:
        return f"ScenarioModel({self.base.name!r}, hash={self.base.hash()})"


def ishigami(
    point: dict[str, Any], seed: int, a: float = 7.0, b: float = 0.1
) -> dict[str, pd.DataFrame]:
    """The Ishigami–Homma test function (SALib's) as a sweep model with known Sobol' indices.

    ``y = sin x1 + a sin^2 x2 + b x3^4 sin x1`` on ``x_i`` in [-pi, pi]; returned
    as a one-row ``metrics`` table (metric ``"y"``) so the sensitivity analysis
    reads it exactly as it reads a simulation. ``seed`` is unused (the function
    is deterministic); see :func:`ishigami_indices` for the exact answers.
    """
    from SALib.test_functions import Ishigami

    x = np.array([[point["x1"], point["x2"], point["x3"]]], dtype=float)
    y = float(Ishigami.evaluate(x, A=a, B=b)[0])
    return {
        "metrics": pd.DataFrame(
            {"week": [0], "attribute": ["all"], "group": ["all"], "metric": ["y"], "value": [y]}
        )
    }


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> pd.DataFrame:
    """Exact first-order (S1) and total (ST) Sobol' indices of :func:`ishigami`.

    From the analytic variance decomposition (Ishigami & Homma 1990; Saltelli
    et al. 2008, *Global Sensitivity Analysis: The Primer*).

    Examples
    --------
    >>> ishigami_indices().round(4).loc["x1", "S1"]
    np.float64(0.3139)
    """
    pi = np.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    total = v1 + v2 + v13
    return pd.DataFrame(
        {"S1": [v1 / total, v2 / total, 0.0], "ST": [(v1 + v13) / total, v2 / total, v13 / total]},
        index=pd.Index(["x1", "x2", "x3"], name="parameter"),
    )


def model_name(model: Callable[..., Any]) -> str:
    """``module:qualname`` of a model (recorded in the store's manifest)."""
    target = model if not isinstance(model, ScenarioModel) else type(model)
    module = getattr(target, "__module__", None) or type(target).__module__
    name = getattr(target, "__qualname__", None) or type(target).__qualname__
    return f"{module}:{name}"
