"""``workbench compare DIR``: an outcome by policy and group, with bootstrap intervals."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "compare",
        help="compare policies of a sweep with bootstrap confidence intervals and equity gaps",
        description="Mean of an outcome per policy (swept parameters) and group over "
        "replications, with bootstrap confidence intervals; with --attribute, also the "
        "equity gap of each group to the reference level.",
    )
    parser.add_argument("store", type=Path, help="result store written by workbench sweep")
    parser.add_argument("--metric", default="belonging", help="outcome (default belonging)")
    parser.add_argument(
        "--by",
        action="append",
        default=None,
        metavar="PARAMETER",
        help="parameter(s) that define a policy (default: every swept parameter; repeatable)",
    )
    parser.add_argument("--week", type=int, default=-1, help="week (default: the last)")
    parser.add_argument("--attribute", default="all", help="group attribute, e.g. first_gen")
    parser.add_argument("--change", action="store_true", help="compare the change since week 0")
    parser.add_argument(
        "--reference",
        action="append",
        default=[],
        metavar="PARAMETER=VALUE",
        help="policy to difference against, e.g. matching.policy=random (repeatable)",
    )
    parser.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    parser.add_argument(
        "--worlds",
        type=int,
        default=None,
        metavar="N",
        help="also judge each policy against --reference over N plausible worlds (parameter "
        "draws the evidence allows): the share of worlds in which it is better, and what flips it",
    )
    parser.add_argument("--csv", type=Path, default=None, help="also write the table as CSV")
    parser.add_argument("--plot", type=Path, default=None, help="also draw the comparison (PNG)")
    return parser


def parse_reference(items: list[str]) -> dict[str, str] | None:
    from workbench.experiments.spec import SweepError

    reference = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SweepError(
                f"--reference {item!r}: expected PARAMETER=VALUE, e.g. matching.policy=random"
            )
        reference[key.strip()] = value.strip()
    return reference or None


def save_figure(figure, path: Path) -> None:
    """Save through :func:`workbench.output.atomic_file`: never a half-written picture."""
    from workbench.output import atomic_file

    with atomic_file(path) as temporary:
        figure.savefig(temporary, dpi=110, bbox_inches="tight")


def run(args: argparse.Namespace) -> int:
    from workbench.experiments.spec import SweepError
    from workbench.output import atomic_files

    if not 0 < args.level < 1:  # also refuses nan
        raise SweepError(f"--level {args.level}: must be between 0 and 1")
    if args.worlds is not None:
        from workbench.worlds.plausible import check_world_count

        check_world_count(args.worlds, "--worlds ")
    if args.worlds is not None and not args.reference:
        raise SweepError("--worlds needs --reference PARAMETER=VALUE: the policy to judge against")
    if args.week < -1:
        raise SweepError(f"--week {args.week}: give a week number from 0, or -1 for the last")
    reference = parse_reference(args.reference)
    outputs = [path for path in (args.csv, args.plot) if path is not None]
    # temporaries are made first, so an unwritable --csv/--plot is refused before any work,
    # and neither file appears unless both are written
    with atomic_files(outputs) as temporaries:
        table = comparison(args, reference)
        written = dict(zip(outputs, temporaries, strict=True))
        if args.csv:
            table.to_csv(written[args.csv], index=False)
        if args.plot:
            draw_comparison(table, written[args.plot])
    return 0


def comparison(args: argparse.Namespace, reference: dict[str, str] | None):
    """Load the store, compute the comparison and print it; returns the table."""
    import pandas as pd

    from workbench.experiments.analysis import compare, load_results

    results = load_results(args.store, tables=("metrics", "gaps"))
    by = args.by
    if reference is not None and by is None:
        by = list(reference)
    table = compare(
        results,
        args.metric,
        by=by,
        week=args.week,
        attribute=args.attribute,
        change=args.change,
        reference=reference,
        level=args.level,
        worlds=args.worlds,
        progress=args.worlds is not None,
    )
    with pd.option_context(
        "display.width", 200, "display.float_format", "{:.4f}".format, "display.max_rows", 500
    ):
        print(table.to_string(index=False))
    what = "change since week 0" if args.change else "level"
    print(
        f"{args.metric} ({what}), week {'last' if args.week < 0 else args.week}: mean and "
        f"{args.level:.0%} BCa bootstrap interval over replications; gap = reference level minus group"
    )
    if args.worlds is not None:
        readings = table["worlds_reading"].dropna().drop_duplicates()
        print(f"over {args.worlds} plausible worlds (workbench verdict; docs/worlds.md):")
        for text in readings:
            print(f"  {text}")
    if len(results.failures):
        print(f"note: {len(results.failures)} run(s) failed and are left out")
    return table


def draw_comparison(table, path: Path) -> None:
    """The comparison (and its gaps, if any) as a PNG at ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from workbench.experiments.plots import plot_comparison

    has_gaps = (table["quantity"] == "gap").any()
    rows = len(
        table[table["quantity"] == "value"].drop_duplicates(
            table.columns[: list(table.columns).index("attribute")].tolist()
        )
    )
    figure, axes = plt.subplots(
        1,
        2 if has_gaps else 1,
        figsize=(14 if has_gaps else 8, 1.5 + 0.45 * rows),
        squeeze=False,
    )
    try:
        plot_comparison(table, ax=axes[0, 0])
        if has_gaps:
            plot_comparison(table, quantity="gap", ax=axes[0, 1], labels=False)
        figure.savefig(path, dpi=110, bbox_inches="tight", format="png")
    finally:
        plt.close(figure)
