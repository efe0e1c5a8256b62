"""The roster matcher widget: upload a roster, pick a policy and weights, get pairs with reasons.

It calls :func:`workbench.match` (the same function as ``workbench match``):
pairs come with a plain-language reason, unmatched students with why, and a
fairness report by group; the pairing list downloads as CSV. A bad upload (not
a CSV, a roster without ``id``...) shows a one-line message and leaves the
widget as it was.

Examples
--------
>>> from pathlib import Path
>>> from workbench.widgets.uploads import upload_entry
>>> matcher = RosterMatcher()
>>> csv = Path("examples/roster_synthetic.csv")
>>> matcher.upload.value = (upload_entry(csv.name, csv.read_bytes()),)
>>> len(matcher.pairs) > 0
True
>>> matcher.upload.value = (upload_entry("photo.png", b"x"),)
>>> "not a CSV file" in matcher.message.value
True
"""

from __future__ import annotations

import base64
import html
from typing import Any

import ipywidgets as widgets
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.matching import POLICIES
from workbench.matching.scores import TERMS
from workbench.roster import Roster
from workbench.widgets.controls import LABEL_WIDTH, css
from workbench.widgets.labels import SETTINGS_BY_KEY, policy_label
from workbench.widgets.uploads import roster_from_upload

PAIR_COLUMNS = {
    "group": "Pair",
    "site": "Site",
    "mentor": "Mentor",
    "mentee": "Mentee",
    "score": "Fit score",
    "reason": "Why this pair",
}
UNMATCHED_COLUMNS = {"id": "Student", "site": "Site", "role": "Role", "reason": "Why not matched"}
FAIRNESS_COLUMNS = {
    "attribute": "Group",
    "level": "Level",
    "students": "Students",
    "matched_rate": "Share matched",
    "mean_score_mentee": "Mean fit (as mentee)",
    "score_gap": "Fit below everyone",
    "cross_group_share": "Pairs across groups",
}
SHOWN_ROWS = 200


def frame_html(frame: pd.DataFrame, columns: dict[str, str], limit: int = SHOWN_ROWS) -> str:
    """An accessible HTML table of ``frame``'s ``columns`` under coordinator headings."""
    keep = [c for c in columns if c in frame.columns]
    shown = frame[keep].head(limit).rename(columns=columns)
    table = shown.to_html(
        index=False, classes="wb-table", border=0, float_format=lambda x: f"{x:.2f}"
    )
    more = (
        f"<p>Showing {limit} of {len(frame)} rows; download the CSV for all.</p>"
        if len(frame) > limit
        else ""
    )
    return table + more


