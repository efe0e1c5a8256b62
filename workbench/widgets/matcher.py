"""The roster matcher widget: upload a school export, confirm its columns, set the rules, get pairs.

The same steps as ``workbench match`` and the same function underneath
(:func:`workbench.match`):

1. **Upload** the roster CSV as the school's system exports it.
2. **Columns**: a form proposes what each column means (the column map of
   :mod:`workbench.columns`); change any row and press *Use these columns*.
   The map downloads as TOML for ``workbench match --columns``; a map saved
   earlier (``--write-columns``) can be uploaded instead.
3. **Check**: who is on the roster and every warning of
   :mod:`workbench.roster_preview`. When there are warnings, matching waits
   until the coordinator presses *Make pairs*.
4. **Rules**: the policy, score weights, mentees per mentor, shared free
   periods, a shared language, the grade gap (cross-age), a diversity quota,
   and must-not-meet pairs (from a roster column or a second upload). The
   rules download as TOML for ``workbench match --weights``.
5. **Results**: a plain-language summary with the fit score explained, the
   pairs with names and reasons, who is waiting and why, fairness by group;
   downloads of the pairs, of those waiting, and of a printable teacher list
   without sensitive columns.

A bad upload shows a one-line message and leaves the widget as it was.

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
>>> sis = Path("examples/roster_sis.csv")
>>> matcher.upload.value = (upload_entry(sis.name, sis.read_bytes()),)
>>> matcher.column_form["Last Name"]["use"].value, len(matcher.preview.problems) > 0
('name', True)
>>> matcher.shared_periods.value = 1
>>> matcher.run()  # the coordinator has read the warnings
>>> int(matcher.unmatched["reason"].str.contains("Free Periods cell is blank").sum())
2
"""

from __future__ import annotations

import base64
import csv
import html
import io
import shutil
import tempfile
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any, get_args

import ipywidgets as widgets
import pandas as pd
import tomli_w

from workbench.columns import (
    LIST_USES,
    Column,
    ColumnMap,
    Use,
    check_columns,
    columns_toml,
    parse_columns,
    propose_columns,
)
from workbench.errors import WorkbenchError
from workbench.matching import POLICIES
from workbench.matching.scores import TERMS
from workbench.pairlist import pairlist_html, teacher_pairs, teacher_waiting
from workbench.renamed import renamed
from workbench.roster import Roster, RosterTable, read_roster_table, roster_from_table
from workbench.roster_preview import RosterPreview, roster_warnings
from workbench.widgets.controls import LABEL_WIDTH, css
from workbench.widgets.labels import SETTINGS_BY_KEY, policy_label

PAIR_COLUMNS = {
    "group": "Pair",
    "site": "Site",
    "mentor": "Mentor",
    "mentee": "Mentee",
    "score": "Fit score",
    "reason": "Why this pair",
    "mentor_name": "Mentor name",
    "mentee_name": "Mentee name",
}
UNMATCHED_COLUMNS = {
    "id": "Student",
    "name": "Name",
    "site": "Site",
    "role": "Role",
    "reason": "Why not matched",
}
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
USES = list(get_args(Use))
USE_LABELS = {
    "id": "student id",
    "name": "name (shown, never matched)",
    "info": "information only (shown, never matched)",
    "site": "site / school",
    "grade": "grade",
    "role": "role / wants to mentor",
    "group": "group attribute",
    "interests": "list: interests",
    "strengths": "list: strengths",
    "needs": "list: needs",
    "languages": "list: languages",
    "schedule": "list: free periods",
    "barriers": "list: barriers",
    "must_not_meet": "list: must not meet",
    "belonging": "starting belonging",
    "confidence": "starting confidence",
    "ignore": "ignore",
}
NO_QUOTA = "(no quota)"


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


def _link(css_class: str, filename: str, mime: str, text: str, label: str) -> str:
    payload = base64.b64encode(text.encode("utf-8")).decode()
    return (
        f'<a class="{css_class}" download="{html.escape(filename)}" '
        f'href="data:{mime};base64,{payload}">{html.escape(label)}</a>'
    )


