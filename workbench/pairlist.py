"""The teacher pair list: names beside ids, one plain sentence each, per site or homeroom.

What a coordinator hands to teachers after matching: who mentors whom (names
from the roster's name columns, ids beside them), why in one sentence, and who
is still waiting and why. One printable HTML page and one CSV per site (or
per homeroom: a pair appears on the list of each student's homeroom).

Private by default: sensitive attributes (those the column map marks
``sensitive``: disability/IEP, English learner status, first-generation,
gender...) are neither shown nor used in the sentence unless
``include_sensitive=True``. The HTML is self-contained (inline style, no
scripts, fonts or images from the internet); everything stays on this computer.

Examples
--------
>>> import workbench
>>> result = workbench.match("examples/roster_sis.csv", columns="examples/roster_sis_columns.toml")
>>> lists = teacher_lists(result, by="Homeroom")
>>> sorted(lists)[:3]
['6A', '6B', '7A']
>>> pairs, waiting = lists["8B"]
>>> list(pairs.columns)
['Pair', 'Mentor', 'Mentor ID', 'Mentor Homeroom', 'Mentee', 'Mentee ID', 'Mentee Homeroom', 'Why they were paired']
>>> "ELL" in " ".join(pairs.columns) or "ELL" in " ".join(pairs["Why they were paired"])
False
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.columns import normalise
from workbench.errors import WorkbenchError
from workbench.output import atomic_folder
from workbench.roster import UNKNOWN, Roster

REASON = "Why they were paired"
WAITING_REASON = "Why still waiting"
_PLACE_WORDS = ("homeroom", "advisory", "tutorgroup", "form", "class", "teacher")


def _listing(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _names(mask: np.ndarray, names: Sequence[str]) -> list[str]:
    return [n for n, on in zip(names, mask, strict=True) if on]


def plain_reason(roster: Roster, a: int, b: int, include_sensitive: bool = False) -> str:
    """One sentence on why mentor row ``a`` and mentee row ``b`` go together.

    Only facts from the roster that both share (interests, free periods,
    language, non-sensitive groups) and the grades; sensitive attributes only
    when ``include_sensitive``.
    """
    names = roster.display_names()
    clauses = []
    interests = _names(roster.interests[a] & roster.interests[b], roster.interest_names)
    if interests:
        word = "an interest" if len(interests) == 1 else "interests"
        clauses.append(f"share {word} in {_listing(interests)}")
    slots = _names(roster.schedule[a] & roster.schedule[b], roster.slot_names)
    if slots:
        label = roster.label("schedule").lower()
        if label in ("schedule", "free periods", "free period"):
            label = "free period" if len(slots) == 1 else "free periods"
        clauses.append(f"have {label} {_listing(slots)} in common")
    languages = _names(roster.languages[a] & roster.languages[b], roster.language_names)
    if languages:
        clauses.append(f"both speak {_listing(languages)}")
    for attribute in roster.attribute_names:
        if attribute in roster.sensitive and not include_sensitive:
            continue
        value = roster.attribute_columns[attribute][a]
        if value == roster.attribute_columns[attribute][b] and value != UNKNOWN:
            clauses.append(f"are both {attribute} {value}")
    grades = ""
    if roster.grade_known[a] and roster.grade_known[b] and "grade" in roster.labels:
        grades = f" (grade {roster.grade[a]} mentors grade {roster.grade[b]})"
    why = (
        "they " + _listing(clauses)
        if clauses
        else "they were paired so that nobody is left out (little in common on the roster)"
    )
    return f"{names[a]} and {names[b]}{grades}: {why}."


def _place_columns(roster: Roster) -> list[str]:
    return [
        h
        for h in roster.info_columns
        if h not in roster.name_columns
        and h not in roster.sensitive
        and any(word in normalise(h) for word in _PLACE_WORDS)
    ]


def teacher_pairs(result, include_sensitive: bool = False) -> pd.DataFrame:
    """Every link with names, ids, homeroom-like columns and one plain sentence."""
    roster: Roster = result.roster
    pairing = result.pairing
    names = roster.display_names()
    places = _place_columns(roster)
    frame = pd.DataFrame({"Pair": pairing.group + 1})
    for side, rows in (("Mentor", pairing.mentor), ("Mentee", pairing.mentee)):
        frame[side] = names[rows].astype(str)
        frame[f"{side} ID"] = roster.ids[rows].astype(str)
        for header in places:
            frame[f"{side} {header}"] = roster.info_columns[header][rows].astype(str)
        if include_sensitive:
            for attribute in roster.sensitive:
                if attribute in roster.attribute_columns:
                    frame[f"{side} {attribute}"] = roster.attribute_columns[attribute][rows]
    frame[REASON] = [
        plain_reason(roster, int(a), int(b), include_sensitive)
        for a, b in zip(pairing.mentor, pairing.mentee, strict=True)
    ]
    if len(np.unique(roster.site.astype(str))) > 1:
        frame.insert(1, "Site", roster.site[pairing.mentor].astype(str))
    return frame


def teacher_waiting(result) -> pd.DataFrame:
    """Students left out: name, id, homeroom-like columns and why."""
    roster: Roster = result.roster
    rows = np.array(sorted(result.pairing.unmatched), dtype=np.intp)
    frame = pd.DataFrame(
        {"Student": roster.display_names()[rows].astype(str), "ID": roster.ids[rows].astype(str)}
    )
    for header in _place_columns(roster):
        frame[header] = roster.info_columns[header][rows].astype(str)
    frame[WAITING_REASON] = [result.pairing.unmatched[int(r)] for r in rows]
    return frame


def _group_keys(result, by: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Key of every roster row (site or homeroom), of each link's two ends."""
    roster: Roster = result.roster
    if by is None or by == "site":
        keys = roster.site.astype(str)
    elif by in roster.info_columns:
        keys = np.array([v or "(blank)" for v in roster.info_columns[by].astype(str)])
    else:
        choices = ", ".join(["site", *roster.info_columns]) or "site"
        raise WorkbenchError(f"pair list by {by!r}: no such column; choose one of: {choices}")
    return keys, keys[result.pairing.mentor], keys[result.pairing.mentee]


