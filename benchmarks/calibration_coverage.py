"""Coverage of the survey calibration's 90% intervals over repeated parameter recovery.

Each run: draw true parameters from the central 60% of the default prior ranges,
simulate a survey shaped like the synthetic example (same codebook, size, groups,
measurement model) at the truth, calibrate the default four parameters with the
default budget, and record whether each 90% interval covers the truth and each
parameter's status. Costly (one full calibration per run): run it by hand, e.g.

    nice -n 19 python benchmarks/calibration_coverage.py --runs 20 --out coverage.csv

Rows are appended as runs finish, so a long job can be watched (and stopped).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

import workbench
from workbench.calibration import calibrate, simulate_survey_for, survey_target
from workbench.calibration.target import DEFAULT_PARAMETERS, parse_parameter

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--budget", type=int, default=800)
    parser.add_argument("--out", type=Path, default=Path("calibration_coverage.csv"))
    args = parser.parse_args()
    scenario = workbench.load_scenario(ROOT / "scenarios" / "baseline.toml")
    survey = workbench.load_survey(
        ROOT / "examples" / "survey_synthetic.csv", ROOT / "examples" / "codebook_synthetic.toml"
    )
    shaped = survey_target(scenario, survey)
    parameters = [parse_parameter(p) for p in DEFAULT_PARAMETERS]
    rng = np.random.default_rng(20261130)
    for run in range(args.runs):
        truth = {p.name: p.low + p.width * rng.uniform(0.2, 0.8) for p in parameters}
        fake = simulate_survey_for(shaped, truth, seed=10_000 + run)
        start = time.perf_counter()
        result = calibrate(scenario, parameters, survey=fake, rng=run, progress=False)
        seconds = time.perf_counter() - start
        rows = []
        for row in result.intervals.itertuples():
            rows.append(
                {
                    "run": run,
                    "parameter": row.parameter,
                    "truth": truth[row.parameter],
                    "q05": row.q05,
                    "q95": row.q95,
                    "covered": bool(row.q05 <= truth[row.parameter] <= row.q95),
                    "width_share": row.width_share,
                    "status": row.status,
                    "fits": result.fits,
                    "seconds": seconds,
                }
            )
        pd.DataFrame(rows).to_csv(args.out, mode="a", header=run == 0, index=False)
        print(
            f"run {run}: {seconds:.0f} s, covered {sum(r['covered'] for r in rows)}/4", flush=True
        )


if __name__ == "__main__":
    main()
