"""``workbench sensitivity DIR``: Sobol' indices of an outcome to the swept levers."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "sensitivity",
        help="Sobol' sensitivity indices (SALib) of an outcome in a sobol sweep",
        description="First-order and total Sobol' indices of an outcome to the parameters of "
        'a sweep run with design kind = "sobol", with bootstrap confidence half-widths.',
    )
    parser.add_argument("store", type=Path, help="result store written by workbench sweep")
    parser.add_argument("--metric", default="belonging", help="outcome (default belonging)")
    parser.add_argument("--week", type=int, default=-1, help="week (default: the last)")
    parser.add_argument("--attribute", default="all", help="group attribute, e.g. first_gen")
    parser.add_argument("--group", default="all", help="level of --attribute, e.g. yes")
    parser.add_argument("--gap", action="store_true", help="analyse the equity gap of --group")
    parser.add_argument("--change", action="store_true", help="analyse the change since week 0")
    parser.add_argument("--csv", type=Path, default=None, help="also write the indices as CSV")
    parser.add_argument("--plot", type=Path, default=None, help="also draw the indices (PNG)")
    return parser


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from workbench.commands.compare import save_figure
    from workbench.experiments.analysis import sensitivity

    table = sensitivity(
        args.store,
        args.metric,
        week=args.week,
        attribute=args.attribute,
        group=args.group,
        gap=args.gap,
        change=args.change,
    )
    with pd.option_context("display.width", 160, "display.float_format", "{:.3f}".format):
        print(table.sort_values("ST", ascending=False).to_string())
    top = table["ST"].idxmax()
    caveats = table.attrs.get("warnings", [])
    print(
        f"largest total effect: {top} (ST = {table.loc[top, 'ST']:.3f}"
        f" ± {table.loc[top, 'ST_conf']:.3f}); conf = 95% bootstrap half-width"
        + ("; NOT RELIABLE, see the warnings below" if caveats else "")
    )
    for line in caveats:
        print(f"warning: {line}")
    if args.csv:
        from workbench.output import atomic_file

        with atomic_file(args.csv) as temporary:
            table.to_csv(temporary)
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from workbench.experiments.plots import plot_sensitivity

        figure, ax = plt.subplots(figsize=(7, 1.5 + 0.6 * len(table)))
        plot_sensitivity(table, ax=ax)
        save_figure(figure, args.plot)
        plt.close(figure)
    return 0