def teacher_lists(
    result, by: str | None = "site", include_sensitive: bool = False
) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Pairs and waiting students per site (or per value of an information column).

    With a homeroom column, a pair is on the list of both students' homerooms.
    """
    pairs = teacher_pairs(result, include_sensitive)
    waiting = teacher_waiting(result)
    keys, mentor_key, mentee_key = _group_keys(result, by)
    waiting_rows = np.array(sorted(result.pairing.unmatched), dtype=np.intp)
    waiting_key = keys[waiting_rows] if len(waiting_rows) else np.array([], dtype=str)
    out = {}
    for key in sorted(set(keys.tolist())):
        here = (mentor_key == key) | (mentee_key == key)
        out[key] = (
            pairs[here].reset_index(drop=True),
            waiting[waiting_key == key].reset_index(drop=True),
        )
    return out


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 1.5em;
       color: #1a1a1a; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; }
p.note { color: #444; font-size: 0.9em; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 0.8em 0 1.6em; font-size: 0.95em; }
th, td { border: 1px solid #999; padding: 0.35em 0.5em; text-align: left; vertical-align: top; }
th { background: #eee; }
tr { page-break-inside: avoid; }
@media print { body { margin: 0.5cm; } a { color: inherit; text-decoration: none; } }
"""


def pairlist_html(
    title: str, pairs: pd.DataFrame, waiting: pd.DataFrame, hidden: Sequence[str] = ()
) -> str:
    """A printable, self-contained HTML page (no internet resources) of one list."""
    hidden_note = f" Left out for privacy: {html.escape(', '.join(hidden))}." if len(hidden) else ""
    body = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="note">Made with Mentorship Workbench on {date.today().isoformat()}. '
        "Private student information: made on this computer, nothing was sent anywhere."
        f"{hidden_note}</p>",
        f"<h2>Pairs ({len(pairs)})</h2>",
        pairs.to_html(index=False, border=0, escape=True) if len(pairs) else "<p>No pairs.</p>",
        f"<h2>Still waiting ({len(waiting)})</h2>",
        waiting.to_html(index=False, border=0, escape=True)
        if len(waiting)
        else "<p>Nobody is waiting.</p>",
        "</body></html>",
    ]
    return "\n".join(body)


def _slug(key: str) -> str:
    return re.sub(r"[^0-9A-Za-z._-]+", "_", key).strip("_") or "list"


def write_lists_into(
    result, folder: Path, by: str | None = "site", include_sensitive: bool = False
) -> list[str]:
    """Write the lists into an existing (temporary) ``folder``; return the file names."""
    lists = teacher_lists(result, by, include_sensitive)
    roster: Roster = result.roster
    hidden = [] if include_sensitive else list(roster.sensitive)
    what = "Site" if by in (None, "site") else by
    names = []
    for key, (pairs, waiting) in lists.items():
        stem = f"pairs_{_slug(key)}"
        (folder / f"{stem}.html").write_text(
            pairlist_html(f"Mentor pairs: {what} {key}", pairs, waiting, hidden),
            encoding="utf-8",
        )
        # utf-8-sig: spreadsheet programs then show accented names right
        pairs.to_csv(folder / f"{stem}.csv", index=False, encoding="utf-8-sig")
        waiting.to_csv(folder / f"waiting_{_slug(key)}.csv", index=False, encoding="utf-8-sig")
        names += [f"{stem}.html", f"{stem}.csv", f"waiting_{_slug(key)}.csv"]
    return names


def write_teacher_lists(
    result, folder: str | Path, by: str | None = "site", include_sensitive: bool = False
) -> list[Path]:
    """Write ``pairs_<key>.html``, ``pairs_<key>.csv`` and ``waiting_<key>.csv`` per list.

    All or nothing: the folder is written with :func:`workbench.output.atomic_folder`
    (an earlier pair-list folder is replaced; a folder of other files is refused).
    """
    teacher_lists(result, by, include_sensitive)  # a bad ``by`` is refused before writing
    with atomic_folder(folder, command="match") as temporary:
        names = write_lists_into(result, temporary, by, include_sensitive)
    return [Path(folder) / name for name in names]
