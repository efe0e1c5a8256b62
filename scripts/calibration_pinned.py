"""Fingerprints of :func:`workbench.calibration.calibrate` on small analytic targets.

``tests/test_calibration_pinned.py`` checks that a refactor of the calibration
leaves every table of the result bit-identical (to 12 significant digits) for
the same ``rng``. The targets are pure numpy (no Mesa model), so model changes
do not move them; a change meant to alter the method regenerates the file and
says so in its commit::

    .venv/bin/python scripts/calibration_pinned.py > tests/data/calibration_pinned.json

Each case takes a different path through the method: several waves with NROY
refills, one wave, a target no parameter value reproduces (no-match waves), a posterior piled
at a bound, a
held-out summary, ``noise="simulator"``, many summaries (second-largest
implausibility), a parameter the data do not inform, a trade-off between two
parameters, and an importance sampler that needs its adaptive steps.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections.abc import Callable

import numpy as np
import pandas as pd

from workbench.calibration import CalibrationResult, Parameter, Target, calibrate

NOISE = 0.03


def _toy(params: dict, seed: int) -> np.ndarray:
    a, b = params["a"], params["b"]
    rng = np.random.default_rng(seed)
    return np.array([a + b, 2 * a * b, np.sin(3 * a), b**2, 0.3 * a + 0.1]) + rng.normal(
        0, NOISE, 5
    )


def _many(params: dict, seed: int) -> np.ndarray:
    """Twelve summaries of two parameters that only their sum and a weak ratio inform."""
    a, b = params["a"], params["b"]
    t = np.linspace(0.1, 1.2, 12)
    rng = np.random.default_rng(seed)
    return (a + b) * t + 0.1 * np.sin(4 * a * t) + rng.normal(0, 0.05, 12)


def _edge(params: dict, seed: int) -> np.ndarray:
    """The data want a > 1: the posterior piles at the upper bound."""
    return np.array([params["a"], 2 * params["b"]]) + np.random.default_rng(seed).normal(0, 0.05, 2)


def _impossible(params: dict, seed: int) -> np.ndarray:
    return np.array([params["a"], params["a"]]) + np.random.default_rng(seed).normal(0, 0.01, 2)


def cases() -> dict[str, Callable[[], CalibrationResult]]:
    abc = [Parameter("a", 0, 1), Parameter("b", 0, 1), Parameter("c", 0, 1)]
    toy = Target(
        _toy,
        observed=_toy({"a": 0.4, "b": 0.6}, 5),
        covariance=np.eye(5) * NOISE**2,
        names=["sum", "product", "sine", "square", "linear"],
    )
    many = Target(
        _many,
        observed=_many({"a": 0.3, "b": 0.5}, 11),
        covariance=np.eye(12) * 0.05**2,
        names=[f"t{k}" for k in range(12)],
        discrepancy=np.full(12, 1e-4),
        noise="simulator",
    )
    impossible = Target(
        _impossible,
        observed=np.array([0.1, 0.9]),
        covariance=np.eye(2) * 0.01**2,
        names=["x", "y"],
    )
    edge = Target(
        _edge, observed=np.array([1.02, 1.0]), covariance=np.eye(2) * 0.05**2, names=["x", "y"]
    )
    quiet = {"progress": False}
    return {
        "toy, two waves, c inert": lambda: calibrate(toy, abc, budget=150, waves=2, rng=3, **quiet),
        "toy, three waves, held out, 1000 draws": lambda: calibrate(
            toy, abc[:2], budget=200, waves=3, holdout=["square"], n_samples=1000, rng=7, **quiet
        ),
        "toy, one wave, three seeds a point": lambda: calibrate(
            toy, abc[:2], budget=100, waves=1, seeds_per_point=3, confirm=13, rng=1, **quiet
        ),
        "twelve summaries, simulator noise, trade-off": lambda: calibrate(
            many, abc[:2], budget=160, waves=2, cutoff=2.5, identifiability=0.4, rng=4, **quiet
        ),
        "posterior at the edge": lambda: calibrate(
            edge, abc[:2], budget=120, waves=2, rng=2, **quiet
        ),
        "impossible target": lambda: calibrate(
            impossible, abc[:1], budget=100, waves=2, rng=0, **quiet
        ),
    }


def _rounded(value):
    if isinstance(value, float | np.floating):
        value = float(value)
        return value if not math.isfinite(value) else float(f"{value:.12g}")
    if isinstance(value, dict):
        return {str(k): _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _table(frame: pd.DataFrame) -> str:
    text = frame.to_csv(index=False, float_format="%.12g", lineterminator="\n")
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(result: CalibrationResult) -> dict:
    """Hashes of every table, the diagnostics (rounded) and the warnings as text."""
    out = {
        name: _table(getattr(result, name))
        for name in ("samples", "intervals", "checks", "waves", "design")
    }
    out["diagnostics"] = hashlib.sha256(
        json.dumps(_rounded(result.diagnostics), sort_keys=True).encode()
    ).hexdigest()
    out["warnings"] = list(result.warnings)
    out["report"] = hashlib.sha256(result.report().encode()).hexdigest()
    return out


def fingerprints() -> dict[str, dict]:
    return {name: fingerprint(run()) for name, run in cases().items()}


if __name__ == "__main__":
    json.dump(fingerprints(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
