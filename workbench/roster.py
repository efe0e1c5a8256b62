"""Rosters: who the students are, as columnar arrays shared by matching and the model.

A :class:`Roster` is the input of every matching policy and the static part of
a simulated cohort. It is built from a synthetic cohort
(:func:`workbench.cohort.generate_roster`) or read from a coordinator's CSV with
:func:`load_roster`.

Roster CSV format (one row per student, UTF-8)::

    id,site,grade,role,interests,strengths,needs,languages,schedule,barriers,<attributes...>
    s001,north,10,mentor,music;sport,math;reading,science,en;es,mon_lunch;wed_lunch,transport,...

Only an id column is required. List cells are separated by ``;``. ``must_not_meet``
lists ids of students this one must never be paired or grouped with. ``role`` is
``mentor``, ``mentee`` or ``both``. ``strengths``/``needs`` name subjects (skill
0.8 / 0.2; unnamed subjects 0.5). Optional numeric ``belonging`` and
``confidence`` (0-1) set starting levels. Other columns are categorical group
attributes (e.g. ``first_gen``, ``disability``) or information only (names,
email, homeroom).

A school's own export (``Student ID``, ``Last Name``, ``ELL (Y/N)``, ``Free
Periods`` = ``"2;5"``...) is read through a column map
(:mod:`workbench.columns`): given with ``columns=``, or proposed from the
headers and cells when not. Reading is split in two steps: :func:`read_roster_table`
(the cells, with their file lines) and :func:`roster_from_table` (meaning).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.columns import LIST_USES, SINGLE_USES, ColumnMap, as_columns, attribute_name
from workbench.errors import WorkbenchError
from workbench.inputfiles import read_csv_rows
from workbench.scenario import BARRIERS

ROLES = ("mentor", "mentee", "both")
LIST_COLUMNS = LIST_USES  # the roster's list columns are the column map's list uses
RESERVED = ("id", "site", "grade", "role", "belonging", "confidence", *LIST_COLUMNS)
STRENGTH, NEED, NEUTRAL = 0.8, 0.2, 0.5
#: The level of a group attribute whose cell is blank (or an unreadable yes/no).
UNKNOWN = "unknown"
#: Cached values a sub-roster shares with its parent (codes mean the same in both).
_SHARED_CACHES = ("_codes", "neutral_terms")


class RosterError(WorkbenchError):
    """A roster that cannot be used; the message is one line naming file, row and field."""


@dataclass(frozen=True)
class Roster:
    """Students as aligned arrays (row ``i`` of every array is student ``i``).

    Attributes
    ----------
    ids : (n,) str
    site : (n,) str — matching happens within a site
    grade : (n,) int
    role : (n,) str — ``mentor``, ``mentee`` or ``both``
    attribute_columns : dict of name -> (n,) str, the categorical group columns
        (also as the DataFrame :attr:`attributes`)
    interests : (n, I) bool, names in ``interest_names``
    skills : (n, S) float in [0, 1], names in ``subject_names``; need = 1 - skill
    languages : (n, L) bool, names in ``language_names``
    schedule : (n, T) bool free slots, names in ``slot_names``
    barriers : (n, 4) bool over :data:`workbench.scenario.BARRIERS`
    belonging, confidence : (n,) float starting levels, NaN where unknown
    info_columns : dict of header -> (n,) str, information only (names, email,
        homeroom): carried to every output, never used to match
    name_columns : the headers of ``info_columns`` that hold names
    sensitive : attribute names / info headers kept off teacher-facing lists
    labels : use -> the header it came from (``{"schedule": "Free Periods"}``), for messages
    grade_known : (n,) bool, False where the grade cell was blank
    """

    ids: np.ndarray
    site: np.ndarray
    grade: np.ndarray
    role: np.ndarray
    attribute_columns: dict[str, np.ndarray]
    interests: np.ndarray
    interest_names: tuple[str, ...]
    skills: np.ndarray
    subject_names: tuple[str, ...]
    languages: np.ndarray
    language_names: tuple[str, ...]
    schedule: np.ndarray
    slot_names: tuple[str, ...]
    barriers: np.ndarray
    belonging: np.ndarray = field(default=None)  # type: ignore[assignment]
    confidence: np.ndarray = field(default=None)  # type: ignore[assignment]
    must_not_meet: np.ndarray = field(default=None)  # type: ignore[assignment]
    info_columns: dict[str, np.ndarray] = field(default_factory=dict)
    name_columns: tuple[str, ...] = ()
    sensitive: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    grade_known: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        n = len(self.ids)
        if self.grade_known is None:
            object.__setattr__(self, "grade_known", np.ones(n, dtype=bool))
        for name in ("belonging", "confidence"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.full(n, np.nan))
        if self.must_not_meet is None:
            object.__setattr__(self, "must_not_meet", np.zeros((0, 2), dtype=np.intp))

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def attribute_names(self) -> tuple[str, ...]:
        return tuple(self.attribute_columns)

    @cached_property
    def attributes(self) -> pd.DataFrame:
        """The group columns as a DataFrame (n rows, RangeIndex), built when first asked for."""
        return pd.DataFrame(self.attribute_columns, index=pd.RangeIndex(len(self)))

    def _same_students(self, name: str) -> Any:
        """Cached ``name`` of the roster this one is a :meth:`with_roles` copy of (else None)."""
        original = self.__dict__.get("_roles_of")
        return None if original is None else getattr(original, name)

    @cached_property
    def _codes(self) -> dict[str, tuple[np.ndarray, list[str]]]:
        shared = self._same_students("_codes")
        if shared is not None:
            return shared
        out = {}
        for name, column in self.attribute_columns.items():
            values = column.astype(str)
            levels, codes = np.unique(values, return_inverse=True)
            out[name] = (codes.astype(np.int64), [str(level) for level in levels])
        return out

    @cached_property
    def site_codes(self) -> np.ndarray:
        """Integer code of each student's site (codes follow sorted site names)."""
        shared = self._same_students("site_codes")
        if shared is not None:
            return shared
        return np.unique(self.site.astype(str), return_inverse=True)[1].astype(np.int64)

    def group_codes(self, attribute: str) -> tuple[np.ndarray, list[str]]:
        """Integer codes and level names (sorted) of one attribute.

        A sub-roster from :meth:`take` keeps its parent's level list, so codes
        mean the same in both.
        """
        return self._codes[attribute]

    def take(self, index: Sequence[int] | np.ndarray) -> Roster:
        """The sub-roster of the given rows, in that order."""
        index = np.asarray(index, dtype=np.intp)

        def rows(values: np.ndarray) -> np.ndarray:
            # np.take is values[index], at a third of the cost on 2-D arrays (many sites)
            return np.take(values, index, axis=0)

        sub = replace(
            self,
            ids=rows(self.ids),
            site=rows(self.site),
            grade=rows(self.grade),
            role=rows(self.role),
            attribute_columns={name: rows(c) for name, c in self.attribute_columns.items()},
            interests=rows(self.interests),
            skills=rows(self.skills),
            languages=rows(self.languages),
            schedule=rows(self.schedule),
            barriers=rows(self.barriers),
            belonging=rows(self.belonging),
            confidence=rows(self.confidence),
            must_not_meet=_remap_pairs(self.must_not_meet, index, len(self)),
            info_columns={name: rows(c) for name, c in self.info_columns.items()},
            grade_known=rows(self.grade_known),
        )
        # cached_property writes to the instance dict, so a frozen dataclass can carry it
        sub.__dict__["_codes"] = {k: (c[index], lv) for k, (c, lv) in self._codes.items()}
        # a sub-roster (one site) scores blanks as its parent does, so terms agree
        sub.__dict__["neutral_terms"] = self.neutral_terms
        sub.__dict__["site_codes"] = self.site_codes[index]
        # derived() slices the parent's arrays (a with_roles copy's are its original's)
        sub.__dict__["_taken_from"] = (self.__dict__.get("_roles_of", self), index)
        return sub

    def derived(self, name: str, compute: Callable[[Roster], Any]) -> Any:
        """A per-student array (or tuple of them) ``compute(roster)`` of role-free columns.

        ``name`` identifies ``compute`` (one name, one function). A :meth:`with_roles`
        copy uses its original's array and a :meth:`take` sub-roster slices its
        parent's, so matching a roster site by site (round after round, in the
        simulation) computes it once for the whole roster. The result is shared:
        do not modify it.
        """
        cache = self.__dict__.setdefault("_derived", {})
        found = cache.get(name)
        if found is None:
            original = self.__dict__.get("_roles_of")
            parent = self.__dict__.get("_taken_from")
            if original is not None:
                found = original.derived(name, compute)
            elif parent is not None:
                whole, index = parent[0].derived(name, compute), parent[1]
                found = (
                    tuple(np.take(part, index, axis=0) for part in whole)
                    if isinstance(whole, tuple)
                    else np.take(whole, index, axis=0)
                )
            else:
                found = compute(self)
            cache[name] = found
        return found

    def with_roles(self, role: np.ndarray) -> Roster:
        """The same students with other roles (cached codes are kept).

        Caches that do not depend on roles (codes, neutral terms) are computed
        once for the original roster and shared by every copy, when first
        asked for: the simulation takes a copy at every matching round.
        """
        changed = replace(self, role=role)
        for name in (*_SHARED_CACHES, "site_codes", "attributes"):
            if name in self.__dict__:
                changed.__dict__[name] = self.__dict__[name]
        changed.__dict__["_roles_of"] = self.__dict__.get("_roles_of", self)
        return changed

    def to_frame(self) -> pd.DataFrame:
        """One row per student in the roster CSV's column layout."""

        def joined(matrix: np.ndarray, names: Sequence[str]) -> list[str]:
            return [";".join(n for n, on in zip(names, row, strict=True) if on) for row in matrix]

        frame = pd.DataFrame(
            {
                "id": self.ids,
                "site": self.site,
                "grade": self.grade,
                "role": self.role,
                "interests": joined(self.interests, self.interest_names),
                "strengths": joined(self.skills >= 0.65, self.subject_names),
                "needs": joined(self.skills <= 0.35, self.subject_names),
                "languages": joined(self.languages, self.language_names),
                "schedule": joined(self.schedule, self.slot_names),
                "barriers": joined(self.barriers, BARRIERS),
            }
        )
        if len(self.must_not_meet):
            avoid: list[list[str]] = [[] for _ in range(len(self))]
            for a, b in self.must_not_meet:
                avoid[a].append(str(self.ids[b]))
            frame["must_not_meet"] = [";".join(names) for names in avoid]
        for column, values in self.attribute_columns.items():
            frame[column] = values
        return frame

    def composition(self) -> dict[str, pd.DataFrame]:
        """Who is on the roster: students and roles by site, group shares, barriers.

        Examples
        --------
        >>> from workbench.cohort import generate_roster
        >>> from workbench.scenario import Scenario
        >>> roster = generate_roster(Scenario().with_overrides({"cohort.size": 40}).cohort,
        ...                          np.random.default_rng(1))
        >>> int(roster.composition()["sites"]["students"].sum())
        40
        """
        frame = pd.DataFrame({"site": self.site.astype(str), "role": self.role.astype(str)})
        sites = pd.crosstab(frame["site"], frame["role"]).reindex(
            columns=["mentor", "mentee", "both"], fill_value=0
        )
        sites.insert(0, "students", sites.sum(axis=1))
        sites.columns.name = None
        groups = pd.concat(
            [
                pd.Series(column.astype(str))
                .value_counts(sort=False)
                .sort_index()
                .rename_axis("level")
                .reset_index(name="students")
                .assign(attribute=name)
                for name, column in self.attribute_columns.items()
            ]
            or [pd.DataFrame(columns=["level", "students", "attribute"])],
            ignore_index=True,
        )[["attribute", "level", "students"]]
        groups["share"] = groups["students"] / max(len(self), 1)
        barriers = pd.DataFrame(
            {"barrier": list(BARRIERS), "students": self.barriers.sum(axis=0).astype(int)}
        )
        barriers["share"] = barriers["students"] / max(len(self), 1)
        return {"sites": sites.reset_index(), "groups": groups, "barriers": barriers}

    def label(self, use: str) -> str:
        """The roster's own header for a column use (``"schedule"`` -> ``"Free Periods"``)."""
        return self.labels.get(use, use)

    def display_names(self) -> np.ndarray:
        """Each student's name from the name columns (first name first), or the id."""
        if not self.name_columns:
            return self.ids.astype(str)
        order = sorted(
            self.name_columns,
            key=lambda h: 0 if re.search(r"first|given|preferred", h, re.I) else 1,
        )
        parts = np.array([self.info_columns[h].astype(str) for h in order])
        names = [" ".join(p for p in column if p) for column in parts.T]
        return np.array([name or i for name, i in zip(names, self.ids, strict=True)], dtype=object)

    @cached_property
    def neutral_terms(self) -> dict[str, float]:
        """The score a blank schedule or language cell gets: the mean over known pairs.

        An unknown timetable or language neither helps nor hurts a student: a
        pair with one unknown side scores what the average pair of two known
        students scores (1 when nobody's is known).
        """
        from workbench.neutral import neutral_overlap, neutral_shared

        shared = self._same_students("neutral_terms")
        if shared is not None:
            return shared
        return {
            "schedule": neutral_overlap(self.schedule),
            "language": neutral_shared(self.languages),
        }

    def __repr__(self) -> str:
        sites = len(np.unique(self.site.astype(str)))
        groups = ", ".join(self.attribute_names) or "none"
        return f"<Roster: {len(self)} students in {sites} site(s); groups: {groups}>"

    def _repr_html_(self) -> str:
        from workbench.display import card

        parts = self.composition()
        roles = parts["sites"][["mentor", "mentee", "both"]].sum()
        grades = np.unique(self.grade)
        either = f", {roles['both']} who can be either" if roles["both"] else ""
        facts = [
            f"{len(self):,} students in {len(parts['sites'])} site(s): "
            f"{roles['mentor']} mentors, {roles['mentee']} mentees{either}"
            + (f"; grades {grades.min()}–{grades.max()}" if len(grades) else ""),
            f"{len(self.must_not_meet)} pairs who must not meet; "
            f"{int(self.barriers.any(axis=1).sum())} students with at least one barrier",
        ]
        tables = {
            "by site": parts["sites"],
            "groups": parts["groups"],
            "barriers": parts["barriers"],
            "first students": self.to_frame().head(5),
        }
        return card("Roster", facts, tables, max_rows=12)


