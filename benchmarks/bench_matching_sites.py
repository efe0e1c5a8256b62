"""Benchmark: matching MANY SMALL SITES (stacked plausible worlds), the simulation's case.

Issue 15 runs 200 plausible worlds at once as one cohort of 200 sites of 300
students; matching then runs site by site, thousands of times per simulated
year. What matters is the cost of one site's call beyond the solver, so this
prints, for each case, the wall-clock seconds of ``match_roster`` (best of
``--repeat``), the number of per-site policy calls, the cost per call, and the
share of the time spent inside scipy's ``linear_sum_assignment`` (the solver:
the floor, the rest is scores, constraints and bookkeeping).

Cases (``--students`` in ``--sites``, default 60,000 in 200):

``full round``
    every student waits (week 1, or a rotation week): 200 sites of ~150 x 150.
``waiting round``
    ~4% of students wait (the weeks between): ~12 per site, with each one's
    former partners to avoid, as the simulation passes them.

``tiled rotation round`` / ``tiled waiting round``
    the batched worlds engine's case: one ~300-student roster tiled once per
    world (``--sites`` copies), a few students gone in each copy, everyone
    else rematched avoiding their former partners (a rotation week), or ~4%
    waiting (a check-in week). Timed both ways in the same run: the one-pass
    path (:mod:`workbench.matching.tiled`) and the site-by-site loop it
    replaces (the same pairs, checked), with the ratio.

``--model`` also times the whole simulation of that cohort (36 weeks, rotation
every 6 weeks) and the part of it spent in ``match_roster``; ``--district``
adds the district case (100,000 students in 100 sites, no rotation).

A ratio against the code before a change cannot be measured in one run; to
compare, run this script on both checkouts on the same machine at the same
time, alternating, best of several (and say how loaded it was: the load
average is printed). ``PYTHONPATH=/path/to/other/checkout`` runs it on another
checkout's ``workbench`` with this venv.

Run::

    .venv/bin/python benchmarks/bench_matching_sites.py
    .venv/bin/python benchmarks/bench_matching_sites.py --model --district --repeat 3
    .venv/bin/python benchmarks/bench_matching_sites.py --students 6000 --sites 20
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np
import pandas as pd
from tqdm import tqdm

import workbench.agents.coordinator as coordinator
import workbench.matching as matching
import workbench.matching.policies as policies
from workbench.cohort import generate_roster
from workbench.model import MentorshipModel
from workbench.scenario import Scenario


class Clock:
    """Seconds spent inside one wrapped function, and how many calls."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def wrap(self, function: Callable) -> Callable:
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls += 1

        return timed


@contextmanager
def clocked(module, name: str):
    """Time every call of ``module.name`` while the block runs."""
    clock = Clock()
    original = getattr(module, name)
    setattr(module, name, clock.wrap(original))
    try:
        yield clock
    finally:
        setattr(module, name, original)


def site_calls(roster, rows: np.ndarray) -> int:
    """How many sites have at least two of ``rows`` (one policy call each)."""
    counts = np.bincount(roster.site_codes[rows])
    return int((counts >= 2).sum())


def matching_case(label: str, roster, config, rows, avoid, repeat: int) -> dict:
    best = None
    for k in range(repeat):
        with clocked(policies, "linear_sum_assignment") as solver:
            start = time.perf_counter()
            pairing = matching.match_roster(
                roster, config, np.random.default_rng(k), rows=rows, avoid=avoid
            )
            seconds = time.perf_counter() - start
        if best is None or seconds < best[0]:
            best = (seconds, solver.seconds, len(pairing))
    seconds, solver, links = best
    calls = site_calls(roster, rows)
    return {
        "case": label,
        "students": len(rows),
        "site_calls": calls,
        "seconds": round(seconds, 3),
        "us_per_site_call": round(1e6 * seconds / max(calls, 1)),
        "us_beyond_solver": round(1e6 * (seconds - solver) / max(calls, 1)),
        "solver_share": round(solver / seconds, 2) if seconds else np.nan,
        "links": links,
    }


