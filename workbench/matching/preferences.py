"""Explicit preference rankings (a CSV file) for stable and peer matching.

Format (UTF-8, header row first), one row per student who ranks others::

    id,ranking
    s001,s031;s045;s040
    s031,s001;s002

``ranking`` lists ids best first, separated by ``;``. Students without a row
rank by the pair score. Ranked students come first in a student's list, the
rest follow in score order (so a short list never leaves anyone out).

Examples
--------
>>> import numpy as np
>>> from workbench.cohort import generate_roster
>>> from workbench.scenario import Scenario
>>> roster = generate_roster(Scenario().cohort.model_copy(update={"size": 4}), np.random.default_rng(0))
>>> parse_rankings({"s1": ["s3", "s2"]}, roster, "<memory>")
{0: (2, 1)}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.inputfiles import read_csv_rows
from workbench.roster import Roster


class PreferencesError(WorkbenchError):
    """A preferences file that cannot be used; the message is one line."""


def parse_rankings(
    rankings: Mapping[str, Sequence[str]],
    roster: Roster,
    source: str,
    lines: Mapping[str, int] | None = None,
) -> dict[int, tuple[int, ...]]:
    """Validate id → ranked ids into roster row → ranked rows.

    Raises :class:`PreferencesError` for an unknown student, a student ranking
    themself, the same student twice, or a student from another site.
    """
    row_of = {str(value): i for i, value in enumerate(roster.ids)}
    out: dict[int, tuple[int, ...]] = {}
    for student, ranked in rankings.items():
        where = f"{source}: row {lines[student]}" if lines else f"{source}: student {student!r}"
        if student not in row_of:
            raise PreferencesError(
                f"{where}: field 'id': unknown student {student!r} (not in the roster)"
            )
        i = row_of[student]
        rows = []
        for name in ranked:
            if name not in row_of:
                raise PreferencesError(
                    f"{where}: field 'ranking': unknown student {name!r} (not in the roster)"
                )
            j = row_of[name]
            if j == i:
                raise PreferencesError(f"{where}: field 'ranking': {student!r} ranks themself")
            if j in rows:
                raise PreferencesError(f"{where}: field 'ranking': {name!r} is ranked twice")
            if roster.site[j] != roster.site[i]:
                raise PreferencesError(
                    f"{where}: field 'ranking': {name!r} is in site {roster.site[j]!r}, "
                    f"not {roster.site[i]!r}; matching stays within a site"
                )
            rows.append(j)
        out[i] = tuple(rows)
    return out


def load_preferences(path: str | Path, roster: Roster) -> dict[int, tuple[int, ...]]:
    """Read and validate a preferences CSV against ``roster`` (see the module docstring)."""
    path = Path(path)
    numbered = [
        (line, row)
        for line, row in enumerate(read_csv_rows(path, "preferences", PreferencesError), start=1)
        if any(c.strip() for c in row)
    ]
    rows = [row for _, row in numbered]
    if not rows:
        raise PreferencesError(f"{path}: empty file; expected a header row 'id,ranking'")
    header = [cell.strip() for cell in rows[0]]
    missing = [name for name in ("id", "ranking") if name not in header]
    if missing:
        raise PreferencesError(
            f"{path}: row {numbered[0][0]}: no {' or '.join(repr(m) for m in missing)} column "
            f"(columns: {', '.join(header)})"
        )
    id_col, rank_col = header.index("id"), header.index("ranking")
    rankings: dict[str, list[str]] = {}
    lines: dict[str, int] = {}
    for number, row in numbered[1:]:
        if len(row) != len(header):
            raise PreferencesError(
                f"{path}: row {number}: {len(row)} fields, header has {len(header)}"
            )
        student = row[id_col].strip()
        if not student:
            raise PreferencesError(f"{path}: row {number}: field 'id' is empty")
        if student in rankings:
            raise PreferencesError(
                f"{path}: row {number}: field 'id': {student!r} already ranked on row {lines[student]}"
            )
        rankings[student] = [p.strip() for p in row[rank_col].split(";") if p.strip()]
        lines[student] = number
    return parse_rankings(rankings, roster, str(path), lines)
