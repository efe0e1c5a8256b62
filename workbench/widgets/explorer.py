"""The sweep explorer: open a ``workbench sweep`` result store, filter, plot any outcome.

Each run contributes one value (:func:`workbench.experiments.analysis.run_values`:
an outcome at the end of the program, its change from the start, or an equity
gap), joined to the run's swept parameters. Filters keep runs by parameter
values; the picture shows the outcome against any swept parameter, by group:
means with 95% bootstrap intervals where the parameter has a few levels, the
runs themselves with binned means where it varies continuously.

Examples
--------
>>> import tempfile
>>> from workbench.experiments.runner import sweep
>>> spec = {"base": None, "fixed": {"cohort.size": 40, "levers.weeks": 4}, "replications": 2,
...         "parameters": {"levers.mentor_training": {"levels": [0.0, 1.0]}}}
>>> report = sweep(spec, tempfile.mkdtemp() + "/store", workers=1, progress=False)
>>> explorer = SweepExplorer(report.path)
>>> explorer.x.value
'levers.mentor_training'
>>> sorted(explorer.current_data["levers.mentor_training"].unique().tolist())
[0.0, 1.0]
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.experiments.analysis import SweepResults, load_results, mean_ci, run_values
from workbench.widgets.controls import css
from workbench.widgets.figures import Figure, _clear, _style_axes, to_png
from workbench.widgets.labels import SETTINGS_BY_KEY, group_label, humanize
from workbench.widgets.palette import FONT_SIZES, group_style

FEW_LEVELS = 12
QUANTITIES = {
    "At the end of the program": "level",
    "Change from the start": "change",
    "Gap to the reference group": "gap",
}


def parameter_label(key: str) -> str:
    """Coordinator words for a swept dotted key, if the dashboard has them."""
    setting = SETTINGS_BY_KEY.get(key)
    return f"{setting.label} ({key})" if setting else key


class SweepExplorer:
    """Filter a sweep's runs by parameter and plot an outcome against a parameter.

    Parameters
    ----------
    path
        A result store folder (``workbench sweep FILE --out DIR``); optional,
        one can also be opened from the widget.

    Attributes
    ----------
    results : SweepResults or None
    current_data : DataFrame
        The plotted runs: ``run_id, group, value`` and the parameters.
    summary : DataFrame
        What the picture shows: per x level (or bin) and group, mean and interval.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.results: SweepResults | None = None
        self.current_data = pd.DataFrame()
        self.summary = pd.DataFrame()
        self._quiet = False
        self.figure = Figure(figsize=(9, 5.2), dpi=72)
        self.figure.subplots_adjust(left=0.1, right=0.8, top=0.9, bottom=0.13)
        self.ax = self.figure.add_subplot()
        style = {"description_width": "11em"}
        wide = widgets.Layout(width="98%")
        self.path = widgets.Text(
            value=str(path or ""),
            description="Results folder",
            placeholder="e.g. runs/policies",
            style=style,
            layout=widgets.Layout(width="40em"),
        )
        self.open_button = widgets.Button(
            description="Open", tooltip="Open the results folder typed on the left"
        )
        self.open_button.on_click(lambda _: self.open(self.path.value))
        self.message = widgets.HTML('<div class="wb-status" role="status"></div>')
        self.metric = widgets.Dropdown(description="Outcome", style=style, layout=wide)
        self.quantity = widgets.Dropdown(
            options=list(QUANTITIES.items()), description="Show", style=style, layout=wide
        )
        self.attribute = widgets.Dropdown(description="Groups", style=style, layout=wide)
        self.x = widgets.Dropdown(description="Against", style=style, layout=wide)
        for control in (self.metric, self.quantity, self.attribute, self.x):
            control.observe(self._on_change, "value")
        self.filters_box = widgets.VBox([])
        self.filters: dict[str, widgets.Widget] = {}
        self.image = widgets.HTML("", layout=widgets.Layout(width="100%"))
        self.image.add_class("wb-explorer-plot")
        self.table = widgets.HTML("")
        self.intro = widgets.HTML(
            '<div class="wb-help wb-explorer-intro"><p>No sweep is open yet. A sweep runs '
            "many designs (for example every rotation interval from 2 to 12 weeks) and saves "
            "the results in a folder. Type that folder above and choose <em>Open</em>; then "
            "pick an outcome and see how it changes with each setting that was varied.</p>"
            "<p>Sweeps are run by a researcher with <code>workbench sweep</code> (see "
            "docs/experiments.md), or opened at start with "
            "<code>workbench dashboard --results FOLDER</code>.</p></div>"
        )
        self.body = self._parts()
        self.widget = widgets.VBox(
            [
                css(),
                widgets.HTML("<h2>Explore a sweep</h2>"),
                widgets.HBox([self.path, self.open_button]),
                self.message,
                self.intro,
                self.body,
            ]
        )
        self.widget.add_class("wb-app")
        self.widget.add_class("wb-explorer")
        if path:
            self.open(path)

    def _parts(self) -> widgets.Widget:
        return widgets.HBox(
            [
                widgets.VBox(
                    [
                        self.metric,
                        self.quantity,
                        self.attribute,
                        self.x,
                        widgets.HTML("<h3>Keep runs where</h3>"),
                        self.filters_box,
                    ],
                    layout=widgets.Layout(width="38%"),
                ),
                widgets.VBox([self.image, self.table], layout=widgets.Layout(width="60%")),
            ],
            layout=widgets.Layout(display="none"),  # shown once a sweep is open
        )

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def _say(self, text: str, error: bool = False) -> None:
        role = "alert" if error else "status"
        kind = "wb-status wb-error" if error else "wb-status"
        self.message.value = f'<div class="{kind}" role="{role}">{html.escape(text)}</div>'

    # -- opening -------------------------------------------------------------------------
    def open(self, path: str | Path) -> None:
        """Load the result store at ``path`` and rebuild the choices."""
        path = Path(str(path).strip())
        if not (path / "manifest.json").is_file() and not path.is_dir():
            self._say(f"{path}: no such result folder", error=True)
            return
        try:
            results = load_results(path, tables=["metrics", "gaps"])
        except (WorkbenchError, OSError, ValueError) as error:
            self._say(f"{path}: cannot open as a sweep result store: {error}", error=True)
            return
        if "metrics" not in results.tables:
            self._say(f"{path}: no runs stored yet", error=True)
            return
        self.results = results
        self.path.value = str(path)
        metrics = results.tables["metrics"]
        self._quiet = True
        try:
            names = sorted(metrics["metric"].unique())
            self.metric.options = names
            self.metric.value = "belonging" if "belonging" in names else names[0]
            attributes = sorted(metrics["attribute"].unique(), key=lambda a: (a != "all", a))
            self.attribute.options = [(group_label(a), a) for a in attributes]
            self.attribute.value = attributes[0]
            parameters = results.parameters or ["point"]
            self.x.options = [(parameter_label(p), p) for p in parameters]
            self.x.value = parameters[0]
            self._build_filters(parameters)
        finally:
            self._quiet = False
        self.body.layout.display = "flex"
        self.intro.layout.display = "none"
        runs = results.design["run_id"].nunique()
        self._say(f"Opened {path.name}: {runs} runs over {len(parameters)} parameter(s).")
        self.update()

    def _build_filters(self, parameters: list[str]) -> None:
        design = self.results.design
        self.filters = {}
        for name in parameters:
            values = sorted(design[name].dropna().unique().tolist())
            if len(values) <= FEW_LEVELS or not np.issubdtype(design[name].dtype, np.number):
                control = widgets.SelectMultiple(
                    options=[(str(v), v) for v in values],
                    value=tuple(values),
                    description=humanize(name.rsplit(".", 1)[-1]),
                    rows=min(len(values), 6),
                    style={"description_width": "11em"},
                )
            else:
                control = widgets.FloatRangeSlider(
                    value=(float(min(values)), float(max(values))),
                    min=float(min(values)),
                    max=float(max(values)),
                    step=(float(max(values)) - float(min(values))) / 100 or 1.0,
                    description=humanize(name.rsplit(".", 1)[-1]),
                    continuous_update=False,
                    style={"description_width": "11em"},
                    layout=widgets.Layout(width="98%"),
                )
            control.tooltip = parameter_label(name)
            control.observe(self._on_change, "value")
            self.filters[name] = control
        self.filters_box.children = list(self.filters.values())

    # -- plotting ------------------------------------------------------------------------
    def _on_change(self, change: dict[str, Any] | None = None) -> None:
        if not self._quiet and self.results is not None:
            self.update()

    def runs(self) -> pd.DataFrame:
        """One value per run and group for the chosen outcome, with parameters, filtered."""
        results = self.results
        quantity = self.quantity.value
        attribute = self.attribute.value
        if quantity == "gap" and attribute == "all":
            raise WorkbenchError("choose a group attribute to see gaps between groups")
        values = run_values(
            results,
            self.metric.value,
            attribute=attribute,
            gap=quantity == "gap",
            change=quantity == "change",
        )
        parameters = results.parameters
        design = results.design[["run_id", *[p for p in parameters if p != "point"]]]
        frame = values.merge(design, on="run_id", how="left")
        for name, control in self.filters.items():
            if isinstance(control, widgets.SelectMultiple):
                frame = frame[frame[name].isin(list(control.value))]
            else:
                low, high = control.value
                frame = frame[(frame[name] >= low - 1e-12) & (frame[name] <= high + 1e-12)]
        return frame.reset_index(drop=True)

    def update(self) -> None:
        """Recompute the plotted data and redraw."""
        try:
            frame = self.runs()
        except WorkbenchError as error:
            self._say(str(error), error=True)
            return
        self.current_data = frame
        x = self.x.value
        ax = self.ax
        _clear(ax)
        rows = []
        few = frame[x].nunique() <= FEW_LEVELS
        for k, (group, part) in enumerate(frame.groupby("group", sort=True)):
            style = group_style(k)
            label = "everyone" if group == "all" else str(group)
            if few:
                stats = [
                    (level, *mean_ci(sub["value"].to_numpy()), len(sub))
                    for level, sub in part.groupby(x, sort=True)
                ]
            else:
                edges = np.quantile(part[x], np.linspace(0, 1, 9))
                bins = pd.cut(part[x], np.unique(edges), include_lowest=True)
                ax.scatter(
                    part[x],
                    part["value"],
                    s=12,
                    alpha=0.35,
                    color=style.colour,
                    marker=style.marker,
                )
                stats = [
                    (float(sub[x].mean()), *mean_ci(sub["value"].to_numpy()), len(sub))
                    for _, sub in part.groupby(bins, observed=True)
                ]
            table = pd.DataFrame(stats, columns=[x, "mean", "low", "high", "runs"])
            table.insert(0, "group", label)
            rows.append(table)
            error = np.vstack(
                [
                    np.nan_to_num(table["mean"] - table["low"]),
                    np.nan_to_num(table["high"] - table["mean"]),
                ]
            )
            ax.errorbar(
                table[x],
                table["mean"],
                yerr=error,
                capsize=4,
                marker=style.marker,
                label=label,
                **style.line_kwargs(),
            )
        self.summary = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
        quantity = {v: k for k, v in QUANTITIES.items()}[self.quantity.value]
        _style_axes(ax, f"{humanize(self.metric.value)}: {quantity.lower()}")
        ax.set_xlabel(parameter_label(x), fontsize=FONT_SIZES["label"])
        if rows:
            ax.legend(
                loc="upper left",
                bbox_to_anchor=(1.01, 1.0),
                fontsize=FONT_SIZES["label"],
                title=group_label(self.attribute.value),
            )
        ax.relim()
        ax.autoscale_view()
        from workbench.widgets.dashboard import picture_html
        from workbench.widgets.figures import smallest_font_px

        alt = (
            f"{humanize(self.metric.value)} ({quantity.lower()}) against "
            f"{parameter_label(x)}: "
            + "; ".join(
                f"{g}: {t['mean'].iloc[0]:.2f} at {t[x].iloc[0]} to {t['mean'].iloc[-1]:.2f} "
                f"at {t[x].iloc[-1]}"
                for g, t in self.summary.groupby("group", sort=True)
            )
            if len(self.summary)
            else "no runs match the filters"
        )
        self.image.value = picture_html(to_png(self.figure), alt, smallest_font_px(self.figure))
        self.table.value = self.summary.to_html(
            index=False, classes="wb-table", border=0, float_format=lambda v: f"{v:.3f}"
        )
        self._say(f"{frame['run_id'].nunique()} runs shown.")