def tiled_cases(args, config, repeat: int) -> list[dict]:
    """The batched engine's rounds, one-pass path against the site loop (same result)."""
    import workbench.matching.tiled as tiled
    from workbench.worlds.engine import tile_roster

    per_copy = max(args.students // args.sites, 2)
    cohort = Scenario().with_overrides({"cohort.size": per_copy}).cohort
    big, copy = tile_roster(generate_roster(cohort, np.random.default_rng(0)), args.sites)
    rng = np.random.default_rng(2)
    first = matching.match_roster(big, config, rng)  # week 1: one problem, shared
    partners = np.column_stack([first.mentor, first.mentee])
    present = np.flatnonzero(rng.random(len(big)) > 0.03)
    waiting = np.flatnonzero(rng.random(len(big)) < 0.04)
    out = []
    for label, rows in (("tiled rotation round", present), ("tiled waiting round", waiting)):
        timings = {}
        for path in ("one pass", "site loop"):
            best = None
            for k in range(repeat):
                with (
                    clocked(policies, "linear_sum_assignment") as solver,
                    _site_loop(tiled, path == "site loop"),
                ):
                    start = time.perf_counter()
                    pairing = matching.match_roster(
                        big, config, np.random.default_rng(k), rows=rows, avoid=partners
                    )
                    seconds = time.perf_counter() - start
                if best is None or seconds < best[0]:
                    best = (seconds, solver.seconds, pairing)
            timings[path] = best
        one, loop = timings["one pass"], timings["site loop"]
        assert np.array_equal(one[2].mentor, loop[2].mentor), "the two paths must agree"
        assert np.array_equal(one[2].score, loop[2].score), "the two paths must agree"
        calls = site_calls(big, rows)
        out.append(
            {
                "case": label,
                "students": len(rows),
                "site_calls": calls,
                "one_pass_s": round(one[0], 3),
                "site_loop_s": round(loop[0], 3),
                "ratio": round(loop[0] / one[0], 1),
                "solver_s": round(one[1], 3),
                "us_beyond_solver_one_pass": round(1e6 * (one[0] - one[1]) / max(calls, 1)),
                "us_beyond_solver_loop": round(1e6 * (loop[0] - loop[1]) / max(calls, 1)),
                "links": len(one[2]),
            }
        )
    return out


@contextmanager
def _site_loop(tiled, on: bool):
    """Make ``match_roster`` take its site-by-site loop (``on``) for the block."""
    original = tiled.applies
    if on:
        tiled.applies = lambda *args: False
    try:
        yield
    finally:
        tiled.applies = original


def model_case(label: str, overrides: dict, repeat: int) -> dict:
    scenario = Scenario().with_overrides(overrides)
    best = None
    for _ in range(repeat):
        with (
            clocked(coordinator, "match_roster") as match,
            clocked(policies, "linear_sum_assignment") as solver,
        ):
            start = time.perf_counter()
            MentorshipModel(scenario, rng=1).run_model()
            seconds = time.perf_counter() - start
        if best is None or seconds < best[0]:
            best = (seconds, match.seconds, solver.seconds, solver.calls)
    seconds, match_s, solver_s, calls = best
    return {
        "case": label,
        "students": overrides["cohort.size"],
        "site_calls": calls,
        "seconds": round(seconds, 3),
        "matching_seconds": round(match_s, 3),
        "us_per_site_call": round(1e6 * match_s / max(calls, 1)),
        "solver_share": round(solver_s / match_s, 2) if match_s else np.nan,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=60_000)
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--policy", default="optimal")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", action="store_true", help="time the whole simulation too")
    parser.add_argument("--district", action="store_true", help="100,000 students in 100 sites")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    scenario = Scenario().with_overrides(
        {"cohort.size": args.students, "cohort.sites": args.sites, "matching.policy": args.policy}
    )
    roster = generate_roster(scenario.cohort, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    waiting = np.sort(rng.choice(len(roster), len(roster) // 25, replace=False))
    # each waiting student's former partners (in the same site), as the simulation avoids
    partners = rng.integers(0, len(roster), (len(roster), 2))
    same_site = roster.site_codes[partners[:, 0]] == roster.site_codes[partners[:, 1]]
    avoid = partners[same_site]
    cases = [
        ("full round", np.arange(len(roster)), None),
        ("waiting round", waiting, avoid),
    ]
    rows = []
    for label, who, avoided in tqdm(cases, desc="matching", unit="case"):
        rows.append(matching_case(label, roster, scenario.matching, who, avoided, args.repeat))
    batched = tiled_cases(args, scenario.matching, args.repeat)
    models = []
    if args.model:
        models.append(
            (
                f"model, {args.sites} sites, rotation",
                {
                    "cohort.size": args.students,
                    "cohort.sites": args.sites,
                    "rotation.policy": "periodic",
                    "matching.policy": args.policy,
                },
            )
        )
    if args.district:
        models.append(("model, district", {"cohort.size": 100_000, "cohort.sites": 100}))
    simulated = [
        model_case(label, overrides, args.repeat)
        for label, overrides in tqdm(models, desc="simulation", unit="case")
    ]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.DataFrame(rows).to_string(index=False))
        print(pd.DataFrame(batched).to_string(index=False))
        if simulated:
            print(pd.DataFrame(simulated).to_string(index=False))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
