"""The coordinator's policy dashboard: settings in plain words, live pictures, pin and compare.

Every policy and lever of a scenario has a control (see
:mod:`workbench.widgets.labels`). A change starts a debounced background run
of a few seeded replications (:mod:`workbench.widgets.runner`): a first look
from one run, then the bands from all of them; the previous picture stays
until the new one is ready. "Pin" keeps the current design; later designs are
compared against it, side by side, with the difference of each outcome and its
95% bootstrap interval over replications (paired by seed).

The numbers behind every picture are on :attr:`Dashboard.current_data`.

Examples
--------
>>> from workbench.scenario import Scenario
>>> board = Dashboard(Scenario().with_overrides({"cohort.size": 60, "levers.weeks": 6}),
...                   replications=2)
>>> board.refresh(wait=True)
>>> before = board.current_data["headline"]
>>> board.controls["levers.mentor_training"].value = 1.0
>>> board.refresh(wait=True)
>>> board.scenario.levers.mentor_training
1.0
>>> board.close()
"""

from __future__ import annotations

import base64
import html
import threading
import time
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.scenario import Scenario, load_scenario
from workbench.widgets.controls import css, help_text, make_control, set_control
from workbench.widgets.figures import (
    TRAJECTORY_METRICS,
    ComparisonFigure,
    NetworkFigure,
    TrajectoryFigure,
    sample_network,
)
from workbench.widgets.labels import SECTIONS, SETTINGS, get_value, group_label
from workbench.widgets.runner import LiveRunner
from workbench.widgets.runs import LiveResult, iter_live, run_live
from workbench.widgets.summaries import (
    compare_end,
    end_values,
    gap_bands,
    headline,
    trajectories,
)
from workbench.widgets.uploads import bundled_scenarios, scenario_from_upload


def _as_scenario(scenario: Scenario | str | Path | None) -> Scenario:
    if scenario is None:
        files = bundled_scenarios()
        return load_scenario(files["baseline"]) if "baseline" in files else Scenario()
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario(scenario)


def close_tree(widget: widgets.Widget) -> None:
    """Close ``widget`` and every widget inside it."""
    for child in getattr(widget, "children", ()):
        close_tree(child)
    widget.close()


