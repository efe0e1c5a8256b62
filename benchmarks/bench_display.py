"""How long a notebook card takes to appear: ``_repr_html_`` of a scenario, a run, a
matching and a sweep store, at a researcher's sizes.

Run:  .venv/bin/python benchmarks/bench_display.py [--repeats 5]

The objects are built first (their simulation time is not counted); the clock
covers only the card: the tables, the plot drawn and encoded as PNG. The
reference is the plain pandas ``DataFrame._repr_html_`` of the same object's
main table, what a cell would show without the card. A card is a picture and a
few tables, so the aim is well under a second at every size: a user ending a
cell with a result should not wait for its display.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import matplotlib

matplotlib.use("Agg")

import workbench  # noqa: E402


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    baseline = workbench.load_scenario("scenarios/baseline.toml")
    rows = []

    rows.append(("scenario", baseline, None))
    for size, reps in ((300, 20), (3000, 20)):
        result = workbench.run_scenario(
            baseline.with_overrides({"cohort.size": size}), replications=reps
        )
        rows.append((f"run: {size:,} students x {reps} replications", result, result.metrics))
    roster = workbench.generate_roster(
        baseline.with_overrides({"cohort.size": 2000}).cohort,
        __import__("numpy").random.default_rng(1),
    )
    matching = workbench.match(roster, policy="optimal", rng=1)
    rows.append(("matching: 2,000 students", matching, matching.pairs))
    spec = {
        "base": "scenarios/baseline.toml",
        "replications": 10,
        "fixed": {"cohort.size": 150, "levers.weeks": 12},
        "parameters": {
            "matching.policy": {"levels": ["random", "optimal", "cross_group"]},
            "rotation.policy": {"levels": ["none", "periodic"]},
        },
    }
    with tempfile.TemporaryDirectory() as folder:
        report = workbench.sweep(spec, f"{folder}/s", workers=2, progress=False)
        results = workbench.load_results(report)
        rows.append(("sweep store: 6 points x 10 runs", results, results.metrics))

        print(f"{'object':<40} {'card':>8} {'plain table':>12}")
        for name, obj, table in rows:
            card = best(obj._repr_html_, args.repeats)
            plain = best(table._repr_html_, args.repeats) if table is not None else float("nan")
            print(f"{name:<40} {card:>7.3f}s {plain:>11.3f}s")


if __name__ == "__main__":
    main()
