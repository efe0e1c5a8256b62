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
    parser.add_argument("--repeat", type=int, default=2, help="take the best of this many")
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
        f"{n_runs} runs per measurement; best of {args.repeat}; "
        f"workbench {workbench.__version__}, {multiprocessing.cpu_count()} CPUs"
    )

    workbench.simulate(scenario, seed=0)  # warm caches and imports
    run_seconds = _best(args.repeat, lambda: _bare(workbench.simulate, tasks)) / n_runs

    n = calibrate_spin(run_seconds)
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(2, mp_context=ctx) as pool:
        list(pool.map(spin, [1000, 1000]))  # start both workers
        spin_serial = _best(args.repeat, lambda: time_spin(n, n_runs, None))
        spin_pool = _best(args.repeat, lambda: time_spin(n, n_runs, pool))
    ceiling = spin_serial / spin_pool

    with tempfile.TemporaryDirectory() as folder:
        counter = iter(range(1_000_000))

        inside: dict[str, float] = {}

        def run_sweep(which=spec, **kw) -> float:
            out = Path(folder) / f"s{next(counter)}"
            report = sweep(which, out, progress=False, **kw)
            if "executor" not in kw:  # serial: time inside the model vs the whole sweep
                seconds = load_results(report.path, tables=()).outcomes["seconds"].sum()
                share = (report.seconds - seconds) / seconds
                inside["overhead"] = min(inside.get("overhead", share), share)
            return report.seconds

        warm = as_spec({**_spec_dict(base, 1), "seed": 2})

        serial = _best(args.repeat, lambda: run_sweep(workers=1))
        start = time.perf_counter()
        with ProcessExecutor(2) as executor:
            # start and warm both workers with a throw-away sweep
            run_sweep(warm, executor=executor)
            startup = time.perf_counter() - start
            parallel = _best(args.repeat, lambda: run_sweep(executor=executor))

    bare_rate = 1 / run_seconds
    serial_rate, parallel_rate = n_runs / serial, n_runs / parallel
    speedup = serial / parallel
    overhead = (serial / n_runs - run_seconds) / run_seconds
    print(
        f"ceiling: CPU-bound loop on 2 processes        x{ceiling:.2f} ({spin_serial:.2f} s -> {spin_pool:.2f} s)"
    )
    print(
        f"bare workbench.simulate                     {bare_rate:6.2f} runs/s ({run_seconds * 1000:.0f} ms/run)"
    )
    print(f"sweep, serial (store included)               {serial_rate:6.2f} runs/s")
    print(f"sweep, 2 worker processes (store included)   {parallel_rate:6.2f} runs/s")
    print(
        f"sweep speed-up on 2 processes               x{speedup:.2f} = {speedup / ceiling:.0%} of the ceiling"
    )
    print(
        f"per-run overhead vs bare simulate            {overhead:+.1%} of a run ({(serial / n_runs - run_seconds) * 1000:+.1f} ms)"
    )
    print(
        f"per-run overhead, same sweep (wall - model)  {inside['overhead']:+.1%} of the time inside the model"
    )
    print(f"pool start-up + warm-up sweep (once per pool) {startup:.1f} s")


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
        simulate(scenario, seed=seed).tables()
    return time.perf_counter() - start


def _best(repeat: int, measure) -> float:
    return min(measure() for _ in range(repeat))


if __name__ == "__main__":
    main()
