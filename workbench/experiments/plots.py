"""Plots of a sweep: trajectories with bands, policy comparison, Sobol' bars.

Colours are the Okabe–Ito palette of :mod:`workbench.plots` and every series
also differs by line style or marker, so nothing is told by colour alone.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> table = pd.DataFrame({"parameter": ["a", "b"], "S1": [0.6, 0.1], "S1_conf": [0.05, 0.05],
...                       "ST": [0.7, 0.2], "ST_conf": [0.05, 0.05]}).set_index("parameter")
>>> ax = plot_sensitivity(table)
>>> [t.get_text() for t in ax.get_yticklabels()]
['b', 'a']
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from workbench.experiments.analysis import SweepResults, _by_columns
from workbench.plotstyle import LINESTYLES, OKABE_ITO, TITLES, band

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def _short_names(by: list[str]) -> list[str]:
    """The last part of each dotted name, or the full names if two would read alike."""
    short = [name.split(".")[-1] for name in by]
    return short if len(set(short)) == len(short) else list(by)


def _label(key: tuple, by: list[str]) -> str:
    names = _short_names(by)
    return ", ".join(f"{name}={value}" for name, value in zip(names, key, strict=True))


def plot_trajectories(
    results: SweepResults,
    metric: str = "belonging",
    *,
    by: str | Sequence[str] | None = None,
    attribute: str = "all",
    group: str = "all",
    level: float = 0.9,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Weekly mean of ``metric`` per policy with a band over replications.

    The band is the central ``level`` interval of the runs' values each week.
    """
    ax = ax or plt.gca()
    by = _by_columns(results, by)
    metrics = results.tables["metrics"]
    part = metrics[
        (metrics["metric"] == metric)
        & (metrics["attribute"] == attribute)
        & (metrics["group"] == group)
    ]
    part = part.merge(results.design[["run_id", *[c for c in by if c != "point"]]], on="run_id")
    for k, (key, frame) in enumerate(part.groupby(by, sort=True)):
        key = key if isinstance(key, tuple) else (key,)
        stats = band(frame, level=level)
        colour = OKABE_ITO[k % len(OKABE_ITO)]
        ax.plot(
            stats.index,
            stats["mean"],
            color=colour,
            linestyle=LINESTYLES[k % len(LINESTYLES)],
            linewidth=2,
            label=_label(key, by),
        )
        if frame["run_id"].nunique() > 1:
            ax.fill_between(
                stats.index, stats["low"], stats["high"], color=colour, alpha=0.15, lw=0
            )
    who = "" if attribute == "all" else f" ({attribute} = {group})"
    ax.set_title(f"{TITLES.get(metric, metric)}{who}, {level:.0%} band over runs", fontsize=11)
    ax.set_xlabel("week")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    return ax


def plot_comparison(
    table: pd.DataFrame,
    quantity: str = "value",
    ax: plt.Axes | None = None,
    labels: bool = True,
) -> plt.Axes:
    """Dot-and-whisker chart of a :func:`~workbench.experiments.analysis.compare` table.

    One row per policy, one marker per group, whiskers for the confidence
    intervals; ``quantity="gap"`` draws the equity gaps instead of the levels.
    Each group keeps its colour and marker in both; ``labels=False`` leaves the
    policy names off (for a panel beside another).
    """
    by = list(table.columns[: list(table.columns).index("attribute")])
    values = table[table["quantity"] == quantity]
    ax = ax or plt.gca()
    policies = values[by].drop_duplicates().reset_index(drop=True)
    names = [_label(tuple(row), by) for row in policies.itertuples(index=False)]
    groups = list(dict.fromkeys(values["group"]))
    every = list(dict.fromkeys(table["group"]))  # value groups first: one style per group
    attribute = values["attribute"].iloc[0] if len(values) else "all"
    offsets = np.linspace(-0.25, 0.25, len(groups)) if len(groups) > 1 else [0.0]
    for group, offset in zip(groups, offsets, strict=True):
        k = every.index(group)
        rows = values[values["group"] == group].merge(policies.reset_index(), on=by)
        y = rows["index"].to_numpy() + offset
        xerr = np.vstack([rows["mean"] - rows["low"], rows["high"] - rows["mean"]])
        ax.errorbar(
            rows["mean"],
            y,
            xerr=np.nan_to_num(xerr),
            fmt=MARKERS[k % len(MARKERS)],
            color=OKABE_ITO[k % len(OKABE_ITO)],
            capsize=3,
            label="everyone" if group == "all" else f"{attribute} = {group}",
        )
    ax.set_yticks(range(len(names)), names if labels else [""] * len(names))
    ax.invert_yaxis()
    metric = values["metric"].iloc[0] if len(values) else ""
    what = "gap to the reference group" if quantity == "gap" else "mean"
    ax.set_xlabel(f"{TITLES.get(metric, metric)} ({what}, CI over replications)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    return ax


def plot_sensitivity(table: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Tornado-style bars of first-order and total Sobol' indices, largest total on top."""
    ax = ax or plt.gca()
    order = table.sort_values("ST", ascending=True)
    y = np.arange(len(order))
    ax.barh(
        y + 0.2,
        order["ST"],
        height=0.4,
        xerr=order["ST_conf"],
        color=OKABE_ITO[5],
        label="total (ST)",
        capsize=2,
    )
    ax.barh(
        y - 0.2,
        order["S1"],
        height=0.4,
        xerr=order["S1_conf"],
        color=OKABE_ITO[1],
        hatch="//",
        label="first order (S1)",
        capsize=2,
    )
    ax.set_yticks(y, [str(name) for name in order.index])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("Sobol' index (share of outcome variance)")
    metric = table.attrs.get("metric")
    if metric:
        ax.set_title(f"Sensitivity of {TITLES.get(metric, metric).lower()}", fontsize=11)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    return ax