def _remap_pairs(pairs: np.ndarray, index: np.ndarray, n: int) -> np.ndarray:
    """Row pairs of a parent roster as rows of its sub-roster ``index`` (pairs outside dropped)."""
    if not len(pairs):
        return pairs
    position = np.full(n, -1)
    position[index] = np.arange(len(index))
    local = position[pairs]
    return local[(local >= 0).all(1)]


@dataclass(frozen=True)
class RosterTable:
    """A roster file's cells as read, before any meaning is given to them.

    ``rows`` holds the non-blank student rows (cells stripped), ``lines[i]`` the
    file line of ``rows[i]`` (the header is :attr:`header_line`), for messages.
    """

    path: Path
    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    header_line: int = 1

    def cells(self, column: str) -> list[str]:
        """Every student's cell in ``column``."""
        k = self.header.index(column)
        return [row[k] for row in self.rows]

    def where(self, i: int, column: str | None = None) -> str:
        """``"FILE: row N"`` (and ``: field 'COLUMN'``) of student ``i``, for a message."""
        field_part = f": field {column!r}" if column is not None else ""
        return f"{self.path}: row {self.lines[i]}{field_part}"


def read_roster_table(path: str | Path) -> RosterTable:
    """Read a roster CSV's header and rows (UTF-8, BOM, blank lines and quoted commas allowed).

    Raises
    ------
    RosterError
        Empty file, no students, unnamed or repeated column names, a row with
        the wrong number of fields: one line naming the file and the row.
    """
    path = Path(path)
    _check_utf8(path)
    numbered = [
        (line, [cell.strip() for cell in row])
        for line, row in enumerate(read_csv_rows(path, "roster", RosterError), start=1)
        if any(cell.strip() for cell in row)
    ]
    if not numbered:
        raise RosterError(f"{path}: empty file; expected a header row naming the columns")
    header_line, header = numbered[0]
    if "" in header:
        raise RosterError(
            f"{path}: row {header_line}: column {header.index('') + 1} has no name; "
            "name every column in the header row"
        )
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise RosterError(
            f"{path}: row {header_line}: column names must be distinct ({repeated[0]!r} repeats)"
        )
    body = numbered[1:]
    if not body:
        raise RosterError(f"{path}: no students after the header row")
    for line, row in body:
        if len(row) != len(header):
            raise RosterError(f"{path}: row {line}: {len(row)} fields, header has {len(header)}")
    return RosterTable(
        path, header, [row for _, row in body], [line for line, _ in body], header_line
    )


