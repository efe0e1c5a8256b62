"""Screen candidate worlds against the calibration cases: keep only worlds the evidence allows.

The calibrated parameters come from a posterior fitted on the validation
cases, but the assumptions are drawn over their plausible ranges
independently of it. Some combinations contradict the very cases the
defaults were fitted on (a program that lowers belonging, half the matches
closing early). Screening runs every candidate world through the
calibration checks with the real simulator (:func:`workbench.validation.validation_target`,
300 students per arm, :data:`SEEDS` replications) and rules out a world when
any check is implausible (history matching: Craig et al. 1997; Vernon et al. 2010)::

    I_k = |mean_k − observed_k| / sqrt(sd_k² + noise_k² / R)

``sd_k`` is the check's published uncertainty (widened by heterogeneity, as
the case file gives it), ``noise_k²`` the variance of one replication
(pooled over candidates from the spread between their replications), ``R``
the replications averaged. A world is kept when its largest ``I_k`` is below
:data:`CUTOFF` (3, Pukelsheim's three-sigma rule). The largest, not the second
largest the calibration uses with its emulators: here every figure is a real
run, so one check far off is a real contradiction.

The screened candidates ship with the package (``screened.csv`` and
``screened.json``); ``validation/screen_worlds.py`` rebuilds them and a test
re-runs a few rows to check the file still matches the model.

Examples
--------
>>> import numpy as np
>>> means = np.array([[0.21, 0.38], [-0.10, 0.38]])
>>> implausibility_table(means, np.array([0.21, 0.38]), np.array([0.045, 0.04]),
...                      np.array([0.0, 0.0]), replications=2).round(2).tolist()
[[0.0, 0.0], [6.89, 0.0]]
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.calibration.history import implausibility
from workbench.seeding import derive_seeds
from workbench.worlds.plausible import PlausibleWorlds

#: Largest implausibility a kept world may have (three-sigma rule).
CUTOFF = 3.0
#: Replications (simulator seeds) per candidate world.
SEEDS = 2
#: Root of the replications' seeds (:func:`workbench.seeding.derive_seeds`).
ROOT_SEED = 20261201
#: Prefixes of the screened file's columns.
MEAN = "sim."
IMPLAUSIBILITY = "I."


@dataclass(frozen=True)
class Checks:
    """The calibration checks a world is screened on: names, published figures and sds."""

    names: list[str]
    observed: np.ndarray
    sd: np.ndarray


@functools.cache
def _calibration_target() -> Any:
    """The validation target of role ``calibration``, built once per process."""
    from workbench.validation import validation_target

    return validation_target(role="calibration")


def calibration_checks() -> Checks:
    """The validation checks of role ``calibration``, as the calibration fitted them."""
    target = _calibration_target()
    return Checks(list(target.names), target.observed.copy(), np.sqrt(np.diag(target.covariance)))


def replication_seeds(count: int = SEEDS) -> list[int]:
    """The simulator seeds of the screening's replications (the same for every world)."""
    return derive_seeds(ROOT_SEED, count)


def world_values(row: dict[str, Any], seeds: Sequence[int]) -> np.ndarray:
    """``(len(seeds), k)`` calibration summaries of one world (one row per replication)."""
    target = _calibration_target()
    return np.array([target.simulate(row, int(seed)) for seed in seeds])


def implausibility_table(
    means: np.ndarray,
    observed: np.ndarray,
    sd: np.ndarray,
    noise_sd: np.ndarray,
    replications: int,
) -> np.ndarray:
    """``(worlds, k)`` implausibility of each world's mean summaries (module docstring)."""
    return implausibility(
        observed[None, :], means, sd[None, :] ** 2, (noise_sd[None, :] ** 2) / replications
    )


def pooled_noise_sd(values: np.ndarray) -> np.ndarray:
    """One replication's sd per summary, pooled over worlds: ``values`` is (worlds, R, k).

    With ``R`` replications per world, the within-world variance (ddof 1)
    averaged over worlds estimates the variance of one replication.
    """
    if values.shape[1] < 2:
        raise ValueError("pooled_noise_sd: need at least two replications per world")
    return np.sqrt(values.var(axis=1, ddof=1).mean(axis=0))


def screen(
    candidates: PlausibleWorlds,
    *,
    seeds: int = SEEDS,
    cutoff: float = CUTOFF,
    workers: int = 1,
    progress: bool = True,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Run every candidate world through the calibration checks; keep the plausible ones.

    Returns the candidates' table with, per check, the mean simulated figure
    (``sim.CHECK``) and its implausibility (``I.CHECK``), the largest
    (``I_max``) and ``kept``; and the screening's facts (for ``screened.json``).
    """
    from tqdm.auto import tqdm

    checks = calibration_checks()
    rows = [
        {name: _plain(value) for name, value in row.items()}
        for row in candidates.table.to_dict("records")
    ]
    chosen = replication_seeds(seeds)
    start = time.perf_counter()
    with tqdm(total=len(rows), desc="screening worlds", unit="world", disable=not progress) as bar:
        if workers <= 1:
            values = []
            for row in rows:
                values.append(world_values(row, chosen))
                bar.update()
        else:
            with ProcessPoolExecutor(workers) as pool:
                values = []
                for out in pool.map(world_values, rows, [chosen] * len(rows), chunksize=4):
                    values.append(out)
                    bar.update()
    stacked = np.stack(values)  # (worlds, R, k)
    noise = pooled_noise_sd(stacked)
    means = stacked.mean(axis=1)
    scores = implausibility_table(means, checks.observed, checks.sd, noise, seeds)
    table = candidates.table.copy()
    for j, name in enumerate(checks.names):
        table[MEAN + name] = means[:, j]
    for j, name in enumerate(checks.names):
        table[IMPLAUSIBILITY + name] = scores[:, j]
    table["I_max"] = scores.max(axis=1)
    table["kept"] = table["I_max"] < cutoff
    facts = {
        "candidates": len(table),
        "kept": int(table["kept"].sum()),
        "candidate_seed": candidates.seed,
        "posterior_id": candidates.posterior_id,
        "posterior_samples": candidates.posterior_samples,
        "how": dict(candidates.how),
        "replications": seeds,
        "replication_root_seed": ROOT_SEED,
        "cutoff": cutoff,
        "checks": {
            name: {"observed": float(o), "sd": float(s), "noise_sd": float(n)}
            for name, o, s, n in zip(checks.names, checks.observed, checks.sd, noise, strict=True)
        },
        "ruled_out_by": {
            name: int((scores[:, j] >= cutoff).sum()) for j, name in enumerate(checks.names)
        },
        "seconds": round(time.perf_counter() - start, 1),
        "workers": workers,
    }
    return table, facts


def write_screened(table: pd.DataFrame, facts: dict[str, Any], folder: Path) -> None:
    """Write ``screened.csv`` and ``screened.json`` into ``folder``: both or neither."""
    from workbench.output import atomic_files

    with atomic_files([folder / "screened.csv", folder / "screened.json"]) as (csv, meta):
        csv.write_text(table.to_csv(float_format="%.17g"), encoding="utf-8")
        meta.write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def default_workers() -> int:
    """Processes for screening: the machine's cores."""
    return max(1, os.cpu_count() or 1)
