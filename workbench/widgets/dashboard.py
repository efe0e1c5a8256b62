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
import logging
import threading
import time
from dataclasses import dataclass
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
    smallest_font_px,
)
from workbench.widgets.labels import SECTIONS, SETTINGS, get_value, group_label
from workbench.widgets.reading import (
    READING_HTML,
    changes_html,
    design_changes,
    lead_words,
    outcome_of,
    verdict,
)
from workbench.widgets.runner import LiveRunner
from workbench.widgets.runs import LiveResult, iter_live, run_live
from workbench.widgets.summaries import (
    compare_end,
    end_values,
    gap_bands,
    headline,
    network_alt,
    readable,
    trajectories,
    trajectory_alt,
)
from workbench.widgets.sync import LiveWidgets
from workbench.widgets.uploads import bundled_scenarios, scenario_from_upload

log = logging.getLogger(__name__)


def _as_scenario(scenario: Scenario | str | Path | None) -> Scenario:
    if scenario is None:
        files = bundled_scenarios()
        return load_scenario(files["baseline"]) if "baseline" in files else Scenario()
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario(scenario)


def _my_version(name: str) -> str:
    """The suggested name for a changed design (a human name; the file name is made from it)."""
    return name if name.endswith("(my version)") else f"{name} (my version)"


def file_stem(name: str) -> str:
    """A file name for a design name: letters, digits, ``-`` and ``_``, runs of others as one ``_``.

    Examples
    --------
    >>> file_stem("Rotate every 6 weeks (Lincoln MS)")
    'Rotate_every_6_weeks_Lincoln_MS'
    """
    stem, gap = [], False
    for ch in name.strip():
        if ch.isalnum() or ch in "-_":
            if gap and stem:
                stem.append("_")
            stem.append(ch)
            gap = False
        else:
            gap = True
    return "".join(stem) or "my_design"


def close_tree(widget: widgets.Widget) -> None:
    """Close ``widget`` and every widget inside it."""
    for child in getattr(widget, "children", ()):
        close_tree(child)
    widget.close()


LARGE_RUNS = 20_000  # students × runs per picture above which a design asks before running