class RosterMatcher:
    """Upload a roster CSV, confirm its columns, choose how to pair, see and download the pairs.

    Parameters
    ----------
    rng
        Seed of the matching (ties and the random policy), shown in the "Seed" box
        (``workbench match --seed``). ``seed`` is its old name (deprecated).

    Attributes
    ----------
    result : workbench.matching.api.MatchResult or None
        The last matching.
    preview : workbench.roster_preview.RosterPreview or None
        The uploaded roster as read with the column map, with its warnings.
    column_form : dict of header -> dict of control name -> widget
        The column map form (``use``, ``separator``, ``yes_no``, ``sensitive``).
    widget : ipywidgets.VBox
    """

    def __init__(self, rng: int = 0, *, seed: int | None = None) -> None:
        seed = renamed("RosterMatcher", "seed", "rng", seed, rng, default=0)
        self.roster: Roster | None = None
        self.roster_name = ""
        self.result = None
        self.preview: RosterPreview | None = None
        self.table: RosterTable | None = None
        self.forbidden: list[tuple[str, str]] = []
        self.column_form: dict[str, dict[str, widgets.Widget]] = {}
        self._folder = Path(tempfile.mkdtemp(prefix="workbench-matcher-"))
        style = {"description_width": LABEL_WIDTH}
        wide = widgets.Layout(width="98%")

        self.upload = widgets.FileUpload(
            accept=".csv",
            multiple=False,
            description="Upload roster (.csv)",
            layout=widgets.Layout(width="22em"),
        )
        self.upload.add_class("wb-roster-upload")
        self.upload.observe(self._on_upload, "value")
        self.message = widgets.HTML('<div class="wb-status" role="status"></div>')

        self.columns_box = widgets.VBox([])
        self.columns_box.add_class("wb-columns")
        self.apply_columns = widgets.Button(
            description="Use these columns",
            button_style="info",
            layout=widgets.Layout(width="14em"),
        )
        self.apply_columns.add_class("wb-apply-columns")
        self.apply_columns.on_click(lambda _: self.use_columns())
        self.columns_download = widgets.HTML("")
        self.columns_upload = widgets.FileUpload(
            accept=".toml",
            multiple=False,
            description="Or upload a column map (.toml)",
            layout=widgets.Layout(width="22em"),
        )
        self.columns_upload.add_class("wb-columns-upload")
        self.columns_upload.observe(self._on_columns_upload, "value")
        self.checks = widgets.HTML("")
        self.checks.add_class("wb-checks")

        self.policy = widgets.Dropdown(
            options=[(policy_label(name), name) for name in POLICIES],
            value="optimal",
            description="How pairs are made",
            style=style,
            layout=wide,
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
                layout=wide,
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
            layout=wide,
        )
        self.shared_periods = widgets.IntSlider(
            value=0,
            min=0,
            max=5,
            description="Shared free periods (at least)",
            tooltip="Hard rule: every pair shares at least this many free periods (0 = no rule)",
            continuous_update=False,
            style=style,
            layout=wide,
        )
        self.shared_periods.add_class("wb-shared-periods")
        self.shared_language = widgets.Checkbox(
            value=False,
            description="Pairs must share a language",
            indent=False,
        )
        self.shared_language.add_class("wb-shared-language")
        self.grade_gap = widgets.IntSlider(
            value=1,
            min=0,
            max=6,
            description="Grade gap (cross-age pairing)",
            tooltip="Cross-age policy: a mentor is at least this many grades older",
            continuous_update=False,
            style=style,
            layout=wide,
        )
        self.quota_attribute = widgets.Dropdown(
            options=[NO_QUOTA],
            value=NO_QUOTA,
            description="Diversity quota on",
            tooltip="Mentees-per-mentor policy: at most this many of one mentor's mentees "
            "share a level of this group (a soft rule)",
            style=style,
            layout=wide,
        )
        self.max_per_group = widgets.IntSlider(
            value=1,
            min=1,
            max=5,
            description="At most per level",
            continuous_update=False,
            style=style,
            layout=wide,
        )
        self.avoid_upload = widgets.FileUpload(
            accept=".csv",
            multiple=False,
            description="Must-not-meet pairs (.csv)",
            layout=widgets.Layout(width="22em"),
        )
        self.avoid_upload.add_class("wb-avoid-upload")
        self.avoid_upload.observe(self._on_avoid_upload, "value")
        self.avoid_note = widgets.HTML("")
        self.seed = widgets.IntText(
            value=seed, description="Seed", style={"description_width": "4em"}
        )
        self.match_button = widgets.Button(description="Make pairs", button_style="primary")
        self.match_button.add_class("wb-match-button")
        self.match_button.on_click(lambda _: self.run())
        for control in [
            self.policy,
            self.capacity,
            self.shared_periods,
            self.shared_language,
            self.grade_gap,
            self.quota_attribute,
            self.max_per_group,
            *self.weights.values(),
        ]:
            control.observe(self._on_setting, "value")

        self.summary = widgets.HTML("")
        self.summary.add_class("wb-match-summary")
        self.download = widgets.HTML("")
        self.pairs_table = widgets.HTML("")
        self.pairs_table.add_class("wb-pairs")
        self.unmatched_table = widgets.HTML("")
        self.unmatched_table.add_class("wb-waiting")
        self.fairness_table = widgets.HTML("")
        self.widget = widgets.VBox(
            [
                css(),
                widgets.HTML(
                    "<h2>Match your students</h2><p>Upload your roster as a CSV file, as your "
                    "school's system exports it (one row per student). The matcher proposes "
                    "what each column means; check it, read the warnings, set the rules and "
                    "make pairs. Everything stays on this computer.</p>"
                ),
                self.upload,
                self.message,
                widgets.HTML(
                    "<h3>1. Columns</h3><p>What each column means. Names, emails and "
                    "homerooms are shown on the lists and never used to match; sensitive "
                    "columns stay off the teacher list.</p>"
                ),
                self.columns_box,
                widgets.HBox([self.apply_columns, self.columns_upload, self.columns_download]),
                widgets.HTML("<h3>2. Check the roster</h3>"),
                self.checks,
                widgets.HTML("<h3>3. Rules</h3>"),
                self.policy,
                *self.weights.values(),
                self.capacity,
                self.shared_periods,
                self.shared_language,
                self.grade_gap,
                self.quota_attribute,
                self.max_per_group,
                widgets.HBox([self.avoid_upload, self.avoid_note]),
                widgets.HBox([self.seed, self.match_button]),
                widgets.HTML("<h3>4. Results</h3>"),
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

    # ------------------------------------------------------------ upload and columns

    def _saved_upload(self, value: Any) -> tuple[str, Path]:
        items = list(value.values()) if isinstance(value, dict) else list(value)
        if not items:
            raise WorkbenchError("no file chosen")
        name = Path(str(items[-1].get("name", "upload"))).name or "upload"
        if not name.lower().endswith(".csv"):
            raise WorkbenchError(
                f"{name}: not a CSV file; choose the roster saved as .csv "
                "(one row per student, a student id column)"
            )
        folder = Path(tempfile.mkdtemp(dir=self._folder))
        path = folder / name
        path.write_bytes(bytes(items[-1]["content"]))
        return name, path

    def _on_upload(self, change: dict[str, Any]) -> None:
        if not change["new"]:
            return
        try:
            name, path = self._saved_upload(change["new"])
            try:
                # kept in memory only, under the uploaded name (for messages)
                table = replace(read_roster_table(path), path=Path(name))
            except WorkbenchError as error:
                raise WorkbenchError(str(error).replace(str(path), name)) from None
            finally:
                shutil.rmtree(path.parent, ignore_errors=True)
            proposal = propose_columns(table.header, table.rows)
            preview = self._read(table, proposal, proposed=True)
        except WorkbenchError as error:
            self._say(
                f"{error}. The previous roster is still in use." if self.roster else str(error),
                error=True,
            )
            return
        self.table, self.roster_name = table, name
        self.forbidden = []
        self.avoid_note.value = ""
        self._show_form(preview.columns)
        self._accept(preview)

    def _read(self, table: RosterTable, columns: ColumnMap, proposed: bool) -> RosterPreview:
        check_columns(columns, table.header, table.rows, "column form", str(table.path))
        roster = roster_from_table(table, columns)
        warnings = tuple(roster_warnings(table, columns, roster))
        return RosterPreview(table, columns, proposed, roster, warnings)

    def _show_form(self, columns: ColumnMap) -> None:
        rows = [
            widgets.HTML(
                "<b>Column</b>&nbsp; <b>What it is</b> · <b>list separator</b> · "
                "<b>yes/no</b> · <b>sensitive</b>"
            )
        ]
        self.column_form = {}
        for header, column in columns.columns.items():
            use = widgets.Dropdown(
                options=[(USE_LABELS[u], u) for u in USES],
                value=column.use,
                description=header,
                style={"description_width": "14em"},
                layout=widgets.Layout(width="34em"),
            )
            separator = widgets.Text(
                value=column.separator or "",
                placeholder=";",
                layout=widgets.Layout(width="4em"),
                description_allow_html=False,
            )
            narrow = widgets.Layout(width="7em")
            yes_no = widgets.Checkbox(
                value=column.yes_no, description="yes/no", indent=False, layout=narrow
            )
            sensitive = widgets.Checkbox(
                value=column.sensitive, description="sensitive", indent=False, layout=narrow
            )
            separator.disabled = column.use not in LIST_USES
            yes_no.disabled = column.use not in ("role", "group")

            def fit(change: dict[str, Any], separator=separator, yes_no=yes_no) -> None:
                separator.disabled = change["new"] not in LIST_USES
                yes_no.disabled = change["new"] not in ("role", "group")

            use.observe(fit, "value")
            for control in (use, separator, yes_no, sensitive):
                control.add_class("wb-column-control")
            self.column_form[header] = {
                "use": use,
                "separator": separator,
                "yes_no": yes_no,
                "sensitive": sensitive,
            }
            row = widgets.HBox([use, separator, yes_no, sensitive])
            row.add_class("wb-column-row")
            rows.append(row)
        self.columns_box.children = rows

    def form_columns(self) -> ColumnMap:
        """The column map the form shows (raises a one-line error if it cannot be one)."""
        columns = {}
        for header, controls in self.column_form.items():
            use = controls["use"].value
            separator = controls["separator"].value.strip() or None
            data = {
                "use": use,
                "separator": separator if use in LIST_USES else None,
                "yes_no": bool(controls["yes_no"].value) and use in ("role", "group"),
                "sensitive": bool(controls["sensitive"].value),
            }
            try:
                columns[header] = Column.model_validate(data)
            except ValueError as error:
                raise WorkbenchError(f"column form: column {header!r}: {error}") from None
        return ColumnMap(columns=columns)

    def use_columns(self) -> None:
        """Read the uploaded roster again with the map the form shows."""
        if self.table is None:
            self._say("Upload a roster first.", error=True)
            return
        try:
            preview = self._read(self.table, self.form_columns(), proposed=False)
        except WorkbenchError as error:
            self._say(str(error), error=True)
            return
        self._accept(preview)

    def _on_columns_upload(self, change: dict[str, Any]) -> None:
        """A column map saved earlier (``--write-columns`` or this page): fill the form, use it."""
        if not change["new"]:
            return
        items = list(change["new"].values()) if isinstance(change["new"], dict) else change["new"]
        name = Path(str(items[-1].get("name", "columns.toml"))).name
        try:
            if self.table is None:
                raise WorkbenchError(f"{name}: upload the roster first, then its column map")
            try:
                data = tomllib.loads(bytes(items[-1]["content"]).decode("utf-8"))
            except (UnicodeDecodeError, tomllib.TOMLDecodeError) as problem:
                raise WorkbenchError(f"{name}: not a column map (TOML): {problem}") from None
            columns = parse_columns(data, name)
            check_columns(columns, self.table.header, self.table.rows, name, str(self.table.path))
            preview = self._read(self.table, columns, proposed=False)
        except WorkbenchError as error:
            self._say(str(error), error=True)
            return
        self._show_form(columns)
        self._accept(preview)

    def _accept(self, preview: RosterPreview) -> None:
        """Show a newly read roster; match it unless it has warnings to read first."""
        self.preview = preview
        self.roster = preview.roster
        self.result = None
        self._clear_results()
        names = sorted(preview.roster.attribute_names)
        self.quota_attribute.options = [NO_QUOTA, *names]
        self.columns_download.value = _link(
            "wb-download-columns",
            f"{self._stem()}_columns.toml",
            "application/toml",
            columns_toml(preview.columns, self.roster_name),
            "Download the column map (TOML)",
        )
        self.checks.value = self._checks_html(preview)
        problems = preview.problems
        if problems:
            self._say(
                f"Read {len(preview.roster)} students from {self.roster_name}. "
                f"{len(problems)} warning(s) below: read them, fix the file or the columns if "
                "needed, then press Make pairs."
            )
            return
        self._say(f"Read {len(preview.roster)} students from {self.roster_name}.")
        self.run()

    def _checks_html(self, preview: RosterPreview) -> str:
        facts = "".join(f"<li>{html.escape(line)}</li>" for line in preview.facts())
        items = "".join(
            f'<li class="wb-{w.level}">{html.escape(str(w))}</li>' for w in preview.warnings
        )
        warnings = f'<ul class="wb-warnings">{items}</ul>' if items else "<p>No warnings.</p>"
        return f"<ul>{facts}</ul>{warnings}"

    def _on_avoid_upload(self, change: dict[str, Any]) -> None:
        if not change["new"]:
            return
        try:
            name, path = self._saved_upload(change["new"])
            try:
                pairs = self._read_avoid(name, path)
            finally:
                shutil.rmtree(path.parent, ignore_errors=True)
        except WorkbenchError as error:
            self._say(str(error), error=True)
            return
        self.forbidden = pairs
        self.avoid_note.value = (
            f"<span>{len(pairs)} must-not-meet pair(s) from {html.escape(name)}</span>"
        )
        if self.result is not None:
            self.run()

    def _read_avoid(self, name: str, path: Path) -> list[tuple[str, str]]:
        """Pairs from a CSV: each row an id, then the ids (``;``/``,``-separated) to keep apart."""
        if self.roster is None:
            raise WorkbenchError(f"{name}: upload the roster first")
        known = {str(i) for i in self.roster.ids}
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
        pairs = []
        for number, row in enumerate(rows, start=1):
            cells = [p.strip() for cell in row for p in cell.replace(",", ";").split(";")]
            cells = [c for c in cells if c]
            if number == 1 and cells and cells[0] not in known:
                continue  # a header row
            if len(cells) < 2:
                raise WorkbenchError(f"{name}: row {number}: give two ids (a student and another)")
            for other in cells[1:]:
                for student in (cells[0], other):
                    if student not in known:
                        raise WorkbenchError(
                            f"{name}: row {number}: unknown student {student!r}; "
                            "use ids from the roster"
                        )
                pairs.append((cells[0], other))
        return pairs

    # ------------------------------------------------------------ rules and matching

    def _on_setting(self, change: dict[str, Any]) -> None:
        if self.roster is not None and self.result is not None:
            self.run()

    @property
    def chosen_weights(self) -> dict[str, float]:
        """The weights the sliders show, by score term."""
        return {term: float(slider.value) for term, slider in self.weights.items()}

    @property
    def rules(self) -> dict[str, Any]:
        """Every matching setting the controls show, as ``workbench.match`` keywords."""
        rules: dict[str, Any] = {
            "capacity": int(self.capacity.value),
            "min_schedule_overlap": int(self.shared_periods.value),
            "language_required": bool(self.shared_language.value),
            "grade_gap": int(self.grade_gap.value),
        }
        if self.quota_attribute.value != NO_QUOTA:
            rules["quota_attribute"] = self.quota_attribute.value
            rules["max_per_group"] = int(self.max_per_group.value)
        return rules

    def rules_toml(self) -> str:
        """The policy, weights and rules as a settings file for ``workbench match --weights``."""
        data = {"policy": self.policy.value, **self.rules, "weights": self.chosen_weights}
        return (
            "# Matching rules saved from the dashboard's matcher; use with\n"
            "# workbench match ROSTER.csv --columns MAP.toml --weights THIS.toml --seed "
            f"{int(self.seed.value)}\n" + tomli_w.dumps(data)
        )

    def load(self, roster: Roster, name: str = "roster") -> None:
        """Use ``roster`` (e.g. from :func:`workbench.load_roster`) and match it."""
        self.roster, self.roster_name = roster, name
        self.preview, self.table = None, None
        self.columns_box.children = []
        self.column_form = {}
        self.quota_attribute.options = [NO_QUOTA, *sorted(roster.attribute_names)]
        self.run()

    def run(self) -> None:
        """Match the roster with the chosen policy, weights and rules; update every table."""
        if self.roster is None:
            self._say("Upload a roster first.", error=True)
            return
        from workbench.matching.api import match

        try:
            result = match(
                self.roster,
                policy=self.policy.value,
                weights=self.chosen_weights,
                rng=int(self.seed.value),
                forbidden=self.forbidden or None,
                **self.rules,
            )
        except WorkbenchError as error:
            self._say(str(error), error=True)
            return
        self.result = result
        self._show(result)

    def _stem(self) -> str:
        return self.roster_name.rsplit(".", 1)[0] or "roster"

    def _clear_results(self) -> None:
        for output in (self.summary, self.download, self.pairs_table, self.unmatched_table):
            output.value = ""
        self.fairness_table.value = ""

    def _show(self, result) -> None:
        plain = html.escape(result.plain_summary()).replace("\n", "<br>")
        self.summary.value = (
            f'<p class="wb-plain-summary">{plain}</p>'
            f"<details><summary>Details</summary><pre>{html.escape(result.summary())}</pre>"
            "</details>"
        )
        self.pairs_table.value = frame_html(result.pairs, PAIR_COLUMNS)
        self.unmatched_table.value = (
            frame_html(result.unmatched, UNMATCHED_COLUMNS)
            if len(result.unmatched)
            else "<p>Everyone has a partner.</p>"
        )
        self.fairness_table.value = frame_html(result.fairness, FAIRNESS_COLUMNS)
        stem = self._stem()
        hidden = list(result.roster.sensitive)
        teacher = pairlist_html(
            f"Mentor pairs: {self.roster_name}",
            teacher_pairs(result),
            teacher_waiting(result),
            hidden,
        )
        links = [
            _link(
                "wb-download",
                f"{stem}_pairs.csv",
                "text/csv",
                self.pairs_csv(),
                "Download the pairing list (CSV)",
            ),
            _link(
                "wb-download-waiting",
                f"{stem}_not_matched.csv",
                "text/csv",
                self.unmatched_csv(),
                "Download who is not matched, and why (CSV)",
            ),
            _link(
                "wb-download-teacher",
                f"{stem}_teacher_list.html",
                "text/html",
                teacher,
                "Download the teacher list (printable page)",
            ),
            _link(
                "wb-download-rules",
                f"{stem}_rules.toml",
                "application/toml",
                self.rules_toml(),
                "Download these rules (TOML)",
            ),
        ]
        self.download.value = " · ".join(links)
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
        """The pairing list as CSV text (what the download link gives; the CLI's ``--out``)."""
        return self.pairs.to_csv(index=False)

    def unmatched_csv(self) -> str:
        """Who is not matched and why, as CSV text (the CLI's ``--unmatched-out``)."""
        return self.unmatched.to_csv(index=False)

    def close(self) -> None:
        """Remove the widget's temporary folder (uploads are deleted as soon as read)."""
        shutil.rmtree(self._folder, ignore_errors=True)