def _table(frame: pd.DataFrame, digits: int = 3) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            text = f"{value:.{digits}f}" if isinstance(value, float) else str(value)
            cells.append(f"<td>{html.escape(text)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table class="wb-table"><tr>{head}</tr>{"".join(rows)}</table>'


class Dashboard:
    """Policy sliders, live pictures and a pinned comparison for one scenario.

    Parameters
    ----------
    scenario
        Starting design: a :class:`Scenario`, a scenario file, or ``None`` for
        the bundled baseline.
    replications
        Runs behind every picture (the bands span them).
    first_look
        Runs after which a first picture is shown while the rest finish.
    debounce
        Seconds of quiet after a change before a run starts.
    max_network
        Most students drawn in the network picture (an even sample beyond).
    save_dir
        Folder where "Save" writes scenario files.
    live
        Run after every change (False: only :meth:`refresh` runs, e.g. in scripts).

    Attributes
    ----------
    controls : dict of str to widget
        One control per dotted scenario key.
    widget : ipywidgets.VBox
        The whole dashboard (displaying the object displays it).
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        replications: int = 4,
        first_look: int = 1,
        debounce: float = 0.1,
        max_network: int = 300,
        save_dir: str | Path = ".",
        live: bool = True,
    ) -> None:
        self.live = live
        self.first_look = first_look
        self.max_network = max_network
        self.save_dir = Path(save_dir)
        self._base = _as_scenario(scenario)
        self._quiet = False
        self._lock = threading.RLock()
        self._data: dict[str, Any] = {}
        self._last: LiveResult | None = None
        self._pinned: LiveResult | None = None
        self._published = threading.Condition()
        self._publish_count = 0
        self._trajectory_figure = TrajectoryFigure()
        self._network_figure = NetworkFigure()
        self._comparison_figure = ComparisonFigure()
        self._runner = LiveRunner(self._work, self._publish, self._report_error, debounce)
        self._build(replications)
        self._load_controls(self._base)

    # -- building ------------------------------------------------------------------------
    def _build(self, replications: int) -> None:
        files = bundled_scenarios()
        self._files = files
        options = [(name.replace("_", " "), str(path)) for name, path in files.items()]
        start = str(files.get(self._base.name, "")) if self._base.name in files else None
        if start is None:
            options.insert(0, (f"{self._base.name} (as opened)", ""))
            start = ""
        self.start = widgets.Dropdown(
            options=options,
            value=start,
            description="Start from",
            style={"description_width": "7em"},
            tooltip="A ready-made program design to start from",
        )
        self.start.observe(self._on_start, "value")
        self.upload = widgets.FileUpload(
            accept=".toml",
            multiple=False,
            description="Open a design file (.toml)",
            layout=widgets.Layout(width="auto"),
        )
        self.upload.add_class("wb-scenario-upload")
        self.upload.observe(self._on_upload, "value")
        self.replications = widgets.IntSlider(
            value=replications,
            min=1,
            max=max(20, replications),
            description="Runs per picture",
            style={"description_width": "10em"},
            continuous_update=False,
            tooltip="More runs give steadier pictures and tighter bands, but take longer",
        )
        self.replications.observe(self._on_change, "value")
        self.group_by = widgets.Dropdown(
            options=[("Everyone together", "all")],
            value="all",
            description="Show groups by",
            style={"description_width": "10em"},
            layout=widgets.Layout(width="30em"),
        )
        self.group_by.observe(self._on_group_by, "value")

        self.controls: dict[str, widgets.ValueWidget] = {}
        self._help: dict[str, widgets.HTML] = {}
        sections: dict[str, list[widgets.Widget]] = {name: [] for name in SECTIONS}
        for setting in SETTINGS:
            control = make_control(setting, get_value(self._base.model_dump(), setting.key))
            control.add_class("wb-control")
            control.add_class("wb-" + setting.key.replace(".", "-").replace("_", "-"))
            control.observe(self._on_change, "value")
            self.controls[setting.key] = control
            self._help[setting.key] = help_text(setting)
            sections[setting.section] += [control, self._help[setting.key]]
        column = []
        for name, items in sections.items():
            column += [widgets.HTML(f"<h3>{html.escape(name)}</h3>"), *items]
        self._settings_by_key = {setting.key: setting for setting in SETTINGS}

        self.pin_button = widgets.Button(
            description="Pin this design",
            layout=widgets.Layout(width="auto"),
            icon="thumb-tack",
            tooltip="Keep these results to compare the next designs against",
        )
        self.pin_button.on_click(lambda _: self.pin())
        self.unpin_button = widgets.Button(
            description="Unpin", layout=widgets.Layout(width="auto"), disabled=True
        )
        self.unpin_button.on_click(lambda _: self.unpin())
        self.save_name = widgets.Text(
            value=f"{self._base.name}_custom",
            description="Design name",
            style={"description_width": "7em"},
        )
        self.save_button = widgets.Button(
            description="Save settings as a file",
            layout=widgets.Layout(width="auto"),
            icon="save",
            tooltip="Write these settings as a scenario file (.toml)",
        )
        self.save_button.on_click(lambda _: self._save_clicked())
        self.download = widgets.HTML("")
        self.status = widgets.HTML('<div class="wb-status" role="status" aria-live="polite"></div>')
        self.summary = widgets.HTML("")
        self.trajectory_image = widgets.Image(format="png", layout=widgets.Layout(width="100%"))
        self.trajectory_image.add_class("wb-trajectories")
        self.network_image = widgets.Image(
            format="png", layout=widgets.Layout(width="46%", min_width="320px")
        )
        self.network_image.add_class("wb-network")
        self.comparison_image = widgets.Image(format="png", layout=widgets.Layout(width="100%"))
        self.comparison_table = widgets.HTML("")
        self.comparison_box = widgets.VBox(
            [
                widgets.HTML("<h3>Pinned design compared with the current one</h3>"),
                self.comparison_image,
                self.comparison_table,
            ],
            layout=widgets.Layout(display="none"),
        )
        left = widgets.VBox(
            [self.replications, *column],
            # the settings scroll on their own, so the pictures stay in view beside them
            layout=widgets.Layout(
                width="36%",
                min_width="360px",
                padding="0 12px 0 0",
                max_height="85vh",
                overflow="auto",
            ),
        )
        right = widgets.VBox(
            [
                self.status,
                self.group_by,
                self.trajectory_image,
                self.summary,
                widgets.HBox(
                    [
                        self.network_image,
                        widgets.HTML(
                            '<div class="wb-help">Each dot is a student, placed on the arc of '
                            "their group. Grey lines are friendships, black lines mentoring "
                            "pairs, dashed orange lines pairs across groups. Hollow marks are "
                            "students who left the program.</div>",
                            layout=widgets.Layout(width="40%"),
                        ),
                    ]
                ),
                self.comparison_box,
            ],
            layout=widgets.Layout(width="62%"),
        )
        right.add_class("wb-pictures")
        self.widget = widgets.VBox(
            [
                css(),
                widgets.HTML("<h2>Try a program design</h2>"),
                widgets.HBox([self.start, self.upload]),
                widgets.HBox([self.pin_button, self.unpin_button]),
                widgets.HBox([self.save_name, self.save_button]),
                self.download,
                widgets.HBox([left, right]),
            ]
        )
        self.widget.add_class("wb-app")
        self.widget.add_class("wb-dashboard")

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    # -- settings ------------------------------------------------------------------------
    def _load_controls(self, scenario: Scenario) -> None:
        data = scenario.model_dump()
        self._quiet = True
        try:
            for key, control in self.controls.items():
                set_control(control, self._settings_by_key[key], get_value(data, key))
            attributes = list(scenario.cohort.attributes)
            self.group_by.options = [("Everyone together", "all")] + [
                (group_label(name), name) for name in attributes
            ]
            self.group_by.value = attributes[-1] if attributes else "all"
            self.save_name.value = f"{scenario.name}_custom"
        finally:
            self._quiet = False
        self._update_applies()

    def _values(self) -> dict[str, Any]:
        return {key: control.value for key, control in self.controls.items()}

    def _update_applies(self) -> None:
        values = self._values()
        for key, setting in self._settings_by_key.items():
            if setting.applies is not None:
                self.controls[key].disabled = not setting.applies(values)

    @property
    def scenario(self) -> Scenario:
        """The design the controls describe (validated)."""
        return self._base.with_overrides(self._values())

    def set(self, key: str, value: Any) -> None:
        """Set the control of dotted scenario ``key`` (as a coordinator would)."""
        if key not in self.controls:
            raise KeyError(f"no control for {key!r}; controls: {', '.join(self.controls)}")
        set_control(self.controls[key], self._settings_by_key[key], value)

    def load(self, scenario: Scenario | str | Path) -> None:
        """Start again from ``scenario`` (a :class:`Scenario` or a file)."""
        self._base = _as_scenario(scenario)
        self._load_controls(self._base)
        if self.live:
            self._request()

    # -- events --------------------------------------------------------------------------
    def _on_change(self, change: dict[str, Any] | None = None) -> None:
        if self._quiet:
            return
        self._update_applies()
        if self.live:
            self._request()

    def _on_group_by(self, change: dict[str, Any]) -> None:
        if self._quiet or self._last is None:
            return
        self._runner.request(self._last, immediate=True)  # redraw only, no new runs

    def _on_start(self, change: dict[str, Any]) -> None:
        if self._quiet or not change["new"]:
            return
        try:
            self.load(change["new"])
        except WorkbenchError as error:
            self._show_status(str(error), error=True)

    def _on_upload(self, change: dict[str, Any]) -> None:
        if not change["new"]:
            return
        try:
            scenario = scenario_from_upload(change["new"])
        except WorkbenchError as error:
            self._show_status(str(error), error=True)
            return
        self.load(scenario)
        self._show_status(f"Opened {html.escape(scenario.name)}.")

    def _request(self, immediate: bool = False) -> bool:
        try:
            scenario = self.scenario
        except WorkbenchError as error:
            self._show_status(f"These settings cannot be run: {error}", error=True)
            return False
        self._show_status(
            f"Running {self.replications.value} runs of {scenario.cohort.size:,} students…"
        )
        self._runner.request((scenario, self.replications.value), immediate=immediate)
        return True

    def refresh(self, wait: bool = True, timeout: float | None = None) -> None:
        """Run the current settings now; with ``wait``, return once every picture is updated."""
        if self._request(immediate=True) and wait:
            self._runner.wait(timeout)
        if self._error is not None and wait:
            error, self._error = self._error, None
            raise error

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the background runs are done; False on timeout."""
        return self._runner.wait(timeout)

    def close(self) -> None:
        """Stop the background thread and close the widgets."""
        self._runner.close()
        close_tree(self.widget)

    # -- running and drawing -------------------------------------------------------------
    _error: BaseException | None = None

    def _work(self, job: Any, stale) -> Any:
        if isinstance(job, LiveResult):
            yield job
            return
        scenario, replications = job
        yield from iter_live(scenario, replications, self.first_look, cancelled=stale)

    def _report_error(self, error: BaseException) -> None:
        self._error = error
        self._show_status(f"The run failed: {error}", error=True)

    def _show_status(self, text: str, error: bool = False) -> None:
        if error:
            body = f'<div class="wb-status wb-error" role="alert">{html.escape(text)}</div>'
        else:
            body = f'<div class="wb-status" role="status" aria-live="polite">{text}</div>'
        self.status.value = body

    def _publish(self, live: LiveResult) -> None:
        started = time.perf_counter()
        attribute = self.group_by.value
        if attribute != "all" and attribute not in set(live.metrics["attribute"]):
            attribute = "all"
        bands = trajectories(live.metrics, attribute, TRAJECTORY_METRICS)
        gaps = gap_bands(live.gaps, attribute, ("belonging", "confidence"))
        values = end_values(live.metrics, live.gaps, attribute)
        summary = headline(values)
        runs = f"{live.replications} run{'s' * (live.replications > 1)}"
        note = f"{live.scenario.name}: {runs}" + (
            ", bands = 95% of runs" if live.replications > 1 else " (more on the way)"
        )
        trajectory_png = self._trajectory_figure.draw(bands, gaps, attribute, note)
        nodes, edges = sample_network(live.network, attribute, self.max_network)
        shown = (
            f"{len(nodes)} of {len(live.network.groups):,} students"
            if len(nodes) < len(live.network.groups)
            else f"{len(nodes)} students"
        )
        network_png = self._network_figure.draw(nodes, edges, attribute, f"first run, {shown}")
        comparison = None
        comparison_png = None
        pinned = self._pinned
        if pinned is not None and live.complete:
            pinned_values = end_values(pinned.metrics, pinned.gaps, attribute)
            comparison = compare_end(pinned_values, values, paired=True)
            comparison_png = self._comparison_figure.draw(
                (
                    trajectories(pinned.metrics, "all", ("belonging",)),
                    gap_bands(pinned.gaps, attribute, ("belonging",)),
                ),
                (trajectories(live.metrics, "all", ("belonging",)), gaps),
                comparison,
            )
        data = {
            "scenario": live.scenario,
            "scenario_hash": live.scenario.hash(),
            "attribute": attribute,
            "replications": live.replications,
            "complete": live.complete,
            "trajectories": bands,
            "gaps": gaps,
            "end_values": values,
            "headline": summary,
            "network_nodes": nodes,
            "network_edges": edges,
            "comparison": comparison,
            "pinned": pinned.scenario if pinned is not None else None,
        }
        with self._lock:
            if live.complete:
                self._last = live
            self._data = data
        self.trajectory_image.value = trajectory_png
        self.network_image.value = network_png
        if comparison_png is not None:
            self.comparison_image.value = comparison_png
            self.comparison_table.value = _table(comparison)
        self.comparison_box.layout.display = "flex" if pinned is not None else "none"
        self._show_summary(live, summary)
        seconds = time.perf_counter() - started
        state = "Up to date" if live.complete else "First look"
        self._show_status(f"{state}: {runs} of {live.scenario.cohort.size:,} students.")
        data["draw_seconds"] = seconds
        with self._published:
            self._publish_count += 1
            self._published.notify_all()

    def _show_summary(self, live: LiveResult, summary: pd.DataFrame) -> None:
        values = dict(zip(summary["outcome"], summary["value"], strict=True))
        attributes = {
            "data-hash": live.scenario.hash(),
            "data-runs": str(live.replications),
            "data-complete": str(live.complete).lower(),
            "data-belonging": f"{values.get('Belonging at the end', float('nan')):.6f}",
        }
        attrs = " ".join(f'{key}="{html.escape(value)}"' for key, value in attributes.items())
        self.summary.value = (
            f'<div class="wb-summary" {attrs}>'
            "<h3>At the end of the program (average of the runs)</h3>"
            f"{_table(summary.rename(columns={'outcome': 'outcome', 'value': 'average'}))}</div>"
        )

    @property
    def current_data(self) -> dict[str, Any]:
        """The tables behind the pictures now shown (see the class docstring)."""
        with self._lock:
            return dict(self._data)

    @property
    def publish_count(self) -> int:
        """How many times the pictures have been updated."""
        with self._published:
            return self._publish_count

    def wait_for_update(self, after: int, timeout: float | None = None) -> bool:
        """Block until the pictures have been updated more than ``after`` times."""
        with self._published:
            return self._published.wait_for(lambda: self._publish_count > after, timeout)

    # -- pin and save --------------------------------------------------------------------
    def pin(self) -> Scenario:
        """Keep the current design's full results; later designs are compared with it."""
        self._runner.wait()
        scenario = self.scenario
        live = self._last
        if (
            live is None
            or live.scenario != scenario
            or live.replications != self.replications.value
        ):
            live = run_live(scenario, self.replications.value)
        self._pinned = live
        self.unpin_button.disabled = False
        self._runner.request(live, immediate=True)
        self._runner.wait()
        return scenario

    def unpin(self) -> None:
        """Stop comparing."""
        self._pinned = None
        self.unpin_button.disabled = True
        self.comparison_box.layout.display = "none"
        with self._lock:
            self._data = {**self._data, "comparison": None, "pinned": None}

    @property
    def pinned(self) -> Scenario | None:
        """The pinned design, if any."""
        return self._pinned.scenario if self._pinned is not None else None

    def save(self, path: str | Path | None = None, name: str | None = None) -> Path:
        """Write the current settings as a scenario file; :func:`load_scenario` reads it back.

        The file is named after ``name`` (default: the "Design name" box) in
        ``save_dir`` unless ``path`` is given. When the controls changed the
        design, the description says so and lists the changes (the starting
        design's description no longer fits it).
        """
        name = (name or self.save_name.value or "my_design").strip()
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name) or "my_design"
        scenario = self.scenario
        changes = scenario.changes(self._base)
        update: dict[str, Any] = {"name": safe}
        if len(changes):
            listed = ", ".join(
                f"{k} = {v}" for k, v in zip(changes["setting"], changes["value"], strict=True)
            )
            update["description"] = f"Made in the dashboard from “{self._base.name}”: {listed}."
        scenario = scenario.model_copy(update=update)
        path = Path(path) if path is not None else self.save_dir / f"{safe}.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        scenario.save(path)
        return path

    def _save_clicked(self) -> None:
        try:
            path = self.save()
        except (WorkbenchError, OSError) as error:
            self._show_status(f"Could not save: {error}", error=True)
            return
        payload = base64.b64encode(path.read_bytes()).decode()
        self.download.value = (
            f"Saved to <code>{html.escape(str(path))}</code>. "
            f'<a download="{html.escape(path.name)}" '
            f'href="data:application/toml;base64,{payload}">Download {html.escape(path.name)}</a>'
        )
