"""The column map: what each column of a school's roster export means.

A school information system (SIS) export has its own headers (``Student ID``,
``Last Name``, ``ELL (Y/N)``, ``Free Periods``...). A :class:`ColumnMap` says,
for every column, what the workbench should do with it:

==================  ===========================================================
``use``             meaning
==================  ===========================================================
``id``              the unique student id (exactly one column)
``name``            a name part: carried to every output, never used to match
``info``            information only (email, homeroom...): carried, never used
``site``            school/class; students are matched only within their site
``grade``           grade level (``06`` = ``6``; ``K`` = 0)
``role``            ``mentor``/``mentee``/``both``, or a yes/no "wants to mentor"
                    column (``yes_no = true``: yes = mentor, no = mentee)
``group``           a group attribute (fairness, cross-group scoring);
                    ``yes_no = true`` reads Y/N, yes/no, true/false, 1/0 alike
``interests``,      list columns, split on ``separator``
``strengths``,
``needs``,
``languages``,
``schedule``,
``barriers``,
``must_not_meet``
``belonging``,      starting levels in [0, 1] (simulation)
``confidence``
``ignore``          not read at all
==================  ===========================================================

``sensitive = true`` marks a column (disability, ELL, first-generation...) that
the teacher pair list leaves out unless the coordinator opts in.

:func:`propose_columns` proposes a map from the headers (case-, space- and
punctuation-insensitive, with the common SIS spellings) and the cells;
:func:`load_columns` reads a map saved as TOML and checks it against the
roster; :func:`columns_toml` writes one.

Examples
--------
>>> header = ["Student ID", "Last Name", "First Name", "Grade", "ELL (Y/N)", "Interests"]
>>> rows = [["1", "Ng", "Al", "06", "Y", "art, music"], ["2", "Li", "Bo", "7", "N", "chess"]]
>>> proposal = propose_columns(header, rows)
>>> {h: c.use for h, c in proposal.columns.items()}["Last Name"]
'name'
>>> proposal.columns["ELL (Y/N)"].yes_no, proposal.columns["ELL (Y/N)"].sensitive
(True, True)
>>> proposal.columns["Interests"].separator
','
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from workbench.errors import WorkbenchError
from workbench.inputfiles import read_toml, validation_line

Use = Literal[
    "id",
    "name",
    "info",
    "site",
    "grade",
    "role",
    "group",
    "interests",
    "strengths",
    "needs",
    "languages",
    "schedule",
    "barriers",
    "must_not_meet",
    "belonging",
    "confidence",
    "ignore",
]
LIST_USES = (
    "interests",
    "strengths",
    "needs",
    "languages",
    "schedule",
    "barriers",
    "must_not_meet",
)
#: Uses that at most one column may have.
SINGLE_USES = ("id", "site", "grade", "role", "belonging", "confidence", *LIST_USES)
#: Uses carried to outputs and never used to match.
CARRIED_USES = ("name", "info")
SEPARATORS = (";", ",", "|", "/")

YES = frozenset({"y", "yes", "true", "t", "1", "x", "si", "sí", "oui"})
NO = frozenset({"n", "no", "false", "f", "0"})


class ColumnMapError(WorkbenchError):
    """A column map that cannot be used; one line naming the file and the column."""


def normalise(header: str) -> str:
    """A header reduced to lower-case letters and digits: ``"ELL (Y/N)"`` -> ``"ellyn"``."""
    return re.sub(r"[^0-9a-z]+", "", header.casefold())


def _bare(header: str) -> str:
    """The header without a trailing yes/no marker: ``"ELL (Y/N)"`` -> ``"ell"``."""
    key = normalise(header)
    for tail in ("yesno", "yn"):
        if key.endswith(tail) and len(key) > len(tail):
            return key[: -len(tail)]
    return key


def attribute_name(header: str) -> str:
    """The group-attribute name of a column: the header without a ``(Y/N)`` marker.

    >>> attribute_name("IEP (Y/N)"), attribute_name("first_gen")
    ('IEP', 'first_gen')
    """
    cleaned = re.sub(r"\s*[\(\[]\s*(y\s*/\s*n|yes\s*/\s*no)\s*[\)\]]\s*$", "", header, flags=re.I)
    return cleaned.strip() or header


class Column(BaseModel):
    """What one column means."""

    model_config = ConfigDict(extra="forbid")

    use: Use = Field(description="what the column is (see the module docstring)")
    separator: str | None = Field(None, description="list columns: what separates items")
    yes_no: bool = Field(False, description="role/group: cells are yes/no in any spelling")
    sensitive: bool = Field(False, description="left out of the teacher list unless opted in")
    yes: list[str] = Field(default_factory=list, description="extra spellings of yes")
    no: list[str] = Field(default_factory=list, description="extra spellings of no")

    @model_validator(mode="after")
    def _options_fit_use(self) -> Column:
        if self.separator is not None and self.use not in LIST_USES:
            raise ValueError(f"separator is only for list columns ({', '.join(LIST_USES)})")
        if self.separator is not None and not self.separator.strip():
            raise ValueError("separator must be a visible character such as ';' or ','")
        if self.yes_no and self.use not in ("role", "group"):
            raise ValueError("yes_no is only for role and group columns")
        if (self.yes or self.no) and not self.yes_no:
            raise ValueError("yes/no spellings need yes_no = true")
        return self

    @property
    def split_on(self) -> str:
        return self.separator or ";"

    def yes_no_value(self, cell: str) -> str | None:
        """``"yes"``, ``"no"``, ``""`` for a blank cell, or ``None`` for an unknown spelling."""
        key = cell.strip().casefold()
        if not key:
            return ""
        if key in YES or key in {s.casefold() for s in self.yes}:
            return "yes"
        if key in NO or key in {s.casefold() for s in self.no}:
            return "no"
        return None


class ColumnMap(BaseModel):
    """Header -> :class:`Column`, in the roster's column order."""

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, Column]

    def headers(self, use: str) -> list[str]:
        """The headers with this ``use``, in order."""
        return [h for h, c in self.columns.items() if c.use == use]

    def header(self, use: str) -> str | None:
        """The one header with this ``use`` (``None`` if none)."""
        found = self.headers(use)
        return found[0] if found else None

    @property
    def sensitive(self) -> list[str]:
        return [h for h, c in self.columns.items() if c.sensitive]

    def describe(self) -> str:
        """The map as an aligned text table, one column per line (for the CLI)."""
        width = max((len(h) for h in self.columns), default=0)
        lines = []
        for header, column in self.columns.items():
            extra = []
            if column.separator:
                extra.append(f"separator {column.separator!r}")
            if column.yes_no:
                extra.append("yes/no")
            if column.sensitive:
                extra.append("sensitive")
            tail = f"  ({', '.join(extra)})" if extra else ""
            lines.append(f"  {header:<{width}}  -> {column.use}{tail}")
        return "\n".join(lines)


