"""Rosters: who the students are, as columnar arrays shared by matching and the model.

A :class:`Roster` is the input of every matching policy and the static part of
a simulated cohort. It is built from a synthetic cohort
(:func:`workbench.cohort.generate_roster`) or read from a coordinator's CSV with
:func:`load_roster`.

Roster CSV format (one row per student, UTF-8)::

    id,site,grade,role,interests,strengths,needs,languages,schedule,barriers,<attributes...>
    s001,north,10,mentor,music;sport,math;reading,science,en;es,mon_lunch;wed_lunch,transport,...

Only ``id`` is required. List cells are separated by ``;``. ``must_not_meet``
lists ids of students this one must never be paired or grouped with. ``role`` is
``mentor``, ``mentee`` or ``both``. ``strengths``/``needs`` name subjects (skill
0.8 / 0.2; unnamed subjects 0.5). Optional numeric ``belonging`` and
``confidence`` (0-1) set starting levels. Every other column is a categorical
group attribute (e.g. ``first_gen``, ``disability``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.inputfiles import read_csv_rows
from workbench.scenario import BARRIERS

ROLES = ("mentor", "mentee", "both")
LIST_COLUMNS = (
    "interests",
    "strengths",
    "needs",
    "languages",
    "schedule",
    "barriers",
    "must_not_meet",
)
RESERVED = ("id", "site", "grade", "role", "belonging", "confidence", *LIST_COLUMNS)
STRENGTH, NEED, NEUTRAL = 0.8, 0.2, 0.5


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

    def __post_init__(self) -> None:
        n = len(self.ids)
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

    @cached_property
    def _codes(self) -> dict[str, tuple[np.ndarray, list[str]]]:
        out = {}
        for name, column in self.attribute_columns.items():
            values = column.astype(str)
            levels, codes = np.unique(values, return_inverse=True)
            out[name] = (codes.astype(np.int64), [str(level) for level in levels])
        return out

    @cached_property
    def site_codes(self) -> np.ndarray:
        """Integer code of each student's site (codes follow sorted site names)."""
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
        sub = replace(
            self,
            ids=self.ids[index],
            site=self.site[index],
            grade=self.grade[index],
            role=self.role[index],
            attribute_columns={name: c[index] for name, c in self.attribute_columns.items()},
            interests=self.interests[index],
            skills=self.skills[index],
            languages=self.languages[index],
            schedule=self.schedule[index],
            barriers=self.barriers[index],
            belonging=self.belonging[index],
            confidence=self.confidence[index],
            must_not_meet=_remap_pairs(self.must_not_meet, index, len(self)),
        )
        # cached_property writes to the instance dict, so a frozen dataclass can carry it
        sub.__dict__["_codes"] = {k: (c[index], lv) for k, (c, lv) in self._codes.items()}
        sub.__dict__["site_codes"] = self.site_codes[index]
        return sub

    def with_roles(self, role: np.ndarray) -> Roster:
        """The same students with other roles (cached codes are kept)."""
        changed = replace(self, role=role)
        for name in ("_codes", "site_codes", "attributes"):
            if name in self.__dict__:
                changed.__dict__[name] = self.__dict__[name]
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


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def load_roster(path: str | Path, subjects: Sequence[str] | None = None) -> Roster:
    """Read and validate a roster CSV.

    Parameters
    ----------
    path
        CSV file, UTF-8, header row first; see the module docstring for columns.
    subjects
        Subject names for the skill matrix; by default those named in
        ``strengths``/``needs``.

    Raises
    ------
    RosterError
        One line naming the file, the row (1 = header) and the field.

    Examples
    --------
    >>> roster = load_roster("examples/roster_synthetic.csv")  # doctest: +SKIP
    >>> len(roster), roster.attribute_names  # doctest: +SKIP
    (60, ('language_background', 'disability', 'first_gen'))
    """
    path = Path(path)
    numbered = [
        (line, row)
        for line, row in enumerate(read_csv_rows(path, "roster", RosterError), start=1)
        if any(cell.strip() for cell in row)
    ]
    rows = [row for _, row in numbered]

    def line_of(number: int) -> int:
        """The file line of the ``number``-th non-blank row (the header is 1)."""
        return numbered[number - 1][0]

    if not rows:
        raise RosterError(f"{path}: empty file; expected a header row with at least an 'id' column")
    header = [cell.strip() for cell in rows[0]]
    if "id" not in header:
        raise RosterError(
            f"{path}: row {line_of(1)}: no 'id' column (columns: {', '.join(header)})"
        )
    if len(set(header)) != len(header) or "" in header:
        raise RosterError(f"{path}: row {line_of(1)}: column names must be distinct and non-empty")
    body = rows[1:]
    if not body:
        raise RosterError(f"{path}: no students after the header row")
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise RosterError(
                f"{path}: row {line_of(number)}: {len(row)} fields, header has {len(header)}"
            )
    table = pd.DataFrame(body, columns=header, dtype=str).apply(lambda c: c.str.strip())
    col = {name: i for i, name in enumerate(header)}

    ids = table["id"].to_numpy(dtype=object)
    seen: dict[str, int] = {}
    for number, value in enumerate(ids, start=2):
        if not value:
            raise RosterError(f"{path}: row {line_of(number)}: field 'id' is empty")
        if value in seen:
            raise RosterError(
                f"{path}: row {line_of(number)}: field 'id': duplicate id {value!r} (first on row {seen[value]})"
            )
        seen[value] = line_of(number)
    n = len(ids)

    site = table["site"].to_numpy(dtype=object) if "site" in col else np.full(n, "site", object)
    site = np.where(site == "", "site", site)

    grade = np.zeros(n, dtype=np.int64)
    if "grade" in col:
        for number, value in enumerate(table["grade"], start=2):
            try:
                grade[number - 2] = int(value)
            except ValueError:
                raise RosterError(
                    f"{path}: row {line_of(number)}: field 'grade': {value!r} is not a whole number"
                ) from None

    role = np.full(n, "both", dtype=object)
    if "role" in col:
        for number, value in enumerate(table["role"], start=2):
            value = value.lower() or "both"
            if value not in ROLES:
                raise RosterError(
                    f"{path}: row {line_of(number)}: field 'role': {value!r}; allowed: {', '.join(ROLES)}"
                )
            role[number - 2] = value

    lists = {
        name: [_split(v) for v in table[name]] if name in col else [[]] * n for name in LIST_COLUMNS
    }
    for number, entries in enumerate(lists["barriers"], start=2):
        unknown = sorted(set(entries) - set(BARRIERS))
        if unknown:
            raise RosterError(
                f"{path}: row {line_of(number)}: field 'barriers': unknown {unknown}; "
                f"allowed: {', '.join(BARRIERS)}"
            )

    def vocabulary(*names: str) -> tuple[str, ...]:
        return tuple(sorted({item for name in names for row in lists[name] for item in row}))

    def indicator(name: str, vocab: Sequence[str]) -> np.ndarray:
        position = {v: j for j, v in enumerate(vocab)}
        matrix = np.zeros((n, len(vocab)), dtype=bool)
        for i, row in enumerate(lists[name]):
            for item in row:
                if item in position:
                    matrix[i, position[item]] = True
        return matrix

    subject_names = tuple(subjects) if subjects is not None else vocabulary("strengths", "needs")
    if not subject_names:
        subject_names = ("general",)
    for name in ("strengths", "needs"):
        for number, entries in enumerate(lists[name], start=2):
            unknown = sorted(set(entries) - set(subject_names))
            if unknown:
                raise RosterError(
                    f"{path}: row {line_of(number)}: field {name!r}: unknown subjects {unknown}; "
                    f"known: {', '.join(subject_names)}"
                )
    skills = np.full((n, len(subject_names)), NEUTRAL)
    skills[indicator("strengths", subject_names)] = STRENGTH
    skills[indicator("needs", subject_names)] = NEED

    interest_names = vocabulary("interests")
    language_names = vocabulary("languages")
    slot_names = vocabulary("schedule")

    starting = {}
    for name in ("belonging", "confidence"):
        values = np.full(n, np.nan)
        if name in col:
            for number, value in enumerate(table[name], start=2):
                if value == "":
                    continue
                try:
                    number_value = float(value)
                except ValueError:
                    number_value = np.nan
                if not 0.0 <= number_value <= 1.0:
                    raise RosterError(
                        f"{path}: row {line_of(number)}: field {name!r}: {value!r} is not a number in [0, 1]"
                    )
                values[number - 2] = number_value
        starting[name] = values

    attribute_columns = [c for c in header if c not in RESERVED]
    attributes = table[attribute_columns].reset_index(drop=True).copy()
    for number, row in enumerate(attributes.itertuples(index=False), start=2):
        for name, value in zip(attribute_columns, row, strict=True):
            if value == "":
                raise RosterError(
                    f"{path}: row {line_of(number)}: field {name!r} is empty; "
                    "give every student a value (e.g. 'unknown')"
                )

    return Roster(
        ids=ids,
        site=site,
        grade=grade,
        role=role,
        attribute_columns={c: attributes[c].to_numpy(dtype=object) for c in attribute_columns},
        interests=indicator("interests", interest_names),
        interest_names=interest_names,
        skills=skills,
        subject_names=subject_names,
        languages=indicator("languages", language_names),
        language_names=language_names,
        schedule=indicator("schedule", slot_names),
        slot_names=slot_names,
        barriers=indicator("barriers", BARRIERS),
        belonging=starting["belonging"],
        confidence=starting["confidence"],
        must_not_meet=_must_not_meet(
            path, lists["must_not_meet"], ids, [line_of(k + 2) for k in range(n)]
        ),
    )


def _must_not_meet(
    path: Path, cells: list[list[str]], ids: np.ndarray, lines: list[int]
) -> np.ndarray:
    """Validate the ``must_not_meet`` column into unordered row pairs ``(k, 2)``.

    ``lines[i]`` is the file line of student ``i``, for messages.
    """
    row_of = {str(value): i for i, value in enumerate(ids)}
    pairs = set()
    for i, names in enumerate(cells):
        for name in names:
            if name not in row_of:
                raise RosterError(
                    f"{path}: row {lines[i]}: field 'must_not_meet': unknown student {name!r}; "
                    "use ids from the 'id' column"
                )
            j = row_of[name]
            if j == i:
                raise RosterError(
                    f"{path}: row {lines[i]}: field 'must_not_meet': names the student"
                )
            pairs.add((min(i, j), max(i, j)))
    return np.array(sorted(pairs), dtype=np.intp).reshape(-1, 2)