def _check_utf8(path: Path) -> None:
    """Refuse a file that is not UTF-8 naming the row (not the byte) where it stops being so."""
    if not path.is_file():
        return  # read_csv_rows says so
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as problem:
        line = data.count(b"\n", 0, problem.start) + 1
        hint = ""
        try:
            text = data.decode("cp1252").splitlines()[line - 1]
            hint = f" near {text.strip()[:40]!r}"
        except (UnicodeDecodeError, IndexError):
            pass
        raise RosterError(
            f"{path}: row {line}: not UTF-8 text{hint} (probably saved as Windows/Latin-1); "
            "save the file as 'CSV UTF-8' and try again"
        ) from None


def load_roster(
    path: str | Path,
    subjects: Sequence[str] | None = None,
    columns: ColumnMap | Mapping[str, Any] | str | Path | None = None,
) -> Roster:
    """Read and validate a roster CSV, reading its columns as a column map says.

    Parameters
    ----------
    path
        CSV file, UTF-8, header row first (a school export as it comes).
    subjects
        Subject names for the skill matrix; by default those named in
        ``strengths``/``needs``.
    columns
        What each column means: a :class:`~workbench.columns.ColumnMap`, a
        mapping ``{"Student ID": "id", ...}``, or a column map TOML file.
        ``None`` proposes one from the headers and cells
        (:func:`workbench.columns.propose_columns`); check what it proposed with
        :func:`workbench.roster_preview.preview_roster`.

    Raises
    ------
    RosterError, ColumnMapError
        One line naming the file, the row (1 = header) and the field.

    Examples
    --------
    >>> roster = load_roster("examples/roster_sis.csv", columns="examples/roster_sis_columns.toml")
    >>> len(roster), roster.attribute_names
    (12, ('Gender', 'ELL', 'IEP', 'First Gen'))
    >>> roster.info_columns["First Name"][:2].tolist()
    ['Linh', 'José']
    """
    table = read_roster_table(path)
    column_map = as_columns(columns, table.header, table.rows, str(table.path))
    return roster_from_table(table, column_map, subjects)


