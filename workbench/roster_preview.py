"""Show a roster back before matching it: the column map, who is on it, and warnings.

A coordinator's export can be read in ways that look fine and mean nonsense (a
name used as a group, ``06`` and ``6`` as two grades, ``"cooking, soccer"`` as
one interest). :func:`preview_roster` reads the roster with a column map
(given, or proposed) and lists every such doubt as a :class:`RosterWarning`
naming the column, an example row and what to do. ``workbench match`` prints
them before matching; ``--strict`` (``strict=True``) refuses to match while any
warning remains. Notes (``level="note"``) say what the reader did on its own
(``06`` read as grade 6) and never stop a strict run.

Examples
--------
>>> preview = preview_roster("examples/roster_sis.csv")
>>> preview.proposed, len(preview.roster)
(True, 12)
>>> print(next(w for w in preview.warnings if w.column == "Free Periods"))
warning: Free Periods: 2 students have a blank cell (e.g. row 6, Chloé Lefèvre); they score as an average pair on shared free periods, and a rule requiring shared free periods cannot match them; fill the cells in
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from workbench.columns import (
    LIST_USES,
    NO,
    SEPARATORS,
    YES,
    ColumnMap,
    as_columns,
    attribute_name,
    is_sensitive,
    looks_like_list,
    nearly_one_per_student,
    recognised,
)
from workbench.roster import Roster, RosterError, RosterTable, read_roster_table, roster_from_table


@dataclass(frozen=True)
class RosterWarning:
    """One doubt about how a roster is read: column, example row, what to do."""

    column: str
    message: str
    advice: str
    row: int | None = None  # file line of the example
    example: str = ""
    level: Literal["warning", "note"] = "warning"

    def __str__(self) -> str:
        where = ""
        if self.row is not None:
            where = f" (e.g. row {self.row}{', ' + self.example if self.example else ''})"
        return f"{self.level}: {self.column}: {self.message}{where}; {self.advice}"


@dataclass(frozen=True)
class RosterPreview:
    """A roster as it will be matched: the map used, the roster, and warnings."""

    table: RosterTable
    columns: ColumnMap
    proposed: bool
    roster: Roster
    warnings: tuple[RosterWarning, ...] = field(default_factory=tuple)

    @property
    def problems(self) -> list[RosterWarning]:
        """The warnings (notes left out): what ``strict`` refuses."""
        return [w for w in self.warnings if w.level == "warning"]

    def check_strict(self) -> None:
        """Raise a one-line :class:`RosterError` if any warning remains (for ``--strict``)."""
        problems = self.problems
        if problems:
            more = f" [+{len(problems) - 1} more warning(s)]" if len(problems) > 1 else ""
            raise RosterError(f"{self.table.path}: --strict: {problems[0]}{more}")

    def facts(self) -> list[str]:
        """Who is on the roster, in a few lines."""
        roster = self.roster
        roles = {r: int((roster.role == r).sum()) for r in ("mentor", "mentee", "both")}
        sites = np.unique(roster.site.astype(str))
        grades = np.unique(roster.grade[roster.grade_known])
        lines = [
            f"{len(roster)} students in {len(sites)} site(s): {roles['mentor']} mentors, "
            f"{roles['mentee']} mentees, {roles['both']} who can be either"
            + (f"; grades {grades.min()}-{grades.max()}" if len(grades) else "")
        ]
        groups = ", ".join(roster.attribute_names) or "none"
        carried = ", ".join(roster.info_columns) or "none"
        lines.append(f"group attributes (fairness, cross-group): {groups}")
        lines.append(f"carried to outputs, never matched on: {carried}")
        if roster.sensitive:
            lines.append(f"sensitive (kept off the teacher list): {', '.join(roster.sensitive)}")
        return lines

    def text(self) -> str:
        """The whole preview as the CLI prints it."""
        origin = "proposed from the headers" if self.proposed else "from the column map"
        out = [f"columns ({origin}):", self.columns.describe(), "", *self.facts()]
        if self.warnings:
            out.append("")
            out.extend(str(w) for w in self.warnings)
        else:
            out.append("no warnings")
        return "\n".join(out)


def preview_roster(
    path: str | Path,
    columns: ColumnMap | Mapping[str, Any] | str | Path | None = None,
    subjects: list[str] | None = None,
) -> RosterPreview:
    """Read ``path`` with ``columns`` (proposed when ``None``) and list what looks wrong.

    Raises the same one-line errors as :func:`workbench.roster.load_roster`.
    """
    table = read_roster_table(path)
    column_map = as_columns(columns, table.header, table.rows, str(table.path))
    roster = roster_from_table(table, column_map, subjects)
    return RosterPreview(
        table,
        column_map,
        columns is None,
        roster,
        tuple(roster_warnings(table, column_map, roster)),
    )


def _who(table: RosterTable, roster: Roster, i: int) -> str:
    name = roster.display_names()[i]
    return str(name) if name != roster.ids[i] else f"id {roster.ids[i]}"


def roster_warnings(table: RosterTable, columns: ColumnMap, roster: Roster) -> list[RosterWarning]:
    """Every warning and note about reading ``table`` with ``columns`` (see module docstring)."""
    found: list[RosterWarning] = []
    for check in (
        _unmapped,
        _one_value_per_student,
        _look_alike,
        _undeclared_lists,
        _mixed_separators,
        _yes_no_spellings,
        _blank_cells,
        _sides,
        _unmarked_sensitive,
        _unrecognised_info,
    ):
        found.extend(check(table, columns, roster))
    return found


def _unmapped(table, columns, roster):
    for header in table.header:
        if header not in columns.columns:
            yield RosterWarning(
                header,
                "not in the column map, so it is not read",
                'add it to the map (use = "info" to carry it to the outputs, "ignore" to drop it)',
                level="note",
            )


def _one_value_per_student(table, columns, roster):
    for header in columns.headers("group"):
        cells = [c for c in table.cells(header) if c]
        distinct = len(set(cells))
        if nearly_one_per_student(cells):
            yield RosterWarning(
                header,
                f"{distinct} different values for {len(cells)} students: a group attribute "
                "needs a few shared levels (this looks like a name or an id)",
                'mark it use = "info" (carried to outputs, never matched) or "ignore"',
                table.lines[0],
                repr(table.cells(header)[0]),
            )


def _code_key(value: str) -> str:
    key = value.strip().casefold()
    if key.isdigit():
        return str(int(key))
    if key in YES:
        return "yes"
    if key in NO:
        return "no"
    return re.sub(r"[\s_\-.]+", "", key)


def _look_alike(table, columns, roster):
    for header, column in columns.columns.items():
        if column.use not in ("group", "site", "grade"):
            continue
        spellings: dict[str, dict[str, int]] = defaultdict(dict)
        for i, cell in enumerate(table.cells(header)):
            if cell:
                spellings[_code_key(cell)].setdefault(cell, i)
        alike = [variants for variants in spellings.values() if len(variants) > 1]
        if not alike:
            continue
        shown = ", ".join(" / ".join(repr(v) for v in variants) for variants in alike)
        i = list(alike[0].values())[1]
        if column.use == "grade" or column.yes_no:
            yield RosterWarning(
                header,
                f"{shown} are read as the same value{'s' if len(alike) > 1 else ''}",
                "nothing to do unless they mean different things",
                table.lines[i],
                repr(table.cells(header)[i]),
                level="note",
            )
        else:
            spelled = set().union(*alike)
            yield RosterWarning(
                header,
                f"{shown} look alike but count as different "
                f"{'sites' if column.use == 'site' else 'groups'}",
                "spell them the same in the roster"
                + (", or set yes_no = true in the map" if spelled <= _YN else ""),
                table.lines[i],
                repr(table.cells(header)[i]),
            )


_YN = {"Y", "N", "y", "n", "Yes", "No", "yes", "no", "YES", "NO", "true", "false", "1", "0"}


def _undeclared_lists(table, columns, roster):
    for header, column in columns.columns.items():
        if column.use in (*LIST_USES, "name", "ignore"):
            continue
        cells = table.cells(header)
        if looks_like_list(cells):
            i = next(k for k, c in enumerate(cells) if re.search(r"\S\s*[;,|]\s*\S", c))
            yield RosterWarning(
                header,
                "cells look like lists but the column is not a list column, so each cell "
                "counts as one value",
                "if it lists interests, languages or free periods, set use (e.g. "
                '"interests") and separator in the column map',
                table.lines[i],
                repr(cells[i]),
            )


def _mixed_separators(table, columns, roster):
    for header, column in columns.columns.items():
        if column.use not in LIST_USES:
            continue
        for i, cell in enumerate(table.cells(header)):
            others = [s for s in SEPARATORS if s != column.split_on and s in cell]
            if others and column.split_on not in cell:
                yield RosterWarning(
                    header,
                    f"a cell holds {others[0]!r} but the separator is {column.split_on!r}, "
                    "so it is read as one item",
                    f"use {column.split_on!r} between items in every cell",
                    table.lines[i],
                    repr(cell),
                )
                break


def _yes_no_spellings(table, columns, roster):
    for header, column in columns.columns.items():
        if not column.yes_no:
            continue
        odd = [(i, c) for i, c in enumerate(table.cells(header)) if column.yes_no_value(c) is None]
        if odd:
            i, cell = odd[0]
            became = "either role (both)" if column.use == "role" else "'unknown'"
            spellings = sorted({c for _, c in odd})
            yield RosterWarning(
                header,
                f"{len(odd)} cell(s) are not a yes/no spelling ({', '.join(map(repr, spellings))}); "
                f"read as {became}",
                f'fix the cells, or add the spelling to the map (yes = ["{cell}"] or '
                f'no = ["{cell}"])',
                table.lines[i],
                repr(cell),
            )


_BLANK_EFFECT = {
    "schedule": "they score as an average pair on shared free periods, and a rule requiring "
    "shared free periods cannot match them",
    "languages": "they score as an average pair on shared language, and a rule requiring a "
    "shared language cannot match them",
    "grade": "a grade-gap rule (cross-age pairing) cannot match them",
    "role": "they can be either mentor or mentee",
}


def _blank_cells(table, columns, roster):
    for header, column in columns.columns.items():
        if column.use in _BLANK_EFFECT:
            effect = _BLANK_EFFECT[column.use]
        elif column.use == "group":
            effect = f"their {attribute_name(header)} is 'unknown' (a level of its own)"
        else:
            continue
        blank = [i for i, c in enumerate(table.cells(header)) if not c]
        if blank:
            i = blank[0]
            yield RosterWarning(
                header,
                f"{len(blank)} student{'s have' if len(blank) > 1 else ' has'} a blank cell",
                f"{effect}; fill the cells in",
                table.lines[i],
                _who(table, roster, i),
            )


def _sides(table, columns, roster):
    role_column = columns.header("role") or "role"
    for site in np.unique(roster.site.astype(str)):
        here = roster.site.astype(str) == site
        roles = roster.role[here]
        mentors = int(np.isin(roles, ("mentor", "both")).sum())
        mentees = int(np.isin(roles, ("mentee", "both")).sum())
        for side, count in (("mentor", mentors), ("mentee", mentees)):
            if count == 0:
                i = int(np.flatnonzero(here)[0])
                yield RosterWarning(
                    role_column,
                    f"site {site}: no student can be a {side}, so nobody there can be paired",
                    "check the role / wants-to-mentor column and its yes/no reading",
                    table.lines[i],
                    _who(table, roster, i),
                )


def _unmarked_sensitive(table, columns, roster):
    for header, column in columns.columns.items():
        if column.use in ("group", "info") and is_sensitive(header) and not column.sensitive:
            yield RosterWarning(
                header,
                "looks like private information but is not marked sensitive, so teacher "
                "lists may show it",
                "set sensitive = true in the column map",
                level="note",
            )


def _unrecognised_info(table, columns, roster):
    for header, column in columns.columns.items():
        if column.use == "info" and not recognised(header):
            yield RosterWarning(
                header,
                "not a column the matcher knows, so it is carried to the outputs and never "
                "used to match",
                'if it is a group that fairness should look at, set use = "group"',
                level="note",
            )
