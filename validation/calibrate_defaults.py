"""Calibrate the Dynamics defaults on the validation cases by history matching.

Usage (from the repository root; about 6 minutes on 2 cores)::

    .venv/bin/python validation/calibrate_defaults.py [--points 200 --refocus 150 --workers 2]

What it does (see docs/validation.md, "Calibration of defaults"):

1. Wave 1: a Latin hypercube (scipy.stats.qmc) of ``--points`` parameter
   vectors over the prior box :data:`BOUNDS` (8 parameters of
   :class:`workbench.scenario.Dynamics`); each is simulated for
   ``--replications`` replications of every validation arm
   (:func:`workbench.validation.runner.summary_statistics`), giving the
   cases' statistics.
2. One Gaussian-process emulator per statistic (scikit-learn), history
   matching against each published figure and its uncertainty
   (implausibility < 3 for every statistic): the NROY space.
3. Wave 2: ``--refocus`` new runs inside the wave-1 NROY space; emulators
   refitted on all runs (20% of wave 2 held out to score them); NROY again.
4. The surrogate posterior's mode is the proposed default; its 95%
   intervals over the NROY space are the parameters' uncertainty.

Writes ``validation/calibration/``: ``runs.csv`` (every simulated design
point and its statistics), ``posterior.csv`` (NROY samples and weights) and
``calibration.json`` (bounds, mode, mean, intervals, NROY shares, emulator
hold-out R²). Applying the mode to ``workbench/scenario.py`` is a reviewed,
separate commit.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from workbench.validation.cases import load_cases
from workbench.validation.history_matching import HistoryMatcher, Target
from workbench.validation.runner import summary_statistics

# prior box: wide, plausible ranges of the mechanisms the cases inform
BOUNDS: dict[str, tuple[float, float]] = {
    "belonging_gain": (0.003, 0.03),  # effect sizes (overall, cross-age)
    "supervision_boost": (0.0, 3.0),  # supervision moderator
    "quality_base": (-2.5, 0.5),  # quality level: leverage of supervision, closure
    "quality_affinity": (0.0, 4.0),  # similarity -> quality (Eby)
    "quality_trust": (0.0, 3.0),  # what a rematch loses (trust reset)
    "closure_penalty": (0.0, 0.3),  # harm of early closure (Grossman & Rhodes)
    "dropout_threshold": (0.15, 0.5),  # early closure rate (Kupersmidt)
    "drift": (0.005, 0.06),  # persistence of gains and harms
}
OUT = Path(__file__).with_name("calibration")


def _evaluate(args: tuple[dict[str, float], int, int, int]) -> dict[str, float]:
    dynamics, replications, cohort_size, seed = args
    return summary_statistics(load_cases(), dynamics, replications, cohort_size, seed)


def targets_from_cases() -> list[Target]:
    """One history-matching target per check of the case file."""
    book = load_cases()
    return [
        Target(f"{case.id}.{check.id}", check.sd, check.target, check.low, check.high)
        for case, check in book.checks()
    ]


def simulate_design(
    X: np.ndarray, replications: int, cohort_size: int, seed: int, workers: int, wave: int
) -> pd.DataFrame:
    """Statistics of every design point (rows of ``X``), in parallel processes."""
    jobs = [
        (dict(zip(BOUNDS, map(float, x), strict=True)), replications, cohort_size, seed) for x in X
    ]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        stats = list(
            tqdm(pool.map(_evaluate, jobs), total=len(jobs), desc=f"wave {wave}", unit="point")
        )
    frame = pd.DataFrame(X, columns=list(BOUNDS))
    frame.insert(0, "wave", wave)
    return pd.concat([frame, pd.DataFrame(stats)], axis=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200, help="wave-1 design points")
    parser.add_argument("--refocus", type=int, default=150, help="wave-2 design points")
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--cohort-size", type=int, default=300)
    parser.add_argument("--candidates", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    book = load_cases()
    sim_seed = book.settings.seed + 1  # not the validation's seed: no fitting to its noise
    targets = targets_from_cases()
    names = [t.name for t in targets]
    matcher = HistoryMatcher(BOUNDS, targets, random_state=args.seed)

    # wave 1: space-filling design over the prior box
    wave1 = simulate_design(
        matcher.design(args.points), args.replications, args.cohort_size, sim_seed, args.workers, 1
    )
    matcher.fit(wave1[list(BOUNDS)].to_numpy(), {n: wave1[n].to_numpy() for n in names})
    first = matcher.posterior(args.candidates)
    print(f"wave 1: NROY share {first.nroy_share:.4f} of the prior box")

    # wave 2: refocus inside wave 1's NROY space
    nroy1 = first.samples[list(BOUNDS)].to_numpy()
    pick = np.random.default_rng(args.seed).choice(
        len(nroy1), size=min(args.refocus, len(nroy1)), replace=False
    )
    wave2 = simulate_design(
        nroy1[pick], args.replications, args.cohort_size, sim_seed, args.workers, 2
    )
    holdout = wave2.sample(frac=0.2, random_state=args.seed)
    train = pd.concat([wave1, wave2.drop(holdout.index)], ignore_index=True)
    matcher.fit(train[list(BOUNDS)].to_numpy(), {n: train[n].to_numpy() for n in names})
    r2 = matcher.score(holdout[list(BOUNDS)].to_numpy(), {n: holdout[n].to_numpy() for n in names})
    runs = pd.concat([wave1, wave2], ignore_index=True)
    matcher.fit(runs[list(BOUNDS)].to_numpy(), {n: runs[n].to_numpy() for n in names})
    second = matcher.posterior(args.candidates, within=nroy1)
    print(f"wave 2: NROY share {second.nroy_share:.4f} of wave 1's NROY bounding box")

    mode = {name: float(f"{second.mode[name]:.3g}") for name in BOUNDS}
    predicted, variance = matcher.predict(np.array([[mode[n] for n in BOUNDS]]))
    OUT.mkdir(exist_ok=True)
    runs.to_csv(OUT / "runs.csv", index=False)
    second.samples.to_csv(OUT / "posterior.csv", index=False)
    report = {
        "bounds": BOUNDS,
        "design": {
            "wave1_points": args.points,
            "wave2_points": len(wave2),
            "replications": args.replications,
            "cohort_size": args.cohort_size,
            "simulation_seed": sim_seed,
            "candidates": args.candidates,
            "cutoff": matcher.cutoff,
        },
        "nroy_share": {"wave1": first.nroy_share, "wave2": second.nroy_share},
        "nroy_samples": len(second.samples),
        "mode": mode,
        "mean": {k: float(v) for k, v in second.mean.items()},
        "intervals95": {
            k: [float(v["low"]), float(v["high"])] for k, v in second.intervals.iterrows()
        },
        "emulator_holdout_r2": {k: float(v) for k, v in r2.items()},
        "predicted_at_mode": {
            n: [float(predicted[n][0]), float(np.sqrt(variance[n][0]))] for n in names
        },
        "runtime_seconds": time.perf_counter() - started,
    }
    (OUT / "calibration.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(
        json.dumps({k: report[k] for k in ("mode", "intervals95", "emulator_holdout_r2")}, indent=2)
    )
    print(f"wrote {OUT}/ in {report['runtime_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