def roster_from_table(
    table: RosterTable, columns: ColumnMap, subjects: Sequence[str] | None = None
) -> Roster:
    """Build a :class:`Roster` from a read table and a checked column map."""
    ids = _ids(table, columns.header("id"))
    n = len(ids)
    lists = {use: _list_cells(table, columns, use) for use in LIST_COLUMNS}
    _check_barriers(table, columns, lists["barriers"])
    subject_names = _subjects(table, columns, lists, subjects)
    grade, grade_known = _grades(table, columns.header("grade"))
    interest_names, language_names, slot_names = (
        _vocabulary(lists[use]) for use in ("interests", "languages", "schedule")
    )
    skills = np.full((n, len(subject_names)), NEUTRAL)
    skills[_indicator(lists["strengths"], subject_names)] = STRENGTH
    skills[_indicator(lists["needs"], subject_names)] = NEED
    carried = columns.headers("name") + columns.headers("info")
    return Roster(
        ids=ids,
        site=_sites(table, columns.header("site")),
        grade=grade,
        role=_roles(table, columns),
        attribute_columns=_attributes(table, columns),
        interests=_indicator(lists["interests"], interest_names),
        interest_names=interest_names,
        skills=skills,
        subject_names=subject_names,
        languages=_indicator(lists["languages"], language_names),
        language_names=language_names,
        schedule=_indicator(lists["schedule"], slot_names),
        slot_names=slot_names,
        barriers=_indicator(lists["barriers"], BARRIERS),
        belonging=_starting(table, columns.header("belonging")),
        confidence=_starting(table, columns.header("confidence")),
        must_not_meet=_must_not_meet(table, columns.header("must_not_meet"), lists, ids),
        info_columns={
            h: np.array(table.cells(h), dtype=object) for h in table.header if h in carried
        },
        name_columns=tuple(columns.headers("name")),
        sensitive=tuple(
            attribute_name(h) if c.use == "group" else h
            for h, c in columns.columns.items()
            if c.sensitive
        ),
        labels={c.use: h for h, c in columns.columns.items() if c.use in SINGLE_USES},
        grade_known=grade_known,
    )


