"""``workbench validate``: does the model reproduce published mentoring research?"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "validate",
        help="run the pattern-oriented validation cases",
        description="Simulate each validation case's study design (program vs no-program arms), "
        "compute the study's statistic, compare it with the published figure and print the "
        "verdicts; write report.md, validation_checks.png and the figures per replication.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer replications and a smaller cohort (CI)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("validation"),
        help="folder for report.md and plots (default: validation/)",
    )
    parser.add_argument(
        "--cases", type=Path, default=None, help="case file (default: the packaged cases.toml)"
    )
    parser.add_argument(
        "--replications", type=int, default=None, help="override the case file (2 to 10,000)"
    )
    parser.add_argument(
        "--cohort-size",
        type=int,
        default=None,
        help="override the case file (20 to 100,000); arms that fix their own cohort keep it",
    )
    parser.add_argument("--seed", type=int, default=None, help="root seed (default: case file's)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="dynamics override for every arm, e.g. --set rematch_trust_reset=false (repeatable)",
    )
    parser.add_argument(
        "--latent",
        action="store_true",
        help="compare latent traits instead of simulated survey scale scores",
    )
    parser.add_argument(
        "--only", action="append", default=None, metavar="CASE", help="run only this case"
    )
    parser.add_argument(
        "--across",
        default=None,
        metavar="SETTING[=A,B]",
        help="run the cases once per value of one dynamics setting (default values: its "
        "variants, or its plausible range's ends and default) and print which verdicts "
        "depend on it, e.g. --across identity; writes no report",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")

    from workbench.commands.run import parse_assignments
    from workbench.errors import WorkbenchError
    from workbench.scenario import Dynamics
    from workbench.validation import console_table, load_cases, run_validation, write_report
    from workbench.validation.cases import (
        MAX_CASE_COHORT,
        MAX_CASE_REPLICATIONS,
        MIN_CASE_COHORT,
    )

    for name, value, low, high in (
        ("--replications", args.replications, 2, MAX_CASE_REPLICATIONS),
        ("--cohort-size", args.cohort_size, MIN_CASE_COHORT, MAX_CASE_COHORT),
    ):
        if value is not None and not low <= value <= high:
            raise WorkbenchError(f"{name} {value}: must be from {low} to {high:,}")
    if args.seed is not None and args.seed < 0:
        raise WorkbenchError(f"--seed {args.seed}: must be a non-negative integer")
    book = load_cases(args.cases)
    dynamics = parse_assignments(args.set)
    unknown = sorted(set(dynamics) - set(Dynamics.model_fields))
    if unknown:
        raise WorkbenchError(
            f"--set {unknown[0]}: not a dynamics parameter; see workbench/scenario.py Dynamics"
        )
    known_cases = {case.id for case in book.cases}
    for case in args.only or []:
        if case not in known_cases:
            raise WorkbenchError(f"--only {case}: no such case; known: {sorted(known_cases)}")
    # validate the overrides before any simulation
    from workbench.scenario import Scenario

    Scenario().with_overrides({f"dynamics.{key}": value for key, value in dynamics.items()})

    if args.across is not None:
        return _across(args, book, dynamics)
    import sys

    replications = _replications(args, book)
    print(
        f"validation: {replications:,} replication(s) of each case's arms",
        file=sys.stderr,
        flush=True,
    )
    result = run_validation(
        book,
        replications=args.replications,
        cohort_size=args.cohort_size,
        seed=args.seed,
        dynamics=dynamics,
        cases=args.only,
        quick=args.quick,
        latent=args.latent,
    )
    print(console_table(result))
    command = "workbench validate" + (" --quick" if args.quick else "")
    written = write_report(result, book, args.out, command)
    print(f"wrote {', '.join(str(path) for path in written)}")
    return 0 if result.ok else 1


def _replications(args: argparse.Namespace, book) -> int:
    """Replications a run does: ``--replications``, else the case file's (quick or full)."""
    return args.replications or (
        book.settings.quick_replications if args.quick else book.settings.replications
    )


def _across(args: argparse.Namespace, book, dynamics: dict) -> int:
    """``--across``: the verdict table per value of one setting, printed."""
    import pandas as pd

    from workbench.commands.run import parse_assignments
    from workbench.errors import WorkbenchError
    from workbench.scenario import Scenario
    from workbench.validation.across import setting_values, validate_across, wide_table

    setting, sep, text = args.across.partition("=")
    setting = setting.strip()
    if sep:
        raw = [item.strip() for item in text.split(",") if item.strip()]
        if not raw:
            raise WorkbenchError(f"--across {args.across}: give values after '=', e.g. A,B")
        values = [parse_assignments([f"{setting}={item}"])[setting] for item in raw]
    else:
        values = setting_values(setting)
    if setting in dynamics:
        raise WorkbenchError(f"--across {setting}: also given with --set; give it once")
    for value in values:  # refuse a bad value before any simulation
        try:
            Scenario().with_overrides({f"dynamics.{setting}": value})
        except WorkbenchError as error:
            raise WorkbenchError(f"--across {setting}={value}: {error}") from None
    import sys

    replications = _replications(args, book)
    print(
        f"validation across {setting}: {len(values)} value(s) x {replications:,} replication(s)",
        file=sys.stderr,
        flush=True,
    )
    table = validate_across(
        book,
        setting,
        values,
        replications=args.replications,
        cohort_size=args.cohort_size,
        seed=args.seed,
        dynamics=dynamics,
        cases=args.only,
        quick=args.quick,
        latent=args.latent,
    )
    wide = wide_table(table)
    with pd.option_context("display.width", 200, "display.max_colwidth", 40):
        print(wide.to_string(index=False))
    depends = wide[wide["depends"] == "yes"]
    print(
        f"\n{len(depends)} of {len(wide)} checks change verdict across {setting} "
        f"({', '.join(map(str, values))})"
        + (
            ": " + ", ".join(f"{r.case}.{r.check}" for r in depends.itertuples())
            if len(depends)
            else ""
        )
    )
    return 0
