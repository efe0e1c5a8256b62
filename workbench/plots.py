"""Pictures for notebooks: a run's trajectories by group with bands over replications,
its gaps, several designs side by side, and (re-exported) the sweep, survey and
calibration plots.

Colours are the Okabe–Ito palette (safe for colour-blind readers) and every
group also has its own line style and a direct label, so nothing is told by
colour alone.

Figures are slide-ready: groups carry plain names (``first-generation``, not
``first_gen = yes``), direct labels on one panel are spread apart at draw time so
that no two overlap, whatever the limits and layout are by then, and
:func:`save_figure` writes a PNG and an SVG in one step.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist

from workbench.output import atomic_file
from workbench.plotstyle import (  # noqa: F401 (plain names re-exported for notebooks)
    ATTRIBUTE_NAMES,
    GROUP_NAMES,
    LINESTYLES,
    OKABE_ITO,
    TITLES,
    band,
    plain_name,
)

LABEL_GID = "direct-label"


class _LabelSpreader(Artist):
    """Moves a panel's direct labels apart just before they are drawn.

    Drawn first (lowest zorder), it reads the panel's final data-to-pixel
    transform, sorts the labels by the height of the line end they mark and
    pushes them apart by one label height, keeping them inside the panel.
    """

    zorder = -1e9

    def __init__(self, ax: plt.Axes) -> None:
        super().__init__()
        self._ax = ax

    def draw(self, renderer) -> None:
        labels = [t for t in self._ax.texts if t.get_gid() == LABEL_GID and t.get_visible()]
        if len(labels) < 2:
            return
        to_pixels = self._ax.transData.transform
        anchors = np.array([to_pixels(t.xy)[1] for t in labels])
        heights = [t.get_window_extent(renderer).height for t in labels]
        step = max(heights) * 1.1
        order = np.argsort(anchors, kind="stable")
        placed = anchors[order].astype(float)
        for i in range(1, len(placed)):
            placed[i] = max(placed[i], placed[i - 1] + step)
        box = self._ax.get_window_extent(renderer)
        top = box.y1 - step / 2
        if placed[-1] > top:
            placed[-1] = top
            for i in range(len(placed) - 2, -1, -1):
                placed[i] = min(placed[i], placed[i + 1] - step)
        points = 72.0 / self._ax.figure.dpi
        for k, i in enumerate(order):
            labels[i].xyann = (labels[i].xyann[0], (placed[k] - anchors[i]) * points)


def _spread_labels(ax: plt.Axes) -> None:
    if not any(isinstance(a, _LabelSpreader) for a in ax.artists):
        ax.add_artist(_LabelSpreader(ax))


def save_figure(fig: plt.Figure, path: str | Path, dpi: int = 200) -> list[Path]:
    """Write ``fig`` as a PNG (for slides) and an SVG (for print) beside each other.

    ``path`` names the files with or without a suffix: ``figures/gaps`` writes
    ``figures/gaps.png`` and ``figures/gaps.svg``. Each file is written whole or
    not at all (:func:`workbench.output.atomic_file`).

    Examples
    --------
    >>> import tempfile
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> folder = tempfile.mkdtemp()
    >>> [p.name for p in save_figure(fig, Path(folder) / "line.png")]
    ['line.png', 'line.svg']
    >>> plt.close(fig)
    """
    base = Path(path)
    if base.suffix.lower() in {".png", ".svg"}:
        base = base.with_suffix("")
    written = []
    for suffix in (".png", ".svg"):
        target = base.parent / (base.name + suffix)
        with atomic_file(target) as temporary:
            fig.savefig(temporary, dpi=dpi, bbox_inches="tight", format=suffix[1:])
        written.append(target)
    return written


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
        gid=LABEL_GID,
    )
    _spread_labels(ax)


def plot_metric(
    metrics: pd.DataFrame, metric: str, attribute: str = "all", ax: plt.Axes | None = None
) -> plt.Axes:
    """One metric over weeks, one line (with band) per level of ``attribute``."""
    ax = ax or plt.gca()
    part = metrics[(metrics["metric"] == metric) & (metrics["attribute"] == attribute)]
    for k, (group, frame) in enumerate(part.groupby("group", sort=True)):
        label = "everyone" if group == "all" else plain_name(attribute, str(group))
        if attribute == "all" and group != "all":
            label = str(group)  # a design's name (plot_designs)
        _line(ax, frame, label, k)
    by = "" if attribute == "all" else f" by {plain_name(attribute)}"
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
        _line(ax, frame, plain_name(attribute, str(group)), k + 1, value="gap")
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
        ax.set_title(
            f"{TITLES.get(metric, metric)} gap: {plain_name(attribute, group)}", fontsize=12
        )
    elif attribute != "all":
        ax.set_title(f"{TITLES.get(metric, metric)}: {plain_name(attribute, group)}", fontsize=12)
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
    "plain_name",
    "save_figure",
    "summary_table",
]
