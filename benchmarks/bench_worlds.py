"""Speed of a verdict over plausible worlds: one stacked model per design vs separate runs.

Run:  .venv/bin/python benchmarks/bench_worlds.py [--worlds 200] [--quick]

Wall and CPU (process) time are both printed: on a shared machine the CPU time
says more about the code, the wall time about the wait.

Side by side in one process: ``workbench.worlds.verdict`` of design A (rotation
every 6 weeks, scenarios/rotation_periodic.toml) against design B (the default
program, scenarios/baseline.toml) over ``--worlds`` plausible worlds (300
students x 36 weeks each), and the same 2 x worlds runs as separate
``workbench.simulate`` calls (each with that world's parameters). Prints both
times, the ratio, and where the stacked run spends its time (building the model
and its Mesa agents, matching/rotation by the coordinator, the weekly rules, the
weekly group records). Issue 15's target: 200 worlds in under 3 s, at least 5x
faster than the separate runs. The verdict is timed without knock-outs
(``knockouts=0``): those are extra runs at the ends of assumptions' ranges,
not part of the 400 runs compared.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).parents[1]


#: The solver's share of the coordinator's time (a part of it, not a phase of its own).
SOLVER = "  of which scipy's linear_sum_assignment"


@contextmanager
def timed_phases(totals: dict[str, float]):
    """Add the time spent in the stacked model's parts to ``totals`` (benchmark only)."""
    import workbench.matching.policies as policies
    import workbench.model as model_module
    from workbench.agents import Coordinator, Student
    from workbench.metrics import MetricsRecorder

    def wrap(owner, name: str, label: str):
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[label] += time.perf_counter() - start

        setattr(owner, name, timed)
        return owner, name, original

    patched = [
        wrap(Student, "__init__", "Mesa Student agents"),
        wrap(Coordinator, "step", "coordinator (matching, rotation)"),
        wrap(model_module, "advance_week", "weekly rules (advance_week)"),
        wrap(MetricsRecorder, "record", "weekly group records"),
        wrap(policies, "linear_sum_assignment", SOLVER),
    ]
    try:
        yield
    finally:
        for owner, name, original in patched:
            setattr(owner, name, original)


def _simulate(job) -> float:
    from workbench.simulation import simulate

    scenario, seed = job
    return simulate(scenario, rng=seed).value("belonging")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worlds", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="20 worlds, for a smoke run")
    args = parser.parse_args()
    count = 20 if args.quick else args.worlds

    from workbench.scenario import load_scenario
    from workbench.simulation import simulate
    from workbench.worlds import PlausibleWorlds, verdict
    from workbench.worlds.engine import seeds

    rotating = load_scenario(ROOT / "scenarios" / "rotation_periodic.toml")
    staying = load_scenario(ROOT / "scenarios" / "baseline.toml")
    start = time.perf_counter()
    worlds = PlausibleWorlds.default(n=count, rng=0)
    drawing = time.perf_counter() - start

    # warm-up (imports, caches) on a tiny case, outside both timings; the
    # scenario-discovery tree imports scikit-learn lazily (0.5 s, once a session)
    import sklearn.tree  # noqa: F401

    small = {"cohort.size": 20, "levers.weeks": 2}
    verdict(
        rotating.with_overrides(small),
        staying.with_overrides(small),
        worlds.take([0, 1]),
        knockouts=0,
    )

    start, cpu = time.perf_counter(), time.process_time()
    result = verdict(rotating, staying, worlds, knockouts=0)
    batched, batched_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    in_two = verdict(rotating, staying, worlds, workers=2, knockouts=0)
    batched_two = time.perf_counter() - start
    assert in_two.table.equals(result.table), "the verdict must not depend on the processes"

    phases: dict[str, float] = defaultdict(float)
    with timed_phases(phases):
        start = time.perf_counter()
        verdict(rotating, staying, worlds, knockouts=0)
        profiled = time.perf_counter() - start

    start, cpu = time.perf_counter(), time.process_time()
    for design in (rotating, staying):
        seed = seeds(design, rotating.seed)[1]
        for k in range(count):
            simulate(worlds.scenario(k, design), rng=seed)
    separate, separate_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    jobs = [
        (worlds.scenario(k, design), seeds(design, rotating.seed)[1])
        for design in (rotating, staying)
        for k in range(count)
    ]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        list(pool.map(_simulate, jobs, chunksize=10))
    separate_two = time.perf_counter() - start

    runs = 2 * count
    print(
        f"verdict over {count} plausible worlds x 2 designs x {rotating.cohort.size} students "
        f"x {rotating.levers.weeks} weeks ({runs} runs)"
    )
    print(f"  drawing the worlds:                {drawing:8.2f} s")
    print(f"  {'':34s} {'wall':>8s}   {'CPU':>8s}   runs/s (wall)")
    print(
        f"  stacked (one model per design):    {batched:8.2f} s {batched_cpu:8.2f} s "
        f"{runs / batched:8.1f}"
    )
    print(
        f"  separate workbench.simulate calls: {separate:8.2f} s {separate_cpu:8.2f} s "
        f"{runs / separate:8.1f}"
    )
    print(
        f"  ratio separate / stacked:          {separate / batched:8.1f} x "
        f"{separate_cpu / batched_cpu:7.1f} x"
    )
    print(f"  on two processes: stacked {batched_two:.2f} s, separate {separate_two:.2f} s, ")
    print(f"  ratio separate / stacked (both on two processes): {separate_two / batched_two:.1f} x")
    print(f"  (load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(
        f"where the stacked verdict spends its time (a second, instrumented run: {profiled:.2f} s)"
    )
    solver = phases.pop(SOLVER, 0.0)
    for label, seconds in sorted(phases.items(), key=lambda item: -item[1]):
        print(f"  {label:36s} {seconds:6.2f} s  {seconds / profiled:4.0%}")
        if label.startswith("coordinator"):
            print(f"  {SOLVER:36s} {solver:6.2f} s  {solver / profiled:4.0%}")
    rest = profiled - sum(phases.values())
    print(
        f"  {'the rest (roster, ties, outcomes, tree)':36s} {rest:6.2f} s  {rest / profiled:4.0%}"
    )
    print()
    print(result)


if __name__ == "__main__":
    main()
