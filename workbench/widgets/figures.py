"""The dashboard's pictures, drawn with matplotlib (Agg) into PNG bytes.

Each figure keeps its axes between updates and only swaps the drawn data,
which is several times faster than building a new figure (tick labels and
titles are reused). Groups get an Okabe–Ito colour *and* a line style and a
marker, and are labelled directly at the end of their line.

Examples
--------
>>> from workbench.scenario import Scenario
>>> from workbench.widgets.runs import run_live
>>> from workbench.widgets.summaries import gap_bands, trajectories
>>> live = run_live(Scenario().with_overrides({"cohort.size": 40, "levers.weeks": 4}), 2)
>>> figure = TrajectoryFigure()
>>> png = figure.draw(trajectories(live.metrics, "first_gen", TRAJECTORY_METRICS),
...                   gap_bands(live.gaps, "first_gen", ("belonging",)), "first_gen")
>>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import contextlib
import io
import textwrap

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from workbench.widgets.labels import group_label, level_label
from workbench.widgets.palette import FONT_SIZES, group_style
from workbench.widgets.runs import Network

TRAJECTORY_METRICS: tuple[str, ...] = (
    "belonging",
    "confidence",
    "attendance",
    "retention",
    "dependency",
)
PANEL_TITLES: dict[str, str] = {
    "belonging": "Sense of belonging",
    "confidence": "Confidence",
    "gap": "Belonging gap between groups",
    "attendance": "Attendance",
    "retention": "Still in the program",
    "dependency": "Leaning on the mentor (dependency)",
}
BRIDGE_COLOUR = "#D55E00"


def to_png(figure: Figure) -> bytes:
    """The figure as PNG bytes (light compression: speed matters more than size).

    Drawn with the Agg canvas directly: no pyplot, no change of the session's backend.
    """
    if not isinstance(figure.canvas, FigureCanvasAgg):
        FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def smallest_font_px(figure: Figure) -> float:
    """The smallest text drawn in ``figure``, in pixels at its natural size (legends included).

    The page compares it with the displayed size of the picture, so that no text
    is shown smaller than 11 px.
    """
    from matplotlib.text import Text

    hidden = {  # the axes of a picture drawn without axes (the network) are not shown
        id(text)
        for ax in figure.axes
        if not ax.axison
        for axis in (ax.xaxis, ax.yaxis)
        for text in axis.findobj(Text)
    }
    sizes = [
        text.get_fontsize()
        for text in figure.findobj(Text)
        if text.get_visible() and text.get_text().strip() and id(text) not in hidden
    ]
    return min(sizes, default=FONT_SIZES["label"]) * figure.dpi / 72


def _data_artists(ax) -> list:
    """What a redraw replaces: everything drawn in ``ax`` except the fixed reference lines."""
    return [
        artist
        for artist in [*ax.collections, *ax.patches, *ax.lines, *ax.texts]
        if not getattr(artist, "_wb_static", False)
    ]


def _clear(ax) -> None:
    for artist in _data_artists(ax):
        artist.remove()
    legend = ax.get_legend()
    if legend is not None:
        legend.remove()


NO_GROUPS_NOTE = "No groups chosen: choose a group in “Show groups by” to see the gap"


def _no_groups_note(ax, width: int) -> None:
    """The gap panel's note when no group attribute is chosen, wrapped to the panel."""
    ax.text(
        0.5,
        0.5,
        textwrap.fill(NO_GROUPS_NOTE, width),
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=FONT_SIZES["label"],
        color="#333333",
    )


def _style_axes(ax, title: str) -> None:
    ax.set_title(title, fontsize=FONT_SIZES["title"])
    ax.tick_params(labelsize=FONT_SIZES["label"])
    for axis in ("x", "y"):
        with contextlib.suppress(AttributeError):  # a categorical axis has no offset
            ax.ticklabel_format(axis=axis, useOffset=False, style="plain")  # no "+1" offsets
    for axis in (ax.xaxis, ax.yaxis):
        axis.get_offset_text().set_fontsize(FONT_SIZES["label"])
    ax.grid(alpha=0.3)


