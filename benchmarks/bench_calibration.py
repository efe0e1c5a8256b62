"""Benchmark the survey calibration: speed of the default fit, and parameter recovery.

Speed (the issue's target: 4 parameters, 300-student 2-wave survey, < 5 min on 2 cores;
all 300 respondents, two simulator processes)::

    .venv/bin/python benchmarks/bench_calibration.py speed [--jobs 1] [--participants-only]

Recovery: surveys simulated from the model at known parameter values (drawn
inside the prior box), passed through the measurement model, then calibrated;
reports how often the 90% credible intervals cover the truth and how wide they
are, for two cohort sizes::

    .venv/bin/python benchmarks/bench_calibration.py recovery --trials 10 --students 300 1200

Writes a CSV of every trial beside the printed summary when ``--out`` is given.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

import workbench
from workbench.calibration import calibrate, parse_parameter
from workbench.calibration.survey_target import latent_waves, survey_target
from workbench.commands.calibrate import DEFAULT_PARAMETERS
from workbench.survey import load_survey

ROOT = Path(__file__).resolve().parents[1]
SURVEY = ROOT / "examples" / "survey_synthetic.csv"
CODEBOOK = ROOT / "examples" / "codebook_synthetic.toml"
SCENARIO = ROOT / "scenarios" / "baseline.toml"


def speed(budget: int, jobs: int, participants_only: bool) -> None:
    survey = load_survey(SURVEY, CODEBOOK)
    scenario = workbench.load_scenario(SCENARIO)
    parameters = [parse_parameter(p) for p in DEFAULT_PARAMETERS]
    start = time.perf_counter()
    target = survey_target(scenario, survey, participants_only=participants_only)
    result = calibrate(target, parameters, budget=budget, progress=False, workers=jobs)
    seconds = time.perf_counter() - start
    print(result.report())
    print(
        f"\nspeed: {len(parameters)} parameters, {target.info['respondents']} respondents, "
        f"{len(target.observed)} summaries, {result.diagnostics['runs']} simulator runs: "
        f"{seconds:.1f} s ({seconds / 60:.2f} min) with {jobs} process(es)"
    )


def recovery(trials: int, sizes: list[int], budget: int, out: Path | None) -> None:
    survey = load_survey(SURVEY, CODEBOOK)
    scenario = workbench.load_scenario(SCENARIO)
    parameters = [parse_parameter(p) for p in DEFAULT_PARAMETERS]
    template = survey_target(scenario, survey)
    model = template.info["measurement"]
    base = template.info["scenario"]
    groups = template.info["groups"]
    weeks = dict(model.codebook_.waves)
    rows = []
    for size in sizes:
        for trial in range(trials):
            rng = np.random.default_rng([size, trial])
            truth = {p.name: p.low + p.width * rng.uniform(0.2, 0.8) for p in parameters}
            generating = base.with_overrides({**truth, "cohort.size": size})
            seed = int(rng.integers(2**31))
            table = latent_waves(generating, weeks, list(model.latents), groups, seed, True)
            observed = model.simulate_survey(table, rng=seed)
            target = survey_target(
                base, observed, measurement=model, participants_only=False, anchor_start=False
            )
            start = time.perf_counter()
            result = calibrate(target, parameters, budget=budget, rng=trial, progress=False)
            seconds = time.perf_counter() - start
            for row in result.intervals.itertuples():
                rows.append(
                    {
                        "students": size,
                        "trial": trial,
                        "parameter": row.parameter,
                        "truth": truth[row.parameter],
                        "median": row.median,
                        "q05": row.q05,
                        "q95": row.q95,
                        "covered": row.q05 <= truth[row.parameter] <= row.q95,
                        "width_share": row.width_share,
                        "identified": row.identified,
                        "seconds": seconds,
                    }
                )
            print(
                f"n={size} trial {trial}: "
                + ", ".join(
                    f"{r['parameter'].split('.')[-1]} {'ok' if r['covered'] else 'MISS'}"
                    for r in rows[-len(parameters) :]
                )
                + f" ({seconds:.0f} s)",
                flush=True,
            )
    frame = pd.DataFrame(rows)
    summary = frame.groupby(["students", "parameter"]).agg(
        coverage=("covered", "mean"), width_share=("width_share", "mean"), trials=("trial", "size")
    )
    print("\n90% interval coverage and mean width (share of the prior range):")
    print(summary.round(3).to_string())
    print(
        "overall coverage by cohort size:",
        frame.groupby("students")["covered"].mean().round(3).to_dict(),
    )
    if out is not None:
        frame.to_csv(out, index=False)
        print(f"wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    fast = sub.add_parser("speed")
    fast.add_argument("--budget", type=int, default=800)
    fast.add_argument("--jobs", type=int, default=2, help="simulator processes (2 cores: 2)")
    fast.add_argument(
        "--participants-only",
        action="store_true",
        help="fit only the students who took part (194 of the example's 300)",
    )
    slow = sub.add_parser("recovery")
    slow.add_argument("--trials", type=int, default=10)
    slow.add_argument("--students", type=int, nargs="+", default=[300, 1200])
    slow.add_argument("--budget", type=int, default=500)
    slow.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.mode == "speed":
        speed(args.budget, args.jobs, args.participants_only)
    else:
        recovery(args.trials, args.students, args.budget, args.out)


if __name__ == "__main__":
    main()
