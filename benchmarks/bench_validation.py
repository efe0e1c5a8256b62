"""Benchmark the validation suite: wall-clock and CPU time of the quick and the full run.

Run from the repository root::

    .venv/bin/python benchmarks/bench_validation.py [--repeat 3]

Prints, for ``--quick`` (what CI runs) and the full run, the number of
simulation runs, the best wall-clock time over ``--repeat`` repetitions, the
CPU time, and the time per simulated arm (one cohort through one program year,
survey measurement included).
"""

from __future__ import annotations

import argparse
import time

from workbench.validation import load_cases, run_validation


def measure(quick: bool, repeat: int) -> dict[str, float]:
    book = load_cases()
    best_wall = best_cpu = float("inf")
    runs = 0
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run_validation(book, quick=quick, progress=False)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        runs = result.settings["runs"]
    return {
        "runs": runs,
        "wall_s": best_wall,
        "cpu_s": best_cpu,
        "ms_per_run": 1e3 * best_wall / runs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    for quick in (True, False):
        row = measure(quick, args.repeat)
        label = "quick" if quick else "full"
        print(
            f"{label:>5}: {row['runs']:4d} runs, best of {args.repeat}: {row['wall_s']:.1f} s wall, "
            f"{row['cpu_s']:.1f} s CPU, {row['ms_per_run']:.0f} ms per run"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
