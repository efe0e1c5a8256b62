"""Reading the files users bring, and saying in one line what is wrong with one.

Scenarios, sweeps, codebooks, matching weights and validation cases are TOML
read into pydantic models; rosters, preferences and surveys are CSV. These
functions give them all the same messages: ``FILE: no such scenario file``,
``FILE: not UTF-8 text (byte 12); ...``, ``FILE: malformed TOML: ...`` and
``FILE: cohort.sise: unknown key (...)``.

Examples
--------
>>> from pydantic import BaseModel, ConfigDict, ValidationError
>>> class Levers(BaseModel):
...     model_config = ConfigDict(extra="forbid")
...     weeks: int = 36
>>> try:
...     Levers.model_validate({"weeks": "many", "wekes": 3})
... except ValidationError as error:
...     print(validation_line(error, "my.toml", "docs/scenarios.md"))
my.toml: weeks: Input should be a valid integer, unable to parse string as an integer (got 'many') [+1 more problem]
"""

from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from workbench.errors import WorkbenchError


def read_toml(path: Path, kind: str, error: type[WorkbenchError]) -> dict[str, Any]:
    """Parse the TOML file ``path``, raising ``error`` with one line when it cannot.

    Parameters
    ----------
    path
        The file.
    kind
        What the file is, for the message: ``"scenario"``, ``"sweep"``...
    error
        The :class:`~workbench.errors.WorkbenchError` subclass to raise.
    """
    if not path.is_file():
        raise error(f"{path}: no such {kind} file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{path}: malformed TOML: {problem}") from None


def read_csv_rows(path: Path, kind: str, error: type[WorkbenchError]) -> list[list[str]]:
    """Every row of the CSV file ``path``, blank ones included (row ``k`` is line ``k``
    unless a quoted cell spans lines).

    A byte-order mark is dropped (spreadsheets write one); text that is not
    UTF-8 or is not CSV raises ``error`` with one line saying how to fix it.
    """
    if not path.is_file():
        raise error(f"{path}: no such {kind} file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as problem:
        raise error(
            f"{path}: not UTF-8 text (byte {problem.start}); save the file as CSV UTF-8"
        ) from None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as problem:
        raise error(f"{path}: malformed CSV: {problem}") from None


def validation_line(error: ValidationError, source: str, docs: str) -> str:
    """The first problem pydantic found, as ``SOURCE: KEY: MESSAGE [+N more problems]``.

    ``docs`` names the page that lists the allowed keys, for misspelt ones.
    """
    problems = error.errors()
    first = problems[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = f"unknown key (check its spelling; see {docs} for the allowed keys)"
    elif first["type"] == "missing":
        message = "required key is missing"
    elif "input" in first and not isinstance(first["input"], dict):
        message = f"{message} (got {first['input']!r})"
    more = len(problems) - 1
    tail = f" [+{more} more problem{'s' if more > 1 else ''}]" if more else ""
    return f"{source}: {key}: {message}{tail}"