# ---------------------------------------------------------------- proposing

_PATTERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "id",
        (
            "id",
            "studentid",
            "studentnumber",
            "studentno",
            "studentnum",
            "sisid",
            "localid",
            "stateid",
            "pupilid",
            "learnerid",
            "idnumber",
        ),
    ),
    (
        "name",
        (
            "name",
            "fullname",
            "studentname",
            "firstname",
            "lastname",
            "middlename",
            "preferredname",
            "givenname",
            "surname",
            "familyname",
            "nickname",
            "legalname",
            "first",
            "last",
        ),
    ),
    (
        "info",
        (
            "email",
            "emailaddress",
            "studentemail",
            "schoolemail",
            "homeroom",
            "homeroomteacher",
            "advisory",
            "advisor",
            "teacher",
            "counselor",
            "phone",
            "address",
            "dob",
            "birthdate",
            "dateofbirth",
            "guardian",
            "parent",
            "notes",
            "comments",
            "locker",
        ),
    ),
    ("site", ("site", "school", "schoolname", "campus", "building", "location")),
    ("grade", ("grade", "gradelevel", "gr", "yeargroup", "year", "yearlevel", "grd")),
    (
        "role",
        (
            "role",
            "wantstomentor",
            "willingtomentor",
            "mentor",
            "canmentor",
            "volunteermentor",
            "wouldliketomentor",
            "mentorvolunteer",
            "mentoryn",
            "wantstobeamentor",
            "mentormentee",
            "mentorormentee",
            "programrole",
            "participantrole",
        ),
    ),
    (
        "languages",
        (
            "languages",
            "language",
            "homelanguage",
            "languagesspoken",
            "primarylanguage",
            "spokenlanguages",
            "languagespoken",
            "firstlanguage",
            "homelang",
            "lang",
            "langs",
            "homelanguages",
            "languagesathome",
            "languageathome",
            "spokenlanguage",
            "nativelanguage",
        ),
    ),
    (
        "schedule",
        (
            "schedule",
            "freeperiods",
            "freeperiod",
            "freeslots",
            "availability",
            "available",
            "studyhall",
            "periodsfree",
            "freetime",
            "freeblocks",
            "openperiods",
            "studyhalls",
            "availableperiods",
            "freeperiodsavailable",
        ),
    ),
    (
        "interests",
        (
            "interests",
            "interest",
            "hobbies",
            "clubs",
            "activities",
            "interestshobbies",
            "hobbiesinterests",
            "extracurriculars",
            "extracurricular",
            "likes",
        ),
    ),
    ("strengths", ("strengths", "strongsubjects", "goodat")),
    ("needs", ("needs", "needshelpwith", "needshelp", "helpwith", "weaksubjects")),
    ("barriers", ("barriers",)),
    (
        "must_not_meet",
        (
            "mustnotmeet",
            "donotpair",
            "dontpair",
            "donotpairwith",
            "keepapart",
            "keepawayfrom",
            "separatefrom",
            "avoid",
            "conflicts",
        ),
    ),
    ("belonging", ("belonging",)),
    ("confidence", ("confidence",)),
)
_SENSITIVE_WORDS = (
    "ell",
    "el",
    "esl",
    "lep",
    "englishlearner",
    "englishlanguagelearner",
    "iep",
    "504",
    "504plan",
    "section504",
    "elstatus",
    "ellstatus",
    "lepstatus",
    "eslstatus",
    "mlstatus",
    "multilinguallearner",
    "frlstatus",
    "econdisadv",
    "ecodis",
    "iepstatus",
    "specialneeds",
    "sped",
    "specialeducation",
    "specialed",
    "disability",
    "disabled",
    "sen",
    "send",
    "firstgen",
    "firstgeneration",
    "frl",
    "freereducedlunch",
    "freelunch",
    "lunchstatus",
    "lowincome",
    "economicallydisadvantaged",
    "pupilpremium",
    "race",
    "ethnicity",
    "raceethnicity",
    "gender",
    "sex",
    "immigrant",
    "homeless",
    "fostercare",
    "medical",
    "health",
    "migrant",
)
_GROUP_WORDS = _SENSITIVE_WORDS + ("languagebackground", "track", "house", "cohort", "team")