def _line(ax, frame: pd.DataFrame, label: str, k: int) -> None:
    style = group_style(k)
    frame = frame.sort_values("week")
    x = frame["week"].to_numpy()
    ax.plot(
        x,
        frame["mean"].to_numpy(),
        marker=style.marker,
        markevery=max(1, len(x) // 6),
        markersize=6,
        label=label,
        **style.line_kwargs(),
    )
    if frame["runs"].max() > 1:
        ax.fill_between(x, frame["low"], frame["high"], color=style.colour, alpha=0.18, linewidth=0)
    ax.annotate(
        label,
        (x[-1], frame["mean"].iloc[-1]),
        xytext=(5, 0),
        textcoords="offset points",
        fontsize=FONT_SIZES["label"],
        color="#222222",
        va="center",
    )


def _fit(ax, label_room: float) -> None:
    """Limits from the data, with room on the right for the direct labels."""
    ax.set_autoscale_on(True)
    ax.relim()
    ax.autoscale_view()
    data = [line.get_xdata() for line in ax.lines if not line.get_label().startswith("_")]
    weeks = np.concatenate(data) if data else np.zeros(0)
    if len(weeks):
        low, high = float(weeks.min()), float(weeks.max())
        ax.set_xlim(low - 0.5, high + max(high - low, 1.0) * label_room)


def _sticky_ylim(ax, low: float, high: float) -> None:
    """Keep the y-range while the data fill a good part of it; otherwise fit it anew.

    Unchanged limits keep the tick labels, so :class:`Blitter` can reuse the
    drawn axes and only draw the data again.
    """
    if not np.isfinite([low, high]).all():
        return
    ax.set_autoscale_on(False)
    current_low, current_high = ax.get_ylim()
    span = max(high - low, 1e-3)
    if current_low <= low and high <= current_high and span >= 0.35 * (current_high - current_low):
        return
    pad = 0.25 * span  # generous, so that the next design's data usually fit too
    ax.set_ylim(low - pad, high + pad)


def _spread_labels(ax, share: float = 0.07) -> None:
    """Move direct labels apart vertically so that no two overlap (order kept)."""
    labels = [text for text in ax.texts if hasattr(text, "xy")]
    if len(labels) < 2:
        return
    low, high = ax.get_ylim()
    # at least one label's height (a wrapped name is taller) in data units, plus a little air
    lines = max(text.get_text().count("\n") + 1 for text in labels)
    points = max(text.get_fontsize() for text in labels) * 1.3 * lines
    pixels = points * ax.figure.dpi / 72
    gap = max(share * (high - low), pixels / max(ax.bbox.height, 1.0) * (high - low))
    labels.sort(key=lambda text: text.xy[1])
    previous = -np.inf
    for text in labels:
        x, y = text.xy
        y = max(y, previous + gap)
        text.xy = (x, y)
        previous = y


def _week_xlim(ax, weeks: np.ndarray, label_room: float) -> None:
    if len(weeks):
        low, high = float(np.min(weeks)), float(np.max(weeks))
        ax.set_xlim(low - 0.5, high + max(high - low, 1.0) * label_room)


class Blitter:
    """Draw a figure's fixed parts once and only its data on later updates.

    Matplotlib's blitting: the figure without its data is rendered and kept
    (:meth:`~matplotlib.backends.backend_agg.FigureCanvasAgg.copy_from_bbox`)
    as long as ``key`` (limits, titles) is unchanged; each update restores it
    and draws the data artists on top. About five times faster than a full
    redraw, which spends most of its time laying out tick labels.
    """

    def __init__(self, figure: Figure) -> None:
        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self.key: object = None
        self.background = None

    def render(self, key: object, artists: list) -> bytes:
        """PNG bytes of the figure with ``artists`` drawn over the (cached) rest."""
        from PIL import Image

        if key != self.key or self.background is None:
            for artist in artists:
                artist.set_visible(False)
            self.canvas.draw()
            self.background = self.canvas.copy_from_bbox(self.figure.bbox)
            self.key = key
            for artist in artists:
                artist.set_visible(True)
        else:
            self.canvas.restore_region(self.background)
        renderer = self.canvas.get_renderer()
        for artist in sorted(artists, key=lambda a: a.get_zorder()):
            artist.draw(renderer)
        width, height = self.canvas.get_width_height()
        image = Image.frombuffer(
            "RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1
        )
        buffer = io.BytesIO()
        image.save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


def _direct_label(attribute: str, group: str) -> str:
    """A group's name at the end of its line, on short lines so that it stays in its panel."""
    return textwrap.fill(level_label(attribute, group), 11)


class TrajectoryFigure:
    """Six panels: belonging, confidence, the gap, attendance, retention, dependency."""

    LAYOUT: tuple[tuple[str, ...], ...] = (
        ("belonging", "confidence", "gap"),
        ("attendance", "retention", "dependency"),
    )

    def __init__(self, dpi: int = 72) -> None:
        self.figure = Figure(figsize=(12, 7.2), dpi=dpi)
        self.figure.subplots_adjust(
            left=0.05, right=0.92, top=0.9, bottom=0.08, wspace=0.62, hspace=0.38
        )
        grid = self.figure.subplots(2, 3)
        self.axes = {
            name: grid[r, c] for r, row in enumerate(self.LAYOUT) for c, name in enumerate(row)
        }
        for name, ax in self.axes.items():
            _style_axes(ax, PANEL_TITLES[name])
            ax.set_xlabel("week", fontsize=FONT_SIZES["label"])
        zero = self.axes["gap"].axhline(0, color="#666666", linewidth=1)
        zero._wb_static = True
        self.axes["gap"].set_ylabel("above 0: group behind", fontsize=FONT_SIZES["label"])
        self.suptitle = self.figure.suptitle("", fontsize=FONT_SIZES["title"] + 1)
        self.blitter = Blitter(self.figure)

    def draw(
        self, bands: pd.DataFrame, gaps: pd.DataFrame, attribute: str, note: str = ""
    ) -> bytes:
        """Redraw from :func:`trajectories` and :func:`gap_bands` tables; return PNG bytes."""
        for name, ax in self.axes.items():
            _clear(ax)
            if name == "gap":
                part = gaps[gaps["metric"] == "belonging"]
                groups = part.groupby(["reference", "group"], sort=True)
                # a line is named by its group alone (measured against the reference group,
                # the first): a label naming both ran into the next panel
                labels = [_direct_label(attribute, group) for _, group in groups.groups]
                offset = 1
            else:
                part = bands[bands["metric"] == name]
                groups = part.groupby("group", sort=True)
                labels = [_direct_label(attribute, group) for group in groups.groups]
                offset = 0
            for k, ((_, frame), label) in enumerate(zip(groups, labels, strict=True)):
                _line(ax, frame, label, k + offset)
            if name == "gap" and not len(part):
                _no_groups_note(ax, width=18)
            if len(part):
                values = part[["mean", "low", "high"]].to_numpy(dtype=float)
                values = values[np.isfinite(values)]
                low, high = (values.min(), values.max()) if values.size else (0.0, 1.0)
                if name == "gap":
                    low, high = min(low, 0.0), max(high, 0.0)
                _sticky_ylim(ax, low, high)
                _week_xlim(ax, part["week"].to_numpy(), label_room=0.3)
                _spread_labels(ax)
        groups_text = "everyone together" if attribute == "all" else group_label(attribute).lower()
        self.suptitle.set_text(f"Groups: {groups_text}. {note}".strip())
        key = tuple((ax.get_xlim(), ax.get_ylim()) for ax in self.axes.values())
        artists = [artist for ax in self.axes.values() for artist in _data_artists(ax)]
        artists.append(self.suptitle)
        return self.blitter.render(key, artists)


def group_circle(codes: np.ndarray, gap: float = 0.05) -> np.ndarray:
    """Positions on a unit circle, each group's students on one arc, arcs apart.

    ``gap`` is the share of the circle left empty after each group.

    Examples
    --------
    >>> xy = group_circle(np.array([1, 0, 1, 0]))
    >>> np.allclose(np.hypot(xy[:, 0], xy[:, 1]), 1.0)
    True
    """
    n = len(codes)
    if n == 0:
        return np.zeros((0, 2))
    order = np.argsort(codes, kind="stable")
    arc = np.concatenate([[0], np.cumsum(np.diff(codes[order]) != 0)])
    spacer = gap * n
    theta = np.empty(n)
    theta[order] = 2 * np.pi * (np.arange(n) + arc * spacer) / (n + (arc[-1] + 1) * spacer)
    return np.column_stack([np.cos(theta), np.sin(theta)])


def sample_network(
    network: Network, attribute: str, max_students: int = 300
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and edges to draw: everyone, or at most ``max_students`` of a larger cohort.

    A larger cohort is drawn as an evenly spaced half of ``max_students`` plus
    their mentoring partners, so its pairs show (an even sample alone keeps a
    tie only when both ends are drawn: 1% of them for a 10% sample).

    Returns ``nodes`` (``student, group, active, x, y``) and ``edges``
    (``a, b, mentoring, cross``) on the sampled students; ``cross`` means the
    two differ on ``attribute``.
    """
    groups = network.groups
    n = len(groups)
    keep = np.unique(np.linspace(0, n - 1, min(n, max_students)).round().astype(np.int64))
    if len(keep) < n and len(network.edges):
        # half the sample evenly spaced, the rest their mentoring partners, so that a large
        # cohort still shows its pairs (an even sample alone keeps ~1% of the ties)
        keep = keep[: max(1, len(keep) // 2)]
        chosen = np.zeros(n, dtype=bool)
        chosen[keep] = True
        a, b = network.edges[:, 0], network.edges[:, 1]
        pairs = network.mentoring & (chosen[a] | chosen[b])
        partners = np.unique(np.concatenate([a[pairs], b[pairs]]))
        keep = np.union1d(keep, partners)[:max_students] if len(partners) else keep
        keep = np.unique(keep)
    column = groups[attribute].to_numpy() if attribute in groups else np.array(["everyone"] * n)
    levels, codes = np.unique(column[keep], return_inverse=True)
    position = group_circle(codes)
    nodes = pd.DataFrame(
        {
            "student": keep,
            "group": levels[codes],
            "active": groups["active"].to_numpy()[keep],
            "x": position[:, 0],
            "y": position[:, 1],
        }
    )
    local = np.full(n, -1, dtype=np.int64)
    local[keep] = np.arange(len(keep))
    a, b = local[network.edges[:, 0]], local[network.edges[:, 1]]
    inside = (a >= 0) & (b >= 0)
    edges = pd.DataFrame(
        {
            "a": a[inside],
            "b": b[inside],
            "mentoring": network.mentoring[inside],
            "cross": codes[a[inside]] != codes[b[inside]],
        }
    )
    return nodes, edges


class NetworkFigure:
    """Students on a circle, one arc per group; friendships grey, mentoring pairs dark,
    cross-group mentoring pairs ("bridges") dashed orange.

    Blitted like :class:`TrajectoryFigure`: the legend and the group names are
    drawn once per grouping and layout; each update draws the ties, the
    students and the title over them.
    """

    KINDS: tuple[tuple[str, dict], ...] = (
        ("friendship", {"colors": "#999999", "linewidths": 0.5, "alpha": 0.35}),
        ("mentoring pair", {"colors": "#000000", "linewidths": 1.4, "alpha": 0.85}),
        (
            "bridge: pair across groups",
            {"colors": BRIDGE_COLOUR, "linewidths": 1.6, "linestyles": "--", "alpha": 0.85},
        ),
    )

    def __init__(self, dpi: int = 72) -> None:
        self.figure = Figure(figsize=(7.2, 7.2), dpi=dpi)
        self.figure.subplots_adjust(left=0.02, right=0.98, top=0.9, bottom=0.12)
        self.ax = self.figure.add_subplot()
        self.ax.set_axis_off()
        self.ax.set_aspect("equal")
        self.ax.set_xlim(-1.45, 1.45)
        self.ax.set_ylim(-1.45, 1.45)
        # a figure text, not the axes title: with the axes switched off, matplotlib placed
        # the title above the picture (out of sight) once the layout changed
        self.title = self.figure.text(
            0.5, 0.985, "", ha="center", va="top", fontsize=FONT_SIZES["title"]
        )
        self.blitter = Blitter(self.figure)
        self.layout: object = None

    def _draw_key(self, nodes: pd.DataFrame, groups: list, attribute: str) -> None:
        """Legend and group names: static while the grouping and the layout stay."""
        ax = self.ax
        names = {group: level_label(attribute, group) for group in groups}
        for text in list(ax.texts):
            text.remove()
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
        handles = [LineCollection([], label=label, **style) for label, style in self.KINDS]
        for k, group in enumerate(groups):
            style = group_style(k)
            handles.append(
                ax.scatter(
                    [],
                    [],
                    s=34,
                    c=style.colour,
                    marker=style.marker,
                    edgecolors="#222222",
                    linewidths=0.4,
                    label=names[group],
                )
            )
            frame = nodes[nodes["group"] == group]
            middle = frame[["x", "y"]].mean().to_numpy()
            norm = np.hypot(*middle)
            if norm > 1e-9:
                label = ax.text(
                    *(middle / norm * 1.3),
                    textwrap.fill(names[group], 14),
                    ha="center",
                    va="center",
                    fontsize=FONT_SIZES["title"],
                    fontweight="bold",
                )
                label._wb_static = True
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.02),
            ncol=3,
            fontsize=FONT_SIZES["label"],
            frameon=False,
        )
        for handle in handles[len(self.KINDS) :]:
            handle.remove()  # the legend keeps its own copies

    def draw(self, nodes: pd.DataFrame, edges: pd.DataFrame, attribute: str, note: str) -> bytes:
        """Redraw from :func:`sample_network` tables; return PNG bytes."""
        ax = self.ax
        groups = sorted(nodes["group"].unique())
        layout = (attribute, tuple(groups), nodes[["x", "y"]].to_numpy().round(6).tobytes())
        if layout != self.layout:
            self._draw_key(nodes, groups, attribute)
            self.layout = layout
        for artist in _data_artists(ax):
            artist.remove()
        xy = nodes[["x", "y"]].to_numpy()
        mentoring, cross = edges["mentoring"].to_numpy(), edges["cross"].to_numpy()
        masks = (~mentoring, mentoring & ~cross, mentoring & cross)
        for (_, style), mask in zip(self.KINDS, masks, strict=True):
            chosen = edges[mask]
            segments = np.stack([xy[chosen["a"]], xy[chosen["b"]]], axis=1)
            ax.add_collection(LineCollection(segments, **style))
        for k, group in enumerate(groups):
            style = group_style(k)
            frame = nodes[nodes["group"] == group]
            active = frame["active"].to_numpy()
            ax.scatter(
                frame["x"][active],
                frame["y"][active],
                s=34,
                c=style.colour,
                marker=style.marker,
                edgecolors="#222222",
                linewidths=0.4,
                zorder=3,
            )
            if (~active).any():
                ax.scatter(
                    frame["x"][~active],
                    frame["y"][~active],
                    s=34,
                    facecolors="none",
                    edgecolors=style.colour,
                    marker=style.marker,
                    zorder=3,
                )
        by = "" if attribute == "all" else f", by {group_label(attribute).lower()}"
        self.title.set_text(f"Who is connected at the end{by}\n{note}")
        return self.blitter.render(layout, [*_data_artists(ax), self.title])


class ComparisonFigure:
    """Pinned vs current: belonging over the weeks, the belonging gap, then each outcome's
    difference on its own axis and in its own unit (shares in percentage points, counts in
    ties per student, levels on the 0–1 scale), so no outcome is squeezed by another's scale.
    """

    ROW_INCHES = 0.62
    TOP_INCHES = 3.4

    def __init__(self, dpi: int = 72) -> None:
        self.dpi = dpi
        self.figure = Figure(figsize=(12, self.TOP_INCHES + 8 * self.ROW_INCHES), dpi=dpi)

    def draw(
        self,
        pinned: tuple[pd.DataFrame, pd.DataFrame],
        current: tuple[pd.DataFrame, pd.DataFrame],
        comparison: pd.DataFrame,
        attribute: str = "all",
    ) -> bytes:
        """``pinned``/``current`` are (everyone's belonging bands, gap bands of ``attribute``)."""
        from workbench.widgets.reading import outcome_of

        rows = len(comparison)
        height = self.TOP_INCHES + max(rows, 1) * self.ROW_INCHES + 0.7
        figure = self.figure
        figure.clear()
        figure.set_size_inches(12, height)
        top = 1 - 0.4 / height
        panel_bottom = 1 - (self.TOP_INCHES - 0.95) / height
        belonging_ax = figure.add_axes([0.07, panel_bottom, 0.36, top - panel_bottom])
        gap_ax = figure.add_axes([0.55, panel_bottom, 0.36, top - panel_bottom])
        _style_axes(belonging_ax, "Belonging, everyone (0–1 scale)")
        _style_axes(gap_ax, "Belonging gap (0–1 scale; above 0: group behind)")
        for k, (label, (bands, gaps)) in enumerate((("pinned", pinned), ("current", current))):
            _line(belonging_ax, bands, label, k)
            part = gaps[gaps["metric"] == "belonging"]
            for group, frame in part.groupby("group", sort=True):
                _line(gap_ax, frame, f"{label}: {level_label(attribute, group)}", k)
        if not len(current[1]):
            _no_groups_note(gap_ax, width=34)
        gap_ax.axhline(0, color="#666666", linewidth=1)
        for ax in (belonging_ax, gap_ax):
            ax.set_xlabel("week", fontsize=FONT_SIZES["label"])
            _fit(ax, label_room=0.45)
            _spread_labels(ax, share=0.09)
        row_height = self.ROW_INCHES / height
        first = 1 - (self.TOP_INCHES + 0.1) / height
        figure.text(
            0.07,
            first + 0.12 / height,
            "Current − pinned at the end, each outcome in its own unit, with its 95% interval",
            fontsize=FONT_SIZES["title"],
            va="bottom",
        )
        for i, row in enumerate(comparison.itertuples(index=False)):
            outcome = outcome_of(row.outcome)
            scale = 100.0 if outcome.kind == "share" else 1.0
            unit = {
                "share": "percentage points",
                "count": "ties per student",
            }.get(outcome.kind, "0–1 scale")
            ax = figure.add_axes([0.40, first - (i + 1) * row_height, 0.40, row_height * 0.55])
            diff, low, high = (scale * float(v) for v in (row.difference, row.low, row.high))
            error = np.array([[np.nan_to_num(diff - low)], [np.nan_to_num(high - diff)]])
            ax.errorbar([diff], [0], xerr=error, fmt="o", color="#000000", capsize=4)
            ax.axvline(0, color="#666666", linewidth=1)
            reach = np.nanmax(np.abs([diff, low, high, 1e-3 * scale]))
            ax.set_xlim(-1.35 * reach, 1.35 * reach)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=4, symmetric=True))
            ax.set_yticks([])
            ax.tick_params(labelsize=FONT_SIZES["label"])
            ax.grid(alpha=0.3, axis="x")
            figure.text(
                0.39,
                first - (i + 1) * row_height + row_height * 0.27,
                f"{textwrap.fill(row.outcome, 52)}\n({unit})",
                ha="right",
                va="center",
                fontsize=FONT_SIZES["label"],
            )
            f = ".2f" if reach >= 0.05 else ".3f"
            interval = (
                f"{diff:+{f}}  ({low:+{f}} to {high:+{f}})"
                if np.isfinite([low, high]).all()
                else f"{diff:+{f}}  (no interval)"
            )
            figure.text(
                0.81,
                first - (i + 1) * row_height + row_height * 0.27,
                interval,
                ha="left",
                va="center",
                fontsize=FONT_SIZES["label"],
            )
        return to_png(figure)