class RosterMatcher:
    """Upload a roster CSV, choose how to pair, see and download the pairs.

    Parameters
    ----------
    seed
        Seed of the matching (ties and the random policy).

    Attributes
    ----------
    result : workbench.matching.api.MatchResult or None
        The last matching.
    widget : ipywidgets.VBox
    """

    def __init__(self, seed: int = 0) -> None:
        self.roster: Roster | None = None
        self.roster_name = ""
        self.result = None
        self.upload = widgets.FileUpload(
            accept=".csv",
            multiple=False,
            description="Upload roster (.csv)",
            layout=widgets.Layout(width="22em"),
        )
        self.upload.add_class("wb-roster-upload")
        self.upload.observe(self._on_upload, "value")
        style = {"description_width": LABEL_WIDTH}
        self.policy = widgets.Dropdown(
            options=[(policy_label(name), name) for name in POLICIES],
            value="optimal",
            description="How pairs are made",
            style=style,
            layout=widgets.Layout(width="98%"),
        )
        self.weights = {}
        for term in TERMS:
            setting = SETTINGS_BY_KEY[f"matching.weights.{term}"]
            self.weights[term] = widgets.FloatSlider(
                value=1.0 if term in ("affinity", "complementarity") else 0.5,
                min=0.0,
                max=5.0,
                step=0.25,
                description=setting.label,
                tooltip=setting.help,
                continuous_update=False,
                style=style,
                layout=widgets.Layout(width="98%"),
            )
        self.weights["challenge"].value = 0.0
        self.weights["cross_group"].value = 0.0
        self.capacity = widgets.IntSlider(
            value=1,
            min=1,
            max=5,
            description="Mentees per mentor",
            continuous_update=False,
            style=style,
            layout=widgets.Layout(width="98%"),
        )
        self.seed = widgets.IntText(
            value=seed, description="Seed", style={"description_width": "4em"}
        )
        self.match_button = widgets.Button(
            description="Make pairs", icon="users", button_style="primary"
        )
        self.match_button.add_class("wb-match-button")
        self.match_button.on_click(lambda _: self.run())
        for control in [self.policy, self.capacity, *self.weights.values()]:
            control.observe(self._on_setting, "value")
        self.message = widgets.HTML('<div class="wb-status" role="status"></div>')
        self.summary = widgets.HTML("")
        self.pairs_table = widgets.HTML("")
        self.pairs_table.add_class("wb-pairs")
        self.unmatched_table = widgets.HTML("")
        self.fairness_table = widgets.HTML("")
        self.download = widgets.HTML("")
        self.widget = widgets.VBox(
            [
                css(),
                widgets.HTML(
                    "<h2>Match your students</h2><p>Upload your roster as a CSV file: one row "
                    "per student with an <code>id</code> column; optional columns are site, "
                    "grade, role, interests, strengths, needs, languages, schedule, barriers "
                    "and group columns such as first_gen (see docs/dashboard.md).</p>"
                ),
                self.upload,
                self.message,
                self.policy,
                *self.weights.values(),
                self.capacity,
                widgets.HBox([self.seed, self.match_button]),
                self.summary,
                self.download,
                widgets.HTML("<h3>Pairs</h3>"),
                self.pairs_table,
                widgets.HTML("<h3>Students not matched</h3>"),
                self.unmatched_table,
                widgets.HTML("<h3>Fairness by group</h3>"),
                self.fairness_table,
            ]
        )
        self.widget.add_class("wb-app")
        self.widget.add_class("wb-matcher")

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def _say(self, text: str, error: bool = False) -> None:
        if error:
            self.message.value = (
                f'<div class="wb-status wb-error" role="alert">{html.escape(text)}</div>'
            )
        else:
            self.message.value = f'<div class="wb-status" role="status">{html.escape(text)}</div>'

    def _on_upload(self, change: dict[str, Any]) -> None:
        if not change["new"]:
            return
        try:
            name, roster = roster_from_upload(change["new"])
        except WorkbenchError as error:
            self._say(
                f"{error}. The previous roster is still in use." if self.roster else str(error),
                error=True,
            )
            return
        self.roster, self.roster_name = roster, name
        self._say(f"Read {len(roster)} students from {name}.")
        self.run()

    def _on_setting(self, change: dict[str, Any]) -> None:
        if self.roster is not None:
            self.run()

    @property
    def chosen_weights(self) -> dict[str, float]:
        """The weights the sliders show, by score term."""
        return {term: float(slider.value) for term, slider in self.weights.items()}

    def load(self, roster: Roster, name: str = "roster") -> None:
        """Use ``roster`` (e.g. from :func:`workbench.load_roster`) and match it."""
        self.roster, self.roster_name = roster, name
        self.run()

    def run(self) -> None:
        """Match the roster with the chosen policy and weights; update every table."""
        if self.roster is None:
            self._say("Upload a roster first.", error=True)
            return
        from workbench.matching.api import match

        try:
            result = match(
                self.roster,
                policy=self.policy.value,
                weights=self.chosen_weights,
                seed=int(self.seed.value),
                capacity=int(self.capacity.value),
            )
        except WorkbenchError as error:
            self._say(str(error), error=True)
            return
        self.result = result
        self.summary.value = f"<pre>{html.escape(result.summary())}</pre>"
        self.pairs_table.value = frame_html(result.pairs, PAIR_COLUMNS)
        self.unmatched_table.value = (
            frame_html(result.unmatched, UNMATCHED_COLUMNS)
            if len(result.unmatched)
            else "<p>Everyone has a partner.</p>"
        )
        self.fairness_table.value = frame_html(result.fairness, FAIRNESS_COLUMNS)
        payload = base64.b64encode(self.pairs_csv().encode("utf-8")).decode()
        stem = self.roster_name.rsplit(".", 1)[0] or "roster"
        self.download.value = (
            f'<a class="wb-download" download="{html.escape(stem)}_pairs.csv" '
            f'href="data:text/csv;base64,{payload}">Download the pairing list (CSV)</a>'
        )
        self._say(
            f"{len(result.pairs)} pairs from {len(self.roster)} students in "
            f"{html.escape(self.roster_name)} ({policy_label(result.policy).lower()})."
        )

    @property
    def pairs(self) -> pd.DataFrame:
        """The pairs of the last matching (empty before one)."""
        return self.result.pairs if self.result is not None else pd.DataFrame()

    @property
    def unmatched(self) -> pd.DataFrame:
        """Students left out by the last matching, with why."""
        return self.result.unmatched if self.result is not None else pd.DataFrame()

    @property
    def fairness(self) -> pd.DataFrame:
        """The last matching's fairness report."""
        return self.result.fairness if self.result is not None else pd.DataFrame()

    def pairs_csv(self) -> str:
        """The pairing list as CSV text (what the download link gives)."""
        return self.pairs.to_csv(index=False)