def _looks_like_name(header: str) -> bool:
    key = _bare(header)
    return key in dict(_PATTERNS)["name"] or key.endswith("name") or "email" in key


def is_sensitive(header: str) -> bool:
    """Whether a header names a protected or private attribute (disability, ELL, income...)."""
    key = _bare(header)
    return key in _SENSITIVE_WORDS or any(
        word in key for word in _SENSITIVE_WORDS if len(word) >= 5
    )


def _blank(cell: str) -> bool:
    return not cell.strip()


def guess_separator(cells: Sequence[str]) -> str | None:
    """The separator most cells use (``None`` if no cell holds one)."""
    counts = Counter(sep for cell in cells for sep in SEPARATORS if sep in cell.strip(" "))
    if not counts:
        return None
    # ";" and "," in the same cell: "2;5, 7" -> the one in more cells wins
    return counts.most_common(1)[0][0]


def looks_like_list(cells: Sequence[str]) -> bool:
    """At least a fifth of the non-blank cells hold several items (``"a, b"``, ``"2;5"``)."""
    filled = [c for c in cells if not _blank(c)]
    if not filled:
        return False
    listy = [c for c in filled if re.search(r"\S\s*[;,|]\s*\S", c)]
    return len(listy) >= max(2, len(filled) / 5)


def nearly_one_per_student(cells: Sequence[str]) -> bool:
    """At least 6 distinct values, and at least one for every two students (a name, an id).

    >>> nearly_one_per_student(["F", "M", "F", "X", "M", "F"])
    False
    >>> nearly_one_per_student(["Ava", "Ben", "Cai", "Dee", "Eli", "Fay", "Ava"])
    True
    """
    filled = [c.strip() for c in cells if not _blank(c)]
    distinct = len(set(filled))
    return distinct >= max(6, 0.5 * len(filled))


