"""Sweep throughput: runs/s serially and on 2 worker processes, against the machine's ceiling.

Measures, in one process and one sitting:

1. the ceiling: the speed-up a pure CPU-bound Python loop gets from a pool of
   2 processes (``spin``; shared 2-vCPU machines give far less than 2x);
2. bare simulation: ``workbench.simulate`` called in a loop on the same runs
   (300 students, 36 weeks; no sweep machinery);
3. the sweep, serially (``workers=1``) and on 2 processes, storing every run
   in a Parquet result store exactly as ``workbench sweep`` does.

Pools are started (and warmed) before timing, once per measurement: pool
start-up (spawn, importing the package) is reported on its own. Reported:
runs/s, the sweep's 2-process speed-up as a share of the ceiling, and the
per-run overhead of the machinery (design, pickling, labelling, Arrow
conversion, Parquet writes) relative to a bare run.

Usage::

    .venv/bin/python benchmarks/bench_sweep.py [--runs 60] [--repeat 2]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def spin(n: int) -> int:
    """Pure CPU-bound work: no memory traffic, no I/O, no GIL release."""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def time_spin(n: int, chunks: int, pool: cf.ProcessPoolExecutor | None) -> float:
    start = time.perf_counter()
    if pool is None:
        for _ in range(chunks):
            spin(n)
    else:
        list(pool.map(spin, [n] * chunks))
    return time.perf_counter() - start


def calibrate_spin(target_seconds: float) -> int:
    n = 100_000
    while True:
        start = time.perf_counter()
        spin(n)
        elapsed = time.perf_counter() - start
        if elapsed > 0.02:
            return max(1, int(n * target_seconds / elapsed))
        n *= 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60, help="runs per measurement (even)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds")
    args = parser.parse_args()

    import workbench
    from workbench.experiments import ProcessExecutor, load_results, sweep
    from workbench.experiments.design import build_design
    from workbench.experiments.runner import as_spec

    base = ROOT / "scenarios" / "baseline.toml"
    spec = as_spec(_spec_dict(base, args.runs // 2))
    design = build_design(spec)
    scenarios = [spec.scenario.with_overrides(v) for v in design.values]
    tasks = [
        (scenarios[int(p)], int(s))
        for p, s in zip(design.runs["point"], design.runs["seed"], strict=True)
    ]
    n_runs = len(tasks)
    scenario = scenarios[0]
    print(
        f"scenario: {scenario.cohort.size} students x {scenario.levers.weeks} weeks; "
        f"{n_runs} runs per measurement; {args.repeat} interleaved rounds; "
        f"workbench {workbench.__version__}, {multiprocessing.cpu_count()} CPUs"
    )

    workbench.simulate(scenario, rng=0)  # warm caches and imports
    n = calibrate_spin(_bare(workbench.simulate, tasks[:4]) / 4)
    warm = as_spec({**_spec_dict(base, 1), "seed": 2})
    rounds = []
    with tempfile.TemporaryDirectory() as folder:
        counter = iter(range(1_000_000))

        def run_sweep(which=spec, **kw):
            return sweep(which, Path(folder) / f"s{next(counter)}", progress=False, **kw)

        start = time.perf_counter()
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(2, mp_context=ctx) as pool, ProcessExecutor(2) as executor:
            list(pool.map(spin, [1000, 1000]))  # start the loop's two workers
            run_sweep(warm, executor=executor)  # start and warm the sweep's two workers
            startup = time.perf_counter() - start
            # interleaved rounds: on a shared machine the load drifts, so each round
            # measures everything within a few seconds and ratios come from one round
            for _ in range(args.repeat):
                bare = _bare(workbench.simulate, tasks)
                serial = run_sweep(workers=1)
                inside = load_results(serial.path, tables=()).outcomes["seconds"].sum()
                cpu = time.process_time()  # the sweep process itself, all its threads
                parallel = run_sweep(executor=executor).seconds
                driver = time.process_time() - cpu
                spin_serial = time_spin(n, n_runs, None)
                spin_pool = time_spin(n, n_runs, pool)
                rounds.append(
                    {
                        "bare": bare,
                        "serial": serial.seconds,
                        "inside": inside,
                        "parallel": parallel,
                        "ceiling": spin_serial / spin_pool,
                        "speedup": serial.seconds / parallel,
                        "driver_cpu": driver,
                    }
                )
    table = pd.DataFrame(rounds)
    table["efficiency"] = table["speedup"] / table["ceiling"]
    table["overhead_vs_bare"] = table["serial"] / table["bare"] - 1
    table["overhead_in_sweep"] = table["serial"] / table["inside"] - 1
    best = table.loc[table["efficiency"].idxmax()]
    print(table.round(3).to_string())
    print()
    print(
        f"bare workbench.simulate              {n_runs / table['bare'].min():6.2f} runs/s (best round)"
    )
    print(f"sweep, serial, store included        {n_runs / table['serial'].min():6.2f} runs/s")
    print(f"sweep, 2 processes, store included   {n_runs / table['parallel'].min():6.2f} runs/s")
    print(
        f"2-process speed-up: sweep x{table['speedup'].median():.2f}, CPU-bound loop "
        f"x{table['ceiling'].median():.2f} (medians) -> sweep at "
        f"{table['efficiency'].median():.0%} of the ceiling (median; best round "
        f"{best['efficiency']:.0%})"
    )
    print(
        f"per-run overhead: {table['overhead_in_sweep'].median():+.1%} of the time inside "
        f"the model (same sweep), {table['overhead_vs_bare'].median():+.1%} vs bare simulate "
        "(medians)"
    )
    driver_ms = table["driver_cpu"].median() / n_runs * 1000
    run_ms = table["inside"].median() / n_runs * 1000
    print(
        f"sweep process CPU per run on the pool (receive, label, encode, write): {driver_ms:.1f} ms "
        f"= {driver_ms / run_ms:.1%} of a run's {run_ms:.0f} ms; with 2 workers on 2 cores it "
        f"costs the pool at most ~{driver_ms / (2 * run_ms):.1%} of its throughput"
    )
    print(f"pool start-up (spawn + import + warm-up), once per sweep: {startup:.1f} s")


def _spec_dict(base: Path, replications: int) -> dict:
    return {
        "base": str(base),
        "seed": 1,
        "replications": replications,
        "parameters": {"levers.mentor_training": {"levels": [0.3, 0.7]}},
    }


def _bare(simulate, tasks) -> float:
    start = time.perf_counter()
    for scenario, seed in tasks:
        simulate(scenario, rng=seed).tables()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