def _ids(table: RosterTable, column: str) -> np.ndarray:
    ids = np.array(table.cells(column), dtype=object)
    seen: dict[str, int] = {}
    for i, value in enumerate(ids):
        if not value:
            raise RosterError(f"{table.where(i, column)} is empty; every student needs an id")
        if value in seen:
            raise RosterError(
                f"{table.where(i, column)}: duplicate id {value!r} (first on row {seen[value]})"
            )
        seen[value] = table.lines[i]
    return ids


def _sites(table: RosterTable, column: str | None) -> np.ndarray:
    if column is None:
        return np.full(len(table.rows), "site", dtype=object)
    site = np.array(table.cells(column), dtype=object)
    return np.where(site == "", "site", site)


_KINDERGARTEN = {"k", "kg", "kindergarten", "kinder", "reception"}


def grade_number(cell: str) -> int | None:
    """A grade cell as a whole number: ``"06"``, ``"6th"``, ``"Grade 6"`` -> 6, ``"K"`` -> 0.

    ``None`` for a blank cell; :class:`ValueError` for anything else.

    >>> [grade_number(c) for c in ("06", "6", "6th", "Gr. 6", "K", "")]
    [6, 6, 6, 6, 0, None]
    """
    text = cell.strip()
    if not text:
        return None
    if text.casefold() in _KINDERGARTEN:
        return 0
    found = re.fullmatch(
        r"(?:grade|gr\.?|year|yr\.?)?\s*0*(\d{1,2})\s*(?:st|nd|rd|th)?", text, re.I
    )
    if found is None:
        raise ValueError(text)
    return int(found.group(1))