def _yes_no_share(cells: Sequence[str]) -> float:
    filled = [c.strip().casefold() for c in cells if not _blank(c)]
    if not filled:
        return 0.0
    return sum(c in YES or c in NO for c in filled) / len(filled)


def recognised(header: str) -> bool:
    """Whether the proposal knows this header (a known spelling, a name, an email, a group word)."""
    key = _bare(header)
    return (
        any(key in keys for _, keys in _PATTERNS)
        or "email" in key
        or key.endswith("name")
        or key in _GROUP_WORDS
        or is_sensitive(header)
    )


def _propose_one(header: str, cells: Sequence[str], taken: set[str], native: bool) -> Column:
    key = _bare(header)
    use = next((u for u, keys in _PATTERNS if key in keys), None)
    if use == "id" and "id" in taken:
        use = "info"  # a second id (state id next to the local id): carried, never matched
    if use in SINGLE_USES and use in taken and use != "id":
        use = None
    if use is None and ("email" in key or key.endswith("name")):
        use = "name" if key.endswith("name") else "info"
    yes_no_cells = _yes_no_share(cells) >= 0.8
    if use in LIST_USES:
        return Column(use=use, separator=guess_separator(cells) or ";")
    if use == "role":
        native = {c.strip().casefold() for c in cells if c.strip()} <= {"mentor", "mentee", "both"}
        return Column(use="role", yes_no=not native and yes_no_cells)
    if use is not None:
        return Column(use=use, sensitive=use == "group" and is_sensitive(header))
    sensitive = is_sensitive(header)
    if key in _GROUP_WORDS or sensitive:
        return Column(use="group", yes_no=yes_no_cells, sensitive=sensitive)
    if looks_like_list(cells) or nearly_one_per_student(cells):
        return Column(use="info")  # a list nobody named, a name, an id, a date: never a group
    if not native:
        # an export's column nobody named (bus route, locker, photo release...): carried and
        # shown, never matched on, until the coordinator says it is a group
        return Column(use="info")
    return Column(use="group", yes_no=yes_no_cells)


def propose_columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> ColumnMap:
    """Propose what every column means, from its header and its cells.

    Known headers are matched case-, space- and punctuation-insensitively
    (``"Student ID"``, ``"student_id"``, ``"STUDENT-ID"``); names and emails
    are never proposed as group attributes; a column of Y/N cells is read as
    yes/no; a list column's separator is the one its cells use. A column
    nothing matches is information only (carried, never matched on), except
    in the workbench's own layout (a column named exactly ``id``), where it is
    a group attribute if it has few distinct values.
    """
    taken: set[str] = set()
    columns: dict[str, Column] = {}
    # the workbench's own layout (an "id" column) documents "any other column is a group"
    native = "id" in header
    # the id first, so "ID" wins over "State ID" only if it comes first in the file
    for k, name in enumerate(header):
        cells = [row[k] if k < len(row) else "" for row in rows]
        column = _propose_one(name, cells, taken, native)
        taken.add(column.use)
        columns[name] = column
    if "id" not in taken:
        raise ColumnMapError(
            f"no student id column (columns: {', '.join(header)}); name it 'Student ID' or "
            "'id', or mark it use = \"id\" in a column map (--write-columns, then --columns)"
        )
    return ColumnMap(columns=columns)


# ---------------------------------------------------------------- files


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string


