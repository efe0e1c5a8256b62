"""Pictures for notebooks: a run's trajectories by group with bands over replications,
its gaps, several designs side by side, and (re-exported) the sweep, survey and
calibration plots.

Colours are the Okabe–Ito palette (safe for colour-blind readers) and every
group also has its own line style and a direct label, so nothing is told by
colour alone.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

OKABE_ITO = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)))
TITLES = {
    "belonging": "Sense of belonging",
    "confidence": "Confidence (self-efficacy)",
    "attendance": "Attendance",
    "retention": "Still in the program",
    "dependency": "Dependency on the mentor",
    "cross_group_ties": "Cross-group ties per student",
    "isolated": "Students with no ties",
    "skill": "Skill",
    "matched": "Matched this week",
    "rematches": "Rematches per student",
    "in_poor_pair": "In a pair rated poor",
}


def band(frame: pd.DataFrame, value: str = "value", level: float = 0.95) -> pd.DataFrame:
    """Mean and central interval of ``value`` over replications, by week."""
    low, high = (1 - level) / 2, 1 - (1 - level) / 2
    grouped = frame.groupby("week")[value]
    return pd.DataFrame(
        {"mean": grouped.mean(), "low": grouped.quantile(low), "high": grouped.quantile(high)}
    )


def _line(ax: plt.Axes, frame: pd.DataFrame, label: str, k: int, value: str = "value") -> None:
    stats = band(frame, value)
    colour = OKABE_ITO[k % len(OKABE_ITO)]
    ax.plot(
        stats.index,
        stats["mean"],
        color=colour,
        linestyle=LINESTYLES[k % len(LINESTYLES)],
        linewidth=2,
        label=label,
    )
    if frame.get("replication") is not None and frame["replication"].nunique() > 1:
        ax.fill_between(
            stats.index, stats["low"], stats["high"], color=colour, alpha=0.18, linewidth=0
        )
    ax.annotate(
        label,
        (stats.index[-1], stats["mean"].iloc[-1]),
        xytext=(4, 0),
        textcoords="offset points",
        fontsize=9,
        color=colour,
        va="center",
    )


def plot_metric(
    metrics: pd.DataFrame, metric: str, attribute: str = "all", ax: plt.Axes | None = None
) -> plt.Axes:
    """One metric over weeks, one line (with band) per level of ``attribute``."""
    ax = ax or plt.gca()
    part = metrics[(metrics["metric"] == metric) & (metrics["attribute"] == attribute)]
    for k, (group, frame) in enumerate(part.groupby("group", sort=True)):
        label = "everyone" if group == "all" else str(group)
        _line(ax, frame, label, k)
    by = "" if attribute == "all" else f" by {attribute}"
    ax.set_title(f"{TITLES.get(metric, metric)}{by}", fontsize=12)
    ax.set_xlabel("week")
    ax.grid(alpha=0.3)
    return ax


def plot_gaps(
    gaps: pd.DataFrame, metric: str = "belonging", ax: plt.Axes | None = None
) -> plt.Axes:
    """The reference-minus-group gap of ``metric`` over weeks, one line per group."""
    ax = ax or plt.gca()
    part = gaps[gaps["metric"] == metric]
    for k, ((attribute, group), frame) in enumerate(
        part.groupby(["attribute", "group"], sort=True)
    ):
        reference = frame["reference"].iloc[0]
        _line(ax, frame, f"{attribute}: {reference} − {group}", k + 1, value="gap")
    ax.axhline(0, color="grey", linewidth=1)
    ax.set_title(
        f"Gap in {TITLES.get(metric, metric).lower()} (above 0: group behind)", fontsize=12
    )
    ax.set_xlabel("week")
    ax.grid(alpha=0.3)
    return ax


def plot_designs(
    results,
    metric: str,
    attribute: str = "all",
    group: str = "all",
    gap: bool = False,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """One line (with its band over replications) per design, for one metric.

    ``results`` maps design names to :class:`workbench.RunResult`; ``attribute``
    and ``group`` choose whose value (default everyone), ``gap`` draws that
    group's equity gap instead (see :func:`workbench.stack_designs`).
    """
    from workbench.simulation import stack_designs

    ax = plot_metric(stack_designs(results, metric, attribute, group, gap), metric, ax=ax)
    if gap:
        ax.set_title(f"{TITLES.get(metric, metric)} gap: {attribute} = {group}", fontsize=12)
    elif attribute != "all":
        ax.set_title(f"{TITLES.get(metric, metric)}: {attribute} = {group}", fontsize=12)
    return ax


def plot_run(result, attribute: str | None = None) -> plt.Figure:
    """A 2×3 overview: belonging and confidence by group, gaps, attendance, retention, ties.

    Parameters
    ----------
    result
        A :class:`workbench.simulation.RunResult` (one run or replications).
    attribute
        Group attribute for the by-group panels (default: the first one).
    """
    metrics = result.metrics
    attributes = [a for a in metrics["attribute"].unique() if a != "all"]
    attribute = attribute or (attributes[0] if attributes else "all")
    fig, axes = plt.subplots(2, 3, figsize=(16, 8.5), constrained_layout=True)
    plot_metric(metrics, "belonging", attribute, axes[0, 0])
    plot_metric(metrics, "confidence", attribute, axes[0, 1])
    plot_gaps(result.gaps, "belonging", axes[0, 2])
    plot_metric(metrics, "attendance", "all", axes[1, 0])
    plot_metric(metrics, "retention", "all", axes[1, 1])
    plot_metric(metrics, "cross_group_ties", attribute, axes[1, 2])
    for ax in axes.flat:
        ax.set_xlim(right=ax.get_xlim()[1] * 1.25)  # room for direct labels
    name = result.run["scenario"].iloc[0]
    count = result.run["replication"].nunique()
    fig.suptitle(
        f"{name}: {count} replication{'s' * (count > 1)}, bands = 95% of replications", fontsize=14
    )
    return fig


def summary_table(result) -> pd.DataFrame:
    """Start vs end by group, averaged over replications, with the change and the gap."""
    metrics = result.metrics
    last = int(metrics["week"].max())
    keep = metrics[
        metrics["week"].isin([0, last]) & metrics["metric"].isin(["belonging", "confidence"])
    ]
    table = keep.pivot_table(
        index=["attribute", "group"], columns=["metric", "week"], values="value", aggfunc="mean"
    )
    out = pd.DataFrame(index=table.index)
    for metric in ("belonging", "confidence"):
        out[f"{metric} start"] = table[(metric, 0)]
        out[f"{metric} end"] = table[(metric, last)]
        out[f"{metric} change"] = table[(metric, last)] - table[(metric, 0)]
    gaps = result.gaps[result.gaps["week"].isin([0, last]) & (result.gaps["metric"] == "belonging")]
    gap = gaps.pivot_table(
        index=["attribute", "group"], columns="week", values="gap", aggfunc="mean"
    )
    out["belonging gap start"] = gap[0].reindex(out.index) if 0 in gap else np.nan
    out["belonging gap end"] = gap[last].reindex(out.index) if last in gap else np.nan
    order = sorted(out.index, key=lambda key: (key[0] != "all", key))
    return out.loc[order]


# The sweep, survey and calibration pictures, so that ``workbench.plots`` is the one
# place a notebook imports pictures from (imported last: they build on the helpers
# above). ``plot_gaps`` above draws a run's gaps; a survey's is ``plot_survey_gaps``.
from workbench.experiments.plots import (  # noqa: E402
    plot_comparison,
    plot_sensitivity,
    plot_trajectories,
)
from workbench.survey.plots import plot_checks, plot_posterior  # noqa: E402
from workbench.survey.plots import plot_gaps as plot_survey_gaps  # noqa: E402

__all__ = [
    "OKABE_ITO",
    "band",
    "plot_checks",
    "plot_comparison",
    "plot_designs",
    "plot_gaps",
    "plot_metric",
    "plot_posterior",
    "plot_run",
    "plot_sensitivity",
    "plot_survey_gaps",
    "plot_trajectories",
    "summary_table",
]