def _table(frame: pd.DataFrame, digits: int = 2, caption: str = "") -> str:
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in frame.columns)
    rows = []
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            text = f"{value:.{digits}f}" if isinstance(value, float) else str(value)
            cells.append(f"<td>{html.escape(text)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    caption = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f'<table class="wb-table">{caption}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def picture_html(png: bytes, alt: str, min_font_px: float) -> str:
    """A PNG as an ``<img>`` with alt text stating its message, shown at most at natural size.

    ``data-min-font-px`` is the smallest text in the picture at natural size
    (the browser test checks none is shown below 11 px).
    """
    payload = base64.b64encode(png).decode()
    return (
        f'<img class="wb-picture" src="data:image/png;base64,{payload}" '
        f'alt="{html.escape(alt)}" data-min-font-px="{min_font_px:.1f}" '
        'style="max-width:100%;height:auto;display:block">'
    )


def _comparison_frame(comparison: pd.DataFrame) -> pd.DataFrame:
    """The comparison table in words: values with units, the interval as one column."""
    rows = []
    for row in comparison.itertuples(index=False):
        outcome = outcome_of(row.outcome)
        scale = 100.0 if outcome.kind == "share" else 1.0
        unit = {"share": " pts", "count": ""}.get(outcome.kind, "")
        interval = (
            f"{scale * row.low:+.2f} to {scale * row.high:+.2f}{unit}"
            if pd.notna(row.low) and pd.notna(row.high)
            else "none (one run)"
        )
        rows.append(
            {
                "outcome": row.outcome,
                "scale": outcome.unit,
                "pinned": outcome.show(row.pinned),
                "current": outcome.show(row.current),
                "current − pinned": f"{scale * row.difference:+.2f}{unit}",
                "95% interval of the difference": interval,
            }
        )
    return pd.DataFrame(rows)


def first_grouping(scenario: Scenario) -> str:
    """The attribute whose groups the pictures show first ("all": none to show).

    The first attribute the scenario gives a group effect (a modelled gap, as
    ``first_gen`` in the baseline), else the first attribute. Attributes are kept
    in name order, so "the last one listed" would be an accident of spelling.

    Examples
    --------
    >>> first_grouping(Scenario())
    'first_gen'
    >>> first_grouping(Scenario().with_overrides({"cohort.group_effects": []}))
    'disability'
    """
    attributes = list(scenario.cohort.attributes)
    for effect in scenario.cohort.group_effects:
        if effect.attribute in attributes:
            return effect.attribute
    return attributes[0] if attributes else "all"


NETWORK_KEY = (
    '<div class="wb-help">Each dot is a student, placed on the arc of '
    "their group. Grey lines are friendships, black lines mentoring "
    "pairs, dashed orange lines pairs across groups. Hollow marks are "
    "students who left the program. In a large cohort half the "
    "students drawn are an even sample and the rest their mentoring "
    "partners.</div>"
)
"""How to read the network picture, shown beside it."""


def _runs(n: int) -> str:
    """``1 run``, ``4 runs``."""
    return f"{n} run{'s' * (n > 1)}"


@dataclass(frozen=True)
class _Comparison:
    """A pinned design against the current one, ready for the page."""

    pinned: Scenario
    current: Scenario
    table: pd.DataFrame
    verdicts: list[str]
    text: str  # what changed and what it means (HTML)
    picture: str  # the comparison picture (an ``<img>``)


#: Plausible worlds a pinned comparison is judged over by default, in the background: as
#: many as ``workbench verdict`` runs, since with fewer a verdict's share cannot clear 90%
#: (at 40 worlds only 40 of 40 can hold; docs/worlds.md).
WORLDS = 200
#: Largest design (students) the page judges over plausible worlds itself.
WORLDS_MAX_STUDENTS = 1000


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
    worlds
        Plausible worlds a pinned comparison is also judged over (0: not at all);
        the check runs in the background after the pictures (see
        :mod:`workbench.worlds`), for designs of up to :data:`WORLDS_MAX_STUDENTS`.

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
        worlds: int = WORLDS,
    ) -> None:
        self.live = live
        self.worlds = worlds
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
        self._error: BaseException | None = None  # set by the runner's thread, read here
        # widgets the runner's and the worlds check's threads write, sent again when a page loads
        self._live = LiveWidgets()
        self._runner = LiveRunner(self._work, self._publish, self._report_error, debounce)
        self._confirmed_job: tuple[str, int] | None = None
        self._worlds_pair: tuple[str, str] | None = None  # the designs being judged over worlds
        self._held = ""  # why the pictures are not of the settings shown (a large design not run)
        self._build(replications)
        self._load_controls(self._base)

    # -- building ------------------------------------------------------------------------
    def _build(self, replications: int) -> None:
        """Make every widget, then lay them out as one page (:attr:`widget`)."""
        self._build_start_controls()
        self._build_run_controls(replications)
        column = self._build_settings()
        self._build_pin_and_save()
        self._build_confirm()
        self._build_pictures()
        self.widget = self._layout(column)

    def _build_start_controls(self) -> None:
        """*Start from* (the bundled designs, or the one opened) and the design-file upload."""
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
        self.start.add_class("wb-start")
        self.start.observe(self._on_start, "value")
        self.upload = widgets.FileUpload(
            accept=".toml",
            multiple=False,
            description="Open a design file (.toml)",
            tooltip="Open a design saved earlier (a .toml scenario file)",
            layout=widgets.Layout(width="auto"),
        )
        self.upload.add_class("wb-scenario-upload")
        self.upload.observe(self._on_upload, "value")

    def _build_run_controls(self, replications: int) -> None:
        """How many runs each picture shows, and which groups the pictures compare."""
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
        self.group_by.add_class("wb-group-by")
        self.group_by.observe(self._on_group_by, "value")

    def _build_settings(self) -> list[widgets.Widget]:
        """One control with its help per setting, under its section's heading (the column)."""
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
        column: list[widgets.Widget] = []
        for name, items in sections.items():
            column += [widgets.HTML(f"<h3>{html.escape(name)}</h3>"), *items]
        self._settings_by_key = {setting.key: setting for setting in SETTINGS}
        return column

    def _build_pin_and_save(self) -> None:
        """Pin / Unpin, the design's name, "Save settings as a file" and its saved-file line."""
        self.pin_button = widgets.Button(
            description="Pin this design",
            layout=widgets.Layout(width="auto"),
            tooltip="Keep these results to compare the next designs against",
        )
        self.pin_button.on_click(lambda _: self.pin())
        self.unpin_button = widgets.Button(
            description="Unpin", layout=widgets.Layout(width="auto"), disabled=True
        )
        self.unpin_button.on_click(lambda _: self.unpin())
        self.save_name = widgets.Text(
            value=_my_version(self._base.name),
            description="Design name",
            style={"description_width": "7em"},
            layout=widgets.Layout(width="30em"),
        )
        self.save_button = widgets.Button(
            description="Save settings as a file",
            layout=widgets.Layout(width="auto"),
            tooltip="Write these settings as a scenario file (.toml)",
        )
        self.save_button.on_click(lambda _: self._save_clicked())
        self.download = widgets.HTML("")
        self.download.add_class("wb-saved")

    def _build_confirm(self) -> None:
        """The question asked before a large design runs ("Run it" / "Not now"), hidden."""
        self.confirm_text = widgets.HTML("")
        self.confirm_button = widgets.Button(
            description="Run it", button_style="primary", layout=widgets.Layout(width="auto")
        )
        self.confirm_button.on_click(lambda _: self._confirmed())
        self.cancel_button = widgets.Button(
            description="Not now", layout=widgets.Layout(width="auto")
        )
        self.cancel_button.on_click(lambda _: self._cancelled())
        self.confirm_box = widgets.VBox(
            [self.confirm_text, widgets.HBox([self.confirm_button, self.cancel_button])],
            layout=widgets.Layout(display="none"),
        )
        self.confirm_box.add_class("wb-confirm")

    def _build_pictures(self) -> None:
        """The status line, the summary, the three pictures and the (hidden) comparison box."""
        self.status = widgets.HTML('<div class="wb-status" role="status" aria-live="polite"></div>')
        self.summary = widgets.HTML("")
        self.trajectory_image = widgets.HTML("", layout=widgets.Layout(width="100%"))
        self.trajectory_image.add_class("wb-trajectories")
        self.network_image = widgets.HTML("", layout=widgets.Layout(width="540px", min_width="0"))
        self.network_image.add_class("wb-network")
        self.comparison_image = widgets.HTML("", layout=widgets.Layout(width="100%"))
        self.comparison_image.add_class("wb-comparison-picture")
        self.comparison_text = widgets.HTML("")
        self.comparison_text.add_class("wb-comparison-text")
        self.comparison_table = widgets.HTML("")
        self.worlds_text = widgets.HTML("")
        self.worlds_text.add_class("wb-worlds")
        self.comparison_box = widgets.VBox(
            [
                widgets.HTML("<h3>Pinned design compared with the current one</h3>"),
                self.comparison_text,
                self.worlds_text,
                self.comparison_image,
                self.comparison_table,
            ],
            layout=widgets.Layout(display="none"),
        )
        self.comparison_box.add_class("wb-comparison")
        self._live.add(
            self.status,
            self.summary,
            self.trajectory_image,
            self.network_image,
            self.comparison_text,
            self.comparison_image,
            self.comparison_table,
            self.worlds_text,
            self.comparison_box.layout,
        )

    def _layout(self, column: list[widgets.Widget]) -> widgets.VBox:
        """The page: design bar on top, settings ``column`` on the left, pictures on the right."""
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
                self.confirm_box,
                self.group_by,
                self.trajectory_image,
                self.summary,
                widgets.HTML(READING_HTML),
                widgets.HBox(
                    [
                        self.network_image,
                        widgets.HTML(
                            NETWORK_KEY, layout=widgets.Layout(width="30%", min_width="12em")
                        ),
                    ]
                ),
                self.comparison_box,
            ],
            layout=widgets.Layout(width="62%"),
        )
        right.add_class("wb-pictures")
        left.add_class("wb-settings")
        page = widgets.VBox(
            [
                css(),
                widgets.HTML("<h2>Try a program design</h2>"),
                widgets.HBox([self.start, self.upload]),
                widgets.HBox([self.pin_button, self.unpin_button]),
                widgets.HBox([self.save_name, self.save_button]),
                self.download,
                widgets.HBox([left, right]),
                self._live.button,
            ]
        )
        page.add_class("wb-app")
        page.add_class("wb-dashboard")
        return page

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
            self.group_by.value = first_grouping(scenario)
            self.save_name.value = (
                _my_version(scenario.name) if scenario.name in self._files else scenario.name
            )
            self._show_start(scenario)
        finally:
            self._quiet = False
        self._update_applies()

    def _show_start(self, scenario: Scenario) -> None:
        """*Start from* shows the bundled design, or the opened one by its own name."""
        options = [(k, v) for k, v in self.start.options if v != ""]
        path = self._files.get(scenario.name)
        if path is not None and str(path) in [v for _, v in options]:
            self.start.options = options
            self.start.value = str(path)
        else:
            self.start.options = [(f"{scenario.name} (opened)", ""), *options]
            self.start.value = ""

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
        self.download.value = ""  # a "Saved to" line would now describe other settings
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
        self.download.value = ""
        self.load(scenario)
        if self.confirm_box.layout.display != "flex":
            self._show_status(f"Opened {html.escape(scenario.name)}.")

    def _request(self, immediate: bool = False, confirmed: bool = False) -> bool:
        try:
            scenario = self.scenario
        except WorkbenchError as error:
            self._show_status(f"These settings cannot be run: {error}", error=True)
            return False
        runs = self.replications.value
        key = (scenario.hash(), runs)
        large = scenario.cohort.size * runs > LARGE_RUNS
        if large and self.live and not confirmed and self._confirmed_job != key:
            self._ask(scenario, runs)
            return False
        self.confirm_box.layout.display = "none"
        self._held = ""
        self._show_status(f"Running {runs} runs of {scenario.cohort.size:,} students…")
        self._runner.request((scenario, runs), immediate=immediate)
        return True

    def _ask(self, scenario: Scenario, runs: int) -> None:
        """A large design asks before it runs (it can take minutes and much memory)."""
        self.confirm_text.value = (
            f'<div class="wb-status" role="alert">{html.escape(scenario.name)} has '
            f"{scenario.cohort.size:,} students; {runs} run{'s' * (runs > 1)} of it can take "
            "several minutes, during which the pictures show the previous design. Run it, or "
            "lower “Students in the program” or “Runs per picture” first.</div>"
        )
        self.confirm_box.layout.display = "flex"
        self._show_status("Waiting for your answer: run the large design?")

    def _confirmed(self) -> None:
        self._confirmed_job = (self.scenario.hash(), self.replications.value)
        self._request(immediate=True, confirmed=True)

    def _cancelled(self) -> None:
        self.confirm_box.layout.display = "none"
        shown = self.current_data.get("scenario")
        where = f" ({html.escape(shown.name)})" if shown is not None else ""
        self._held = f"Not run. The pictures still show the previous design{where}."
        self._show_status(self._held)

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

    def _work(self, job: Any, stale) -> Any:
        if isinstance(job, LiveResult):
            yield job
            return
        scenario, replications = job
        size = scenario.cohort.size

        def progress(text: str) -> None:
            if not self._held and self.confirm_box.layout.display != "flex":
                self._show_status(f"Running {replications} runs of {size:,} students: {text}…")

        yield from iter_live(
            scenario, replications, self.first_look, cancelled=stale, progress=progress
        )

    def _report_error(self, error: BaseException) -> None:
        self._error = error
        self._show_status(f"The run failed: {error}", error=True)

    def _show_status(self, text: str, error: bool = False) -> None:
        if error:
            body = f'<div class="wb-status wb-error" role="alert">{html.escape(text)}</div>'
        else:
            body = f'<div class="wb-status" role="status" aria-live="polite">{text}</div>'
        with self._live.lock:
            self.status.value = body

    def _publish(self, live: LiveResult) -> None:
        """Draw ``live`` (the runner's thread): tables, pictures, comparison, then the page."""
        started = time.perf_counter()
        attribute = self._attribute_for(live)
        bands = trajectories(live.metrics, attribute, TRAJECTORY_METRICS)
        gaps = gap_bands(live.gaps, attribute, ("belonging", "confidence"))
        values = end_values(live.metrics, live.gaps, attribute)
        summary = headline(values)
        trajectory_html = self._draw_trajectories(live, bands, gaps, attribute)
        nodes, edges, network_html = self._draw_network(live, attribute)
        pinned = self._pinned
        compared = (
            self._compare(pinned, live, attribute, values, gaps)
            if pinned is not None and live.complete
            else None
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
            "comparison": compared.table if compared is not None else None,
            "verdicts": compared.verdicts if compared is not None else [],
            "pinned": pinned.scenario if pinned is not None else None,
        }
        with self._lock:
            if live.complete:
                self._last = live
            self._data = data
        with self._live.lock:  # one update of the page (a resend never interleaves with it)
            self._show_pictures(trajectory_html, network_html, compared)
            self._show_summary(live, summary)
            data["draw_seconds"] = time.perf_counter() - started
            self._show_progress(live)
        self._count_published(live, data["draw_seconds"])

    def _attribute_for(self, live: LiveResult) -> str:
        """The grouping chosen in "Show groups by", if ``live`` has it (else everyone)."""
        attribute = self.group_by.value
        if attribute != "all" and attribute not in set(live.metrics["attribute"]):
            return "all"
        return attribute

    def _draw_trajectories(
        self, live: LiveResult, bands: pd.DataFrame, gaps: pd.DataFrame, attribute: str
    ) -> str:
        """The six-panel picture of the weeks, as an ``<img>`` with its alt text."""
        note = f"{live.scenario.name}: {_runs(live.replications)}"
        if live.replications > 1:
            note += ", bands = 95% of runs"
        if not live.complete:
            note += " (more on the way)"
        png = self._trajectory_figure.draw(bands, gaps, attribute, note)
        return picture_html(
            png,
            trajectory_alt(bands, gaps, attribute),
            smallest_font_px(self._trajectory_figure.figure),
        )

    def _draw_network(
        self, live: LiveResult, attribute: str
    ) -> tuple[pd.DataFrame, pd.DataFrame, str]:
        """The first run's ties (at most ``max_network`` students): nodes, edges and ``<img>``."""
        nodes, edges = sample_network(live.network, attribute, self.max_network)
        students = len(live.network.groups)
        shown = (
            f"{len(nodes)} of {students:,} students"
            if len(nodes) < students
            else f"{len(nodes)} students"
        )
        png = self._network_figure.draw(nodes, edges, attribute, f"first run, {shown}")
        picture = picture_html(
            png,
            network_alt(nodes, edges, attribute, students),
            smallest_font_px(self._network_figure.figure),
        )
        return nodes, edges, picture

    def _compare(
        self,
        pinned: LiveResult,
        live: LiveResult,
        attribute: str,
        values: pd.DataFrame,
        gaps: pd.DataFrame,
    ) -> _Comparison:
        """The pinned design against ``live``: table, verdicts, the words and the picture."""
        pinned_values = end_values(pinned.metrics, pinned.gaps, attribute)
        table = compare_end(pinned_values, values, paired=True)
        changes = design_changes(pinned.scenario, live.scenario)
        lead = lead_words(changes)
        verdicts = [
            verdict(row.outcome, row.difference, row.low, row.high, lead)
            for row in table.itertuples(index=False)
        ]
        png = self._comparison_figure.draw(
            (
                trajectories(pinned.metrics, "all", ("belonging",)),
                gap_bands(pinned.gaps, attribute, ("belonging",)),
            ),
            (trajectories(live.metrics, "all", ("belonging",)), gaps),
            table,
            attribute,
        )
        picture = picture_html(
            png,
            "Pinned and current design compared. " + " ".join(verdicts[:2]),
            smallest_font_px(self._comparison_figure.figure),
        )
        text = (
            changes_html(changes, (pinned.replications, live.replications))
            + '<h4>What it means</h4><p class="wb-worlds-note">With the model\'s default '
            "parameter values (the runs above); whether it holds for the other values the "
            "evidence allows is checked across plausible worlds below.</p>"
            + '<ul class="wb-verdicts">'
            + "".join(f'<li class="wb-verdict">{html.escape(v)}</li>' for v in verdicts)
            + "</ul>"
        )
        return _Comparison(pinned.scenario, live.scenario, table, verdicts, text, picture)

    def _show_pictures(
        self, trajectory_html: str, network_html: str, compared: _Comparison | None
    ) -> None:
        """Put the pictures (and the comparison, when there is one) on the page."""
        self.trajectory_image.value = trajectory_html
        self.network_image.value = network_html
        if compared is not None:
            self._judge_over_worlds(compared.pinned, compared.current)
            self.comparison_text.value = compared.text
            self.comparison_image.value = compared.picture
            self.comparison_table.value = _table(
                _comparison_frame(compared.table),
                caption="The numbers behind the comparison (pts = percentage points)",
            )
        self.comparison_box.layout.display = "flex" if self._pinned is not None else "none"

    def _show_progress(self, live: LiveResult) -> None:
        """The status line after an update (a question about a large design stays in view)."""
        students = f"{live.scenario.cohort.size:,} students"
        if self.confirm_box.layout.display == "flex":
            return
        if self._held:
            self._show_status(self._held)
        elif live.complete:
            self._show_status(f"Up to date: {_runs(live.replications)} of {students}.")
        else:
            self._show_status(
                f"First look from {_runs(live.replications)} of {students}; "
                "the other runs are on the way…"
            )

    def _count_published(self, live: LiveResult, seconds: float) -> None:
        """Log the update and wake whoever waits for it (:meth:`wait_for_update`)."""
        log.debug(
            "pictures updated: %s, %s, complete=%s, drawn in %.2f s",
            live.scenario.name,
            _runs(live.replications),
            live.complete,
            seconds,
        )
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
        table = readable(summary).rename(
            columns={"value": "average", "scale": "scale or unit", "meaning": "in other words"}
        )
        self.summary.value = (
            f'<div class="wb-summary" {attrs}>'
            "<h3>At the end of the program (average of the runs)</h3>"
            f"{_table(table)}</div>"
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

    def _judge_over_worlds(self, pinned: Scenario, current: Scenario) -> None:
        """Judge current against pinned over plausible worlds, in the background.

        The bootstrap interval above says how sure a difference is *at the default
        parameters*; this says whether it holds across the parameters the evidence
        allows. The pictures do not wait for it; a newer pair of designs replaces it.
        """
        pair = (pinned.hash(), current.hash())
        if self.worlds < 2 or pair == self._worlds_pair:
            return
        self._worlds_pair = pair
        if max(pinned.cohort.size, current.cohort.size) > WORLDS_MAX_STUDENTS:
            self.worlds_text.value = (
                '<p class="wb-worlds-note">Whether this holds across plausible worlds is '
                f"checked here for designs of up to {WORLDS_MAX_STUDENTS:,} students; for this "
                "one, run <code>workbench verdict</code> on the two saved design files.</p>"
            )
            return
        self.worlds_text.value = (
            f'<p class="wb-worlds-note" data-complete="false">Checking the verdicts across '
            f"{self.worlds} plausible worlds (the parameter values the evidence allows)…</p>"
        )
        threading.Thread(target=self._worlds_job, args=(pinned, current, pair), daemon=True).start()

    def _worlds_job(self, pinned: Scenario, current: Scenario, pair: tuple[str, str]) -> None:
        from workbench.worlds import PlausibleWorlds, verdict

        try:
            judged = verdict(
                current.with_overrides({"name": "the current design"}),
                pinned.with_overrides({"name": "the pinned design"}),
                worlds=PlausibleWorlds.default(n=self.worlds, rng=0),
                rng=pinned.seed,
            )
        except Exception as error:  # noqa: BLE001 - shown on the page, the pictures stay
            body = f"Could not check across plausible worlds: {html.escape(str(error))}"
            with self._live.lock:
                if pair == self._worlds_pair:
                    self.worlds_text.value = f'<p class="wb-worlds-note">{body}</p>'
            return
        items = "".join(f'<li class="wb-verdict">{html.escape(s)}</li>' for s in judged.sentences())
        with self._live.lock:
            if pair != self._worlds_pair:
                return  # the designs changed meanwhile
            self.worlds_text.value = (
                f'<h4>Across {self.worlds} plausible worlds</h4><p class="wb-worlds-note" '
                'data-complete="true">The difference above is at the model\'s default values. '
                "Many of those values are uncertain or assumed, so the same two designs were also "
                "run with values the evidence allows; a verdict that changes among them is called "
                f'uncertain.</p><ul class="wb-verdicts">{items}</ul>'
            )
        with self._lock:
            self._data = {**self._data, "worlds_verdict": judged}

    def unpin(self) -> None:
        """Stop comparing."""
        self._pinned = None
        self.unpin_button.disabled = True
        with self._live.lock:
            self._worlds_pair = None
            self.worlds_text.value = ""
            self.comparison_box.layout.display = "none"
        with self._lock:
            self._data = {**self._data, "comparison": None, "pinned": None}

    @property
    def pinned(self) -> Scenario | None:
        """The pinned design, if any."""
        return self._pinned.scenario if self._pinned is not None else None

    def save(self, path: str | Path | None = None, name: str | None = None) -> Path:
        """Write the current settings as a scenario file; :func:`load_scenario` reads it back.

        The design keeps the human name (default: the "Design name" box); the
        file is named after it (:func:`file_stem`) in ``save_dir`` unless
        ``path`` is given. When the controls changed the design, the
        description says so and lists the changes (the starting design's
        description no longer fits it).
        """
        name = " ".join((name or self.save_name.value or "My design").split())
        scenario = self.scenario
        changes = scenario.changes(self._base)
        update: dict[str, Any] = {"name": name}
        if len(changes):
            listed = ", ".join(
                f"{k} = {v}" for k, v in zip(changes["setting"], changes["value"], strict=True)
            )
            update["description"] = f"Made in the dashboard from “{self._base.name}”: {listed}."
        scenario = scenario.model_copy(update=update)
        path = Path(path) if path is not None else self.save_dir / f"{file_stem(name)}.toml"
        from workbench.output import atomic_file

        with atomic_file(path) as temporary:  # nothing half-written on a full disk
            scenario.save(temporary)
        return path

    def _save_clicked(self) -> None:
        try:
            path = self.save()
        except (WorkbenchError, OSError) as error:
            self._show_status(f"Could not save: {error}", error=True)
            return
        payload = base64.b64encode(path.read_bytes()).decode()
        self.download.value = (
            f'<div class="wb-saved-line" role="status">Saved “{html.escape(self.save_name.value)}” '
            f"to <code>{html.escape(str(path))}</code>. "
            f'<a class="wb-link" download="{html.escape(path.name)}" '
            f'href="data:application/toml;base64,{payload}">Download {html.escape(path.name)}</a>'
            "</div>"
        )