def _grades(table: RosterTable, column: str | None) -> tuple[np.ndarray, np.ndarray]:
    n = len(table.rows)
    grade = np.zeros(n, dtype=np.int64)
    known = np.full(n, column is not None)
    if column is None:
        return grade, np.ones(n, dtype=bool)
    for i, value in enumerate(table.cells(column)):
        try:
            number = grade_number(value)
        except ValueError:
            raise RosterError(
                f"{table.where(i, column)}: {value!r} is not a grade; "
                "give a whole number such as 6 (06, 6th and K are read too)"
            ) from None
        if number is None:
            known[i] = False
        else:
            grade[i] = number
    return grade, known


def _roles(table: RosterTable, columns: ColumnMap) -> np.ndarray:
    n = len(table.rows)
    role = np.full(n, "both", dtype=object)
    column = columns.header("role")
    if column is None:
        return role
    spec = columns.columns[column]
    for i, value in enumerate(table.cells(column)):
        if spec.yes_no:
            # "wants to mentor": yes = mentor, no = mentee; blank or unknown = either
            answer = spec.yes_no_value(value)
            role[i] = {"yes": "mentor", "no": "mentee"}.get(answer or "", "both")
            continue
        value = value.lower() or "both"
        if value not in ROLES:
            raise RosterError(
                f"{table.where(i, column)}: {value!r}; allowed: {', '.join(ROLES)} "
                "(a yes/no 'wants to mentor' column needs yes_no = true in the column map)"
            )
        role[i] = value
    return role


