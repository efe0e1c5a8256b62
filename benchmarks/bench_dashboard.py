"""Time from a slider change to updated dashboard pictures, for 300 and 3,000 students.

Run:  .venv/bin/python benchmarks/bench_dashboard.py [--repeats 5] [--sizes 300 3000]

A :class:`workbench.widgets.Dashboard` starts from scenarios/baseline.toml at
each cohort size and is warmed up once. Then the "Mentor training" slider is
moved (``control.value = ...``, exactly what a browser's slider event does in
the kernel) and the clock runs until the pictures are replaced: first with the
first look (one run), then with all replications (bands). The times include
the simulation runs, the summaries and drawing the PNG pictures; each move
comes after a quiet spell, so it starts at once (the debounce only holds back
changes that come in a burst). Targets: under 0.3 s (300 students) and 1 s
(3,000) to the first updated picture.

On a shared machine the wall-clock times depend on the load, so the table
also gives the CPU seconds the process spent from the change to the first
picture: about the wall time on an idle core.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import workbench
from workbench.widgets import Dashboard

TARGETS = {300: 0.3, 3000: 1.0}


def measure(size: int, repeats: int, replications: int, debounce: float) -> dict[str, float]:
    scenario = workbench.load_scenario("scenarios/baseline.toml").with_overrides(
        {"cohort.size": size}
    )
    board = Dashboard(scenario, replications=replications, debounce=debounce)
    board.refresh(wait=True)  # warm-up: imports, fonts, first figure layout
    first, full, draw, cpu = [], [], [], []
    slider = board.controls["levers.mentor_training"]
    try:
        for k in range(repeats):
            count = board.publish_count
            started, cpu_started = time.perf_counter(), time.process_time()
            slider.value = 0.55 + 0.05 * (k % 8)
            board.wait_for_update(count)
            first.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            draw.append(board.current_data["draw_seconds"])
            board.wait()
            full.append(time.perf_counter() - started)
    finally:
        board.close()
    return {
        "first": statistics.median(first),
        "first_max": max(first),
        "full": statistics.median(full),
        "draw": statistics.median(draw),
        "cpu": statistics.median(cpu),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 3000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--debounce", type=float, default=0.1)
    args = parser.parse_args()
    print(
        f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}, "
        f"{args.replications} replications, debounce {args.debounce} s, "
        f"median of {args.repeats} slider moves"
    )
    print(
        f"{'students':>9} {'first look (s)':>15} {'max':>6} {'CPU (s)':>8} "
        f"{'all runs (s)':>13} {'drawing (s)':>12} {'target':>7}"
    )
    for size in args.sizes:
        m = measure(size, args.repeats, args.replications, args.debounce)
        target = TARGETS.get(size)
        verdict = "" if target is None else f"{'<' if m['first'] < target else '>'} {target}"
        print(
            f"{size:>9,} {m['first']:>15.3f} {m['first_max']:>6.2f} {m['cpu']:>8.3f} "
            f"{m['full']:>13.3f} {m['draw']:>12.3f} {verdict:>7}"
        )


if __name__ == "__main__":
    main()
