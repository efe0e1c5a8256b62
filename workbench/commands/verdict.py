"""``workbench verdict A.toml B.toml``: is design A better than B, in how many plausible worlds?"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

#: Most copies of the cohort per world.
MAX_REPLICATIONS = 100
#: Most assumptions a verdict is knocked out on (each costs two runs of 40 worlds per design).
MAX_KNOCKOUTS = 10


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "verdict",
        help="compare two designs over plausible worlds: the share of worlds in which A is better",
        description="Run design A and design B over the same plausible worlds (parameter draws "
        "the evidence allows: calibrated parameters from their posterior, assumptions over "
        "their plausible range, every identity variant), with the same students and seeds, "
        "and print per outcome the mean difference A - B, its spread over worlds, the share "
        "of worlds in which A is better, the verdict (holds / uncertain / reversed / no real "
        "difference), the parameters that flip it, and a sentence.",
    )
    parser.add_argument("design_a", type=Path, help="scenario TOML of design A")
    parser.add_argument("design_b", type=Path, help="scenario TOML of design B")
    parser.add_argument(
        "--worlds", type=int, default=200, help="number of plausible worlds (default 200)"
    )
    parser.add_argument(
        "--outcome",
        action="append",
        default=None,
        metavar="NAME",
        help="outcome (repeatable): belonging, confidence, retention, enrolled, "
        "mentee_<that>, mentor_<that>, <that>_gap:<attribute>; default the first four",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="root seed of the runs (default: design A's)"
    )
    parser.add_argument(
        "--replications",
        type=int,
        default=1,
        help="copies of the cohort per world, averaged: less run-to-run chance (default 1)",
    )
    parser.add_argument(
        "--worlds-seed", type=int, default=0, help="seed of the world draws (default 0)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes the two designs run in (default: 2, or 1 on a one-core machine); "
        "results do not depend on it",
    )
    parser.add_argument(
        "--knockouts",
        type=int,
        default=3,
        metavar="K",
        help="for each verdict that holds or is reversed, set its K most influential "
        "assumptions to either end of their plausible range (in --knockout-worlds worlds): a "
        "verdict whose word does not stand there is reported uncertain (default 3; 0 = off)",
    )
    parser.add_argument(
        "--knockout-worlds",
        type=int,
        default=40,
        metavar="N",
        help="worlds each knock-out runs in (the first N of --worlds, at most all; default 40): "
        "with few, "
        "a verdict may fail to stand at an end only because so few worlds cannot show it",
    )
    parser.add_argument("--csv", type=Path, default=None, help="also write the table as CSV")
    return parser


def run(args: argparse.Namespace) -> int:
    from workbench.errors import WorkbenchError
    from workbench.output import atomic_files
    from workbench.worlds.plausible import check_world_count

    check_world_count(args.worlds, "--worlds ")
    if args.seed is not None and args.seed < 0:
        raise WorkbenchError(f"--seed {args.seed}: must be 0 or more")
    if not 1 <= args.replications <= MAX_REPLICATIONS:
        raise WorkbenchError(
            f"--replications {args.replications}: must be from 1 to {MAX_REPLICATIONS}"
        )
    if args.workers is not None and args.workers < 1:
        raise WorkbenchError(f"--workers {args.workers}: must be 1 or more")
    workers = args.workers or min(2, os.cpu_count() or 1)
    if args.knockout_worlds < 2:
        raise WorkbenchError(f"--knockout-worlds {args.knockout_worlds}: must be 2 or more")
    if not 0 <= args.knockouts <= MAX_KNOCKOUTS:
        raise WorkbenchError(f"--knockouts {args.knockouts}: must be from 0 to {MAX_KNOCKOUTS}")
    if args.worlds_seed < 0:
        raise WorkbenchError(f"--worlds-seed {args.worlds_seed}: must be 0 or more")
    from workbench.scenario import load_scenario
    from workbench.worlds import PlausibleWorlds, verdict
    from workbench.worlds.outcomes import DEFAULT_OUTCOMES, parse_outcome

    outcomes = args.outcome or list(DEFAULT_OUTCOMES)
    for name in outcomes:
        parse_outcome(name)  # a bad name fails before any run
    designs = [load_scenario(path) for path in (args.design_a, args.design_b)]
    outputs = [args.csv] if args.csv is not None else []
    # the temporary is made first, so an unwritable --csv is refused before any run
    with atomic_files(outputs) as temporaries:
        worlds = PlausibleWorlds.default(n=args.worlds, rng=args.worlds_seed)
        result = verdict(
            *designs,
            worlds,
            outcomes=outcomes,
            rng=args.seed,
            replications=args.replications,
            progress=workers == 1,
            workers=workers,
            knockouts=args.knockouts,
            knockout_worlds=args.knockout_worlds,
        )
        print(result)
        if args.csv is not None:
            result.table.to_csv(temporaries[0])
    return 0