def columns_toml(columns: ColumnMap, roster: str = "") -> str:
    """The map as TOML text: one line per column, with a comment saying how to edit it.

    >>> m = ColumnMap(columns={"Student ID": Column(use="id"), "Likes": Column(use="interests",
    ...               separator=",")})
    >>> print(columns_toml(m).splitlines()[-2])
    "Student ID" = { use = "id" }
    >>> import tomllib
    >>> parse_columns(tomllib.loads(columns_toml(m)), "x") == m
    True
    """
    lines = [
        f"# Column map{' for ' + roster if roster else ''}: what each column means.",
        "# use = id | name | info | site | grade | role | group | interests | strengths |",
        "#       needs | languages | schedule | barriers | must_not_meet | belonging |",
        "#       confidence | ignore   (docs/matching.md, 'The column map')",
        "# name/info columns are carried to every output and never used to match;",
        "# sensitive = true keeps a column off the teacher pair list unless you opt in;",
        '# yes_no = true reads Y/N, yes/no, true/false, 1/0 (add spellings: yes = ["si"]).',
        "[columns]",
    ]
    for header, column in columns.columns.items():
        options = {"use": column.use} | column.model_dump(exclude_defaults=True)
        inline = ", ".join(f"{k} = {_toml_value(v)}" for k, v in options.items())
        lines.append(f"{_toml_value(header)} = {{ {inline} }}")
    return "\n".join(lines) + "\n"


def parse_columns(data: Mapping[str, object], source: str) -> ColumnMap:
    """Validate a map given as a mapping (a short form ``"Header" = "use"`` is allowed)."""
    raw = data.get("columns") if isinstance(data, Mapping) else None
    if not isinstance(raw, Mapping) or set(data) - {"columns"}:
        raise ColumnMapError(
            f"{source}: expected one [columns] table of 'column name' = {{ use = ... }}"
        )
    expanded = {h: {"use": v} if isinstance(v, str) else v for h, v in raw.items()}
    try:
        return ColumnMap.model_validate({"columns": expanded})
    except ValidationError as error:
        line = validation_line(error, source, "docs/matching.md")
        raise ColumnMapError(line.replace(": columns.", ": column ", 1)) from None


def check_columns(
    columns: ColumnMap,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    source: str,
    roster: str,
) -> None:
    """Refuse a map that does not fit the roster: one line naming ``source`` and the column.

    Unknown columns, no id or two ids (or two of any single use), a name used
    as a group, a list separator that splits no cell although the cells hold
    another separator.
    """
    known = set(header)
    for name in columns.columns:
        if name not in known:
            raise ColumnMapError(
                f"{source}: column {name!r}: not in {roster} (its columns: {', '.join(header)})"
            )
    for use in SINGLE_USES:
        found = columns.headers(use)
        if len(found) > 1:
            raise ColumnMapError(
                f"{source}: column {found[1]!r}: a second {use!r} column (also {found[0]!r}); "
                f'keep one and mark the other use = "info"'
            )
    if not columns.headers("id"):
        raise ColumnMapError(f'{source}: no column has use = "id"; mark the student id column')
    for name, column in columns.columns.items():
        if column.use == "group" and _looks_like_name(name):
            raise ColumnMapError(
                f"{source}: column {name!r}: a name or email cannot be a group attribute; "
                'use = "name" (carried to outputs, never matched)'
            )
        if column.use in LIST_USES:
            k = list(header).index(name)
            cells = [row[k] for row in rows if k < len(row) and row[k].strip()]
            if not any(column.split_on in cell for cell in cells):
                other = guess_separator(cells)
                if other is not None and other != column.split_on:
                    example = next(c for c in cells if other in c)
                    raise ColumnMapError(
                        f"{source}: column {name!r}: separator {column.split_on!r} splits no "
                        f"cell, but cells use {other!r} (e.g. {example!r}); "
                        f"set separator = {other!r}"
                    )


def load_columns(
    path: str | Path,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    roster: str = "the roster",
) -> ColumnMap:
    """Read a column map TOML file and check it against a roster's header and rows."""
    path = Path(path)
    columns = parse_columns(read_toml(path, "column map", ColumnMapError), str(path))
    check_columns(columns, header, rows, str(path), roster)
    return columns


def as_columns(
    columns: ColumnMap | Mapping[str, object] | str | Path | None,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    roster: str,
) -> ColumnMap:
    """Whatever a caller passed as ``columns=`` (a map, a dict, a file, or None: proposed)."""
    if columns is None:
        try:
            return propose_columns(header, rows)
        except ColumnMapError as error:
            raise ColumnMapError(f"{roster}: {error}") from None
    if isinstance(columns, str | Path):
        return load_columns(columns, header, rows, roster)
    if isinstance(columns, Mapping):
        data = columns if "columns" in columns else {"columns": columns}
        columns = parse_columns(data, "columns")
    check_columns(columns, header, rows, "columns", roster)
    return columns