def _list_cells(table: RosterTable, columns: ColumnMap, use: str) -> list[list[str]]:
    column = columns.header(use)
    if column is None:
        return [[] for _ in table.rows]
    separator = columns.columns[column].split_on
    return [
        [part.strip() for part in cell.split(separator) if part.strip()]
        for cell in table.cells(column)
    ]


def _check_barriers(table: RosterTable, columns: ColumnMap, cells: list[list[str]]) -> None:
    for i, entries in enumerate(cells):
        unknown = sorted(set(entries) - set(BARRIERS))
        if unknown:
            raise RosterError(
                f"{table.where(i, columns.header('barriers'))}: unknown {unknown}; "
                f"allowed: {', '.join(BARRIERS)}"
            )


def _vocabulary(cells: list[list[str]]) -> tuple[str, ...]:
    return tuple(sorted({item for row in cells for item in row}))


def _indicator(cells: list[list[str]], vocabulary: Sequence[str]) -> np.ndarray:
    position = {v: j for j, v in enumerate(vocabulary)}
    matrix = np.zeros((len(cells), len(vocabulary)), dtype=bool)
    for i, row in enumerate(cells):
        for item in row:
            if item in position:
                matrix[i, position[item]] = True
    return matrix


def _subjects(
    table: RosterTable,
    columns: ColumnMap,
    lists: dict[str, list[list[str]]],
    subjects: Sequence[str] | None,
) -> tuple[str, ...]:
    names = (
        tuple(subjects)
        if subjects is not None
        else _vocabulary(lists["strengths"] + lists["needs"])
    )
    names = names or ("general",)
    for use in ("strengths", "needs"):
        for i, entries in enumerate(lists[use]):
            unknown = sorted(set(entries) - set(names))
            if unknown:
                raise RosterError(
                    f"{table.where(i, columns.header(use))}: unknown subjects {unknown}; "
                    f"known: {', '.join(names)}"
                )
    return names


def _starting(table: RosterTable, column: str | None) -> np.ndarray:
    values = np.full(len(table.rows), np.nan)
    if column is None:
        return values
    for i, cell in enumerate(table.cells(column)):
        if cell == "":
            continue
        try:
            number = float(cell)
        except ValueError:
            number = np.nan
        if not 0.0 <= number <= 1.0:
            raise RosterError(f"{table.where(i, column)}: {cell!r} is not a number in [0, 1]")
        values[i] = number
    return values


def _attributes(table: RosterTable, columns: ColumnMap) -> dict[str, np.ndarray]:
    """Group columns by attribute name; blank (and unreadable yes/no) cells are ``unknown``."""
    out = {}
    for header in columns.headers("group"):
        spec = columns.columns[header]
        values = []
        for cell in table.cells(header):
            if spec.yes_no:
                cell = spec.yes_no_value(cell) or UNKNOWN
            values.append(cell or UNKNOWN)
        out[attribute_name(header)] = np.array(values, dtype=object)
    return out


def _must_not_meet(
    table: RosterTable, column: str | None, lists: dict[str, list[list[str]]], ids: np.ndarray
) -> np.ndarray:
    """Validate the must-not-meet column into unordered row pairs ``(k, 2)``."""
    row_of = {str(value): i for i, value in enumerate(ids)}
    pairs = set()
    for i, names in enumerate(lists["must_not_meet"]):
        for name in names:
            if name not in row_of:
                raise RosterError(
                    f"{table.where(i, column)}: unknown student {name!r}; "
                    "use ids from the id column"
                )
            j = row_of[name]
            if j == i:
                raise RosterError(f"{table.where(i, column)}: names the student")
            pairs.add((min(i, j), max(i, j)))
    return np.array(sorted(pairs), dtype=np.intp).reshape(-1, 2)
