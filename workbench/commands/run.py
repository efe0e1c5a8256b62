"""``workbench run SCENARIO``: simulate a scenario, print a summary, write tables and a plot."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "run",
        help="simulate a scenario file",
        description="Simulate a scenario's replications; print start-vs-end by group with the "
        "gaps; write metrics/gaps/run/students/links as Parquet and trajectories.png.",
    )
    parser.add_argument(
        "scenario", type=Path, help="scenario TOML file, e.g. scenarios/baseline.toml"
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="root seed (default: the scenario's)"
    )
    parser.add_argument(
        "--replications",
        type=int,
        default=None,
        help="number of runs (default: the scenario's; at most 100,000)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default: runs/<scenario name>)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a setting, e.g. --set levers.mentor_training=0.9 (repeatable)",
    )
    return parser


def parse_assignments(items: list[str]) -> dict[str, object]:
    """``["levers.weeks=12", ...]`` → ``{"levers.weeks": 12}`` with TOML value syntax."""
    import tomllib

    from workbench.errors import WorkbenchError

    overrides: dict[str, object] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise WorkbenchError(f"--set {item!r}: expected KEY=VALUE, e.g. levers.weeks=12")
        try:
            value = tomllib.loads(f"v = {text.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = text.strip()  # a bare word is a string
        overrides[key.strip()] = value
    return overrides


def run(args: argparse.Namespace) -> int:
    import sys

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from workbench.errors import WorkbenchError
    from workbench.output import atomic_folder, check_out_folder, write_tables
    from workbench.plots import plot_run, summary_table
    from workbench.scenario import MAX_REPLICATIONS, load_scenario
    from workbench.simulation import run_scenario

    if args.replications is not None and not 1 <= args.replications <= MAX_REPLICATIONS:
        raise WorkbenchError(
            f"--replications {args.replications}: must be from 1 to {MAX_REPLICATIONS:,} "
            "(the scenario limit)"
        )
    if args.seed is not None and args.seed < 0:
        raise WorkbenchError(f"--seed {args.seed}: must be a non-negative integer")
    scenario = load_scenario(args.scenario, overrides=parse_assignments(args.set))
    out = check_out_folder(args.out or Path("runs") / scenario.name, "run")
    replications = scenario.replications if args.replications is None else args.replications
    print(
        f"{scenario.name}: {replications:,} replication(s) x {scenario.levers.weeks} weeks",
        file=sys.stderr,
        flush=True,
    )
    result = run_scenario(scenario, rng=args.seed, replications=args.replications, progress=True)
    table = summary_table(result)
    with pd.option_context("display.width", 160, "display.float_format", "{:.3f}".format):
        text = table.to_string()
    with atomic_folder(out, command="run") as folder:
        write_tables(folder, result.tables())
        figure = plot_run(result)
        figure.savefig(folder / "trajectories.png", dpi=110)
        plt.close(figure)
        scenario.save(folder / "scenario.toml")
        (folder / "summary.txt").write_text(text + "\n", encoding="utf-8")
    runs = result.run
    follow_up = scenario.levers.follow_up_weeks
    weeks = f"{scenario.levers.weeks} weeks" + (
        f" + {follow_up} follow-up weeks without meetings (outcomes read at the last week)"
        if follow_up
        else ""
    )
    print(
        f"{scenario.name}: {len(runs)} replication(s) of {runs['students'].iloc[0]} students "
        f"x {weeks} (scenario hash {scenario.hash()}, root seed "
        f"{scenario.seed if args.seed is None else args.seed})"
    )
    print(
        "Latent levels on a 0-1 scale, mean over replications; gap = reference group minus group."
    )
    print(text)
    print(f"wrote {out}/: metrics, gaps, run, students, links (.parquet), trajectories.png")
    return 0
