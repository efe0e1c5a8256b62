"""Read a survey CSV (long or wide) against its codebook into a validated :class:`Survey`.

Every problem is reported on its own line naming the file, the row (1 = the
header) and the column: answers outside the Likert range or not whole numbers,
unknown items, duplicate respondent × wave, columns the codebook names but the
file lacks, group values that change between waves. Nothing is loaded unless
the whole file is clean.

Examples
--------
>>> survey = load_survey("examples/survey_synthetic.csv",
...                      "examples/codebook_synthetic.toml")  # doctest: +SKIP
>>> survey.waves, len(survey.data)  # doctest: +SKIP
(['pre', 'post'], 600)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.inputfiles import read_csv_rows
from workbench.survey.codebook import Codebook, SurveyError, load_codebook

MAX_PROBLEMS = 50
TRUE_WORDS = frozenset({"1", "yes", "y", "true", "t"})
FALSE_WORDS = frozenset({"0", "no", "n", "false", "f"})
SINGLE_WAVE = "all"


@dataclass(frozen=True)
class Survey:
    """A validated survey: one row per respondent × wave.

    Attributes
    ----------
    codebook : Codebook
    data : DataFrame
        ``respondent`` (str), ``wave`` (ordered categorical), the group columns
        (str, ``NA`` when unknown), the program columns (``participated``
        boolean, ``pair_id`` str, ``sessions_attended`` float; named by their
        role, not by their CSV name) and one float column per item holding the
        raw answer code (``NaN`` = not answered; reverse coding is applied when
        scoring, not here).
    source : str
        Where the data came from (file name), used in messages.
    """

    codebook: Codebook
    data: pd.DataFrame
    source: str = "<survey>"

    @property
    def waves(self) -> list[str]:
        """Wave labels in time order."""
        return [str(w) for w in self.data["wave"].cat.categories]

    @property
    def group_columns(self) -> list[str]:
        return list(self.codebook.groups.columns)

    def week(self, wave: str) -> int | None:
        """Program week of a wave (from the codebook's ``[waves]``), or ``None``."""
        return self.codebook.waves.get(wave)

    def items(self, scale: str, reverse: bool = True) -> pd.DataFrame:
        """Answers to one scale's items (reverse-keyed items flipped when ``reverse``)."""
        spec = self.codebook.scales[scale]
        frame = self.data[spec.items].astype(float).copy()
        if reverse:
            for item in spec.reverse:
                frame[item] = spec.low + spec.high - frame[item]
        return frame

    def scores(self) -> pd.DataFrame:
        """Scale scores by the codebook's rule (see :func:`workbench.survey.scoring.score`)."""
        from workbench.survey.scoring import score

        return score(self)

    def subset(self, mask: np.ndarray | pd.Series) -> Survey:
        """The survey restricted to some rows (e.g. one wave, or held-out groups)."""
        data = self.data.loc[np.asarray(mask, dtype=bool)].reset_index(drop=True)
        return Survey(self.codebook, data, self.source)

    @property
    def respondents(self) -> int:
        """Number of distinct respondents (over all waves)."""
        return int(self.data["respondent"].nunique())

    def participants(self) -> Survey:
        """Only the respondents who took part (codebook ``program.participated``);
        the whole survey when the codebook has no such column."""
        if "participated" not in self.data:
            return self
        return self.subset(self.data["participated"].fillna(False).to_numpy(bool))

    def reliability(
        self, n_resamples: int = 200, rng=0, *, bootstrap: int | None = None
    ) -> pd.DataFrame:
        """Cronbach's alpha (95% CI) and McDonald's omega (bootstrap 95% CI, ``n_resamples``
        resamples seeded by ``rng``; 0 skips it; ``bootstrap`` is its deprecated name) per
        scale × wave (:func:`workbench.survey.reliability.reliability_table`)."""
        from workbench.renamed import renamed
        from workbench.survey.reliability import reliability_table

        n_resamples = renamed(
            "Survey.reliability", "bootstrap", "n_resamples", bootstrap, n_resamples, default=200
        )
        return reliability_table(self, n_resamples, rng=rng)

    def item_statistics(self) -> pd.DataFrame:
        """Per scale × wave × item statistics
        (:func:`workbench.survey.reliability.item_statistics`)."""
        from workbench.survey.reliability import item_statistics

        return item_statistics(self)

    def group_means(self, level: float = 0.95) -> pd.DataFrame:
        """Mean score per scale × wave × group with t intervals
        (:func:`workbench.survey.groups.group_means`)."""
        from workbench.survey.groups import group_means

        return group_means(self, level=level)

    def group_gaps(self, level: float = 0.95) -> pd.DataFrame:
        """Reference-minus-group gaps per scale × wave with Welch intervals
        (:func:`workbench.survey.groups.group_gaps`)."""
        from workbench.survey.groups import group_gaps

        return group_gaps(self, level=level)

    def __repr__(self) -> str:
        scales = ", ".join(f"{n} ({len(s.items)} items)" for n, s in self.codebook.scales.items())
        groups = ", ".join(self.group_columns) or "none"
        return (
            f"<Survey {self.source}: {self.respondents} respondents, waves "
            f"{'/'.join(self.waves)}; scales {scales}; groups {groups}>"
        )

    def _repr_html_(self) -> str:
        from workbench.survey.display import survey_card

        return survey_card(self)


def _frame_from_rows(rows: list[list[str]], source: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Strings table and the CSV row number of each of its rows (1 = header)."""
    numbered = [(i, row) for i, row in enumerate(rows, start=1) if any(c.strip() for c in row)]
    if not numbered:
        raise SurveyError(f"{source}: empty file; expected a header row")
    header = [cell.strip() for cell in numbered[0][1]]
    if "" in header or len(set(header)) != len(header):
        raise SurveyError(f"{source}: row 1: column names must be distinct and non-empty")
    body = numbered[1:]
    if not body:
        raise SurveyError(f"{source}: no responses after the header row")
    problems = [
        f"{source}: row {number}: {len(row)} fields, the header has {len(header)}"
        for number, row in body
        if len(row) != len(header)
    ]
    if problems:
        raise SurveyError(problems[:MAX_PROBLEMS])
    frame = pd.DataFrame([row for _, row in body], columns=header, dtype=str)
    frame = frame.apply(lambda column: column.str.strip())
    return frame, np.array([number for number, _ in body], dtype=np.int64)


def load_survey(path: str | Path, codebook: Codebook | str | Path) -> Survey:
    """Read and validate a survey CSV with its codebook.

    Parameters
    ----------
    path
        CSV file, UTF-8, header first; wide (one column per item) or long
        (respondent, wave, item, response) as the codebook's ``survey.format`` says.
    codebook
        A :class:`Codebook` or the path of its TOML file.

    Raises
    ------
    SurveyError
        The first problem on one line (file, row, column) and how many more;
        ``error.problems`` lists them all.

    Examples
    --------
    >>> survey = load_survey("examples/survey_synthetic.csv",
    ...                      "examples/codebook_synthetic.toml")  # doctest: +SKIP
    """
    book = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    path = Path(path)
    frame, rows = _frame_from_rows(read_csv_rows(path, "survey", SurveyError), str(path))
    return survey_from_frame(frame, book, source=str(path), row_numbers=rows)


def survey_from_frame(
    frame: pd.DataFrame,
    codebook: Codebook,
    source: str = "<frame>",
    row_numbers: np.ndarray | None = None,
) -> Survey:
    """Validate a table (as read from a CSV) into a :class:`Survey`.

    ``row_numbers`` are the CSV row numbers used in messages (default: the
    table's position + 2, as if row 1 were a header).

    Examples
    --------
    >>> from workbench.survey.codebook import Codebook
    >>> book = Codebook.model_validate({"survey": {"respondent": "id"},
    ...     "scales": {"s": {"items": ["a", "b"], "low": 1, "high": 3}}})
    >>> survey = survey_from_frame(pd.DataFrame({"id": ["x", "y"], "a": [1, 3], "b": [2, ""]}), book)
    >>> survey.data["b"].tolist()
    [2.0, nan]
    """
    text = frame.astype(str).apply(lambda column: column.str.strip())
    text = text.where(frame.notna(), "")
    rows = np.arange(2, len(text) + 2) if row_numbers is None else np.asarray(row_numbers)
    checker = _Checker(codebook, source)
    checker.require_columns(list(text.columns))
    if codebook.survey.format == "long":
        table, rows = checker.pivot_long(text, rows)
    else:
        table = text
    data = checker.build(table, rows)
    return Survey(codebook, data, source)


class _Checker:
    """Collects problems (one line each) while turning strings into typed columns."""

    def __init__(self, codebook: Codebook, source: str) -> None:
        self.book = codebook
        self.source = source
        self.problems: list[str] = []

    def add(self, row: int | None, column: str | None, message: str) -> None:
        where = [self.source]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        self.problems.append(": ".join([*where, message]))

    def stop_if_any(self) -> None:
        if self.problems:
            raise SurveyError(
                self.problems[:MAX_PROBLEMS] + self._overflow(), total=len(self.problems)
            )

    def _overflow(self) -> list[str]:
        extra = len(self.problems) - MAX_PROBLEMS
        return (
            [f"{self.source}: ... and {extra} more problems (of {len(self.problems)}) not listed"]
            if extra > 0
            else []
        )

    # -- columns ----------------------------------------------------------------------------
    def require_columns(self, header: list[str]) -> None:
        book, layout = self.book, self.book.survey
        needed: list[tuple[str, str]] = [(layout.respondent, "survey.respondent")]
        if layout.wave:
            needed.append((layout.wave, "survey.wave"))
        if layout.format == "long":
            needed += [(layout.item, "survey.item"), (layout.response, "survey.response")]
        else:
            for name, scale in book.scales.items():
                needed += [(item, f"scales.{name}.items") for item in scale.items]
        needed += [(column, "groups.columns") for column in book.groups.columns]
        needed += [(column, f"program.{role}") for role, column in book.program_columns.items()]
        for column, key in needed:
            if column not in header:
                self.add(
                    1,
                    column,
                    f"missing; the codebook's {key} names it (columns: {', '.join(header)})",
                )
        self.stop_if_any()

    # -- long format ------------------------------------------------------------------------
    def pivot_long(self, text: pd.DataFrame, rows: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
        layout = self.book.survey
        known = self.book.items
        items = text[layout.item]
        for position in np.flatnonzero(~items.isin(list(known)).to_numpy()):
            self.add(
                int(rows[position]),
                layout.item,
                f"unknown item {items.iloc[position]!r}; the codebook's items are "
                f"{', '.join(known)}",
            )
        keys = [layout.respondent] + ([layout.wave] if layout.wave else [])
        duplicated = text.duplicated([*keys, layout.item], keep="first").to_numpy()
        first_row = self._first_rows(text, [*keys, layout.item], rows)
        for position in np.flatnonzero(duplicated):
            self.add(
                int(rows[position]),
                layout.item,
                f"second answer to item {items.iloc[position]!r} by respondent "
                f"{text[layout.respondent].iloc[position]!r}"
                + (f" in wave {text[layout.wave].iloc[position]!r}" if layout.wave else "")
                + f" (first on row {first_row[position]}); keep one answer per item and wave",
            )
        self.stop_if_any()
        # answers, on the file's own rows (after pivoting a row would be the respondent's first)
        responses = text[layout.response]
        for item in known:
            at = (items == item).to_numpy()
            if at.any():
                low, high, labels = self._coding(item)
                self._codes(
                    responses[at], rows[at], layout.response, low, high, labels, f" (item {item!r})"
                )
        self.stop_if_any()
        # per respondent × wave: the other columns must agree across its rows
        others = [c for c in text.columns if c not in (*keys, layout.item, layout.response)]
        grouped = text.assign(_row=rows).groupby(keys, sort=False, dropna=False)
        firsts = grouped.first()
        for column in [*self.book.groups.columns, *self.book.program_columns.values()]:
            counts = grouped[column].nunique(dropna=False)
            for key in counts.index[counts > 1]:
                part = grouped.get_group(key if isinstance(key, tuple) else (key,))
                values = part[column].tolist()
                bad = next(i for i, v in enumerate(values) if v != values[0])
                self.add(
                    int(part["_row"].iloc[bad]),
                    column,
                    f"{values[bad]!r} differs from {values[0]!r} on row "
                    f"{int(part['_row'].iloc[0])} for the same respondent and wave",
                )
        self.stop_if_any()
        wide = text.pivot(index=keys, columns=layout.item, values=layout.response)
        wide = wide.reindex(columns=list(known)).astype(object)
        wide = wide.where(wide.notna(), "")
        wide.columns.name = None
        wide = wide.join(firsts[[c for c in others if c in firsts.columns]])
        wide = wide.reindex(firsts.index).reset_index()
        return wide, firsts["_row"].to_numpy()

    @staticmethod
    def _first_rows(text: pd.DataFrame, keys: list[str], rows: np.ndarray) -> np.ndarray:
        codes = text.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
        first: dict[int, int] = {}
        for code, row in zip(codes, rows, strict=True):
            first.setdefault(int(code), int(row))
        return np.array([first[int(c)] for c in codes])

    # -- typed table ------------------------------------------------------------------------
    def build(self, table: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
        book, layout = self.book, self.book.survey
        missing_words = set(book.scoring.missing)
        respondent = table[layout.respondent]
        for position in np.flatnonzero((respondent == "").to_numpy()):
            self.add(int(rows[position]), layout.respondent, "empty respondent id")
        waves = self._waves(table, rows)
        keys = pd.DataFrame({"respondent": respondent, "wave": waves.astype(str)})
        duplicated = keys.duplicated(keep="first").to_numpy()
        if duplicated.any():
            first_row = self._first_rows(keys, ["respondent", "wave"], rows)
            for position in np.flatnonzero(duplicated):
                wave_text = f" in wave {waves.iloc[position]!r}" if layout.wave else ""
                self.add(
                    int(rows[position]),
                    layout.respondent,
                    f"duplicate respondent {respondent.iloc[position]!r}{wave_text} "
                    f"(first on row {first_row[position]}); keep one row per respondent and wave",
                )
        data = pd.DataFrame({"respondent": respondent.to_numpy(), "wave": waves.to_numpy()})
        data["wave"] = pd.Categorical(
            data["wave"], categories=self._wave_order(waves), ordered=True
        )
        for column in book.groups.columns:
            values = table[column].mask(table[column].isin(missing_words))
            data[column] = values.astype("string").to_numpy()
            if column not in book.groups.time_varying:
                self._stable_over_waves(data["respondent"], values, column, rows)
        self._program(table, rows, data, missing_words)
        for item in book.items:
            low, high, labels = self._coding(item)
            if book.survey.format == "long":  # checked on the file's rows in pivot_long
                data[item] = self._codes(
                    table[item], rows, item, low, high, labels, "", check=False
                )
            else:
                data[item] = self._codes(table[item], rows, item, low, high, labels)
        self.stop_if_any()
        return data

    def _coding(self, item: str) -> tuple[int, int, dict[str, int]]:
        """Answer range and value labels of an item (the same in every scale that has it)."""
        scale = self.book.scales[self.book.items[item]]
        return scale.low, scale.high, {t.strip().lower(): c for t, c in scale.labels.items()}

    def _waves(self, table: pd.DataFrame, rows: np.ndarray) -> pd.Series:
        layout, declared = self.book.survey, self.book.waves
        if not layout.wave:
            label = next(iter(declared), SINGLE_WAVE)
            return pd.Series([label] * len(table), index=table.index)
        waves = table[layout.wave]
        if declared:
            for position in np.flatnonzero(~waves.isin(list(declared)).to_numpy()):
                self.add(
                    int(rows[position]),
                    layout.wave,
                    f"unknown wave {waves.iloc[position]!r}; the codebook's [waves] are "
                    f"{', '.join(declared)}",
                )
        for position in np.flatnonzero((waves == "").to_numpy()):
            self.add(int(rows[position]), layout.wave, "empty wave")
        return waves

    def _wave_order(self, waves: pd.Series) -> list[str]:
        declared = list(self.book.waves)
        present = list(dict.fromkeys(waves.astype(str)))
        if declared:
            return [w for w in declared if w in present] + [w for w in present if w not in declared]
        return present

    def _stable_over_waves(
        self, respondent: pd.Series, values: pd.Series, column: str, rows: np.ndarray
    ) -> None:
        frame = pd.DataFrame({"r": respondent.to_numpy(), "v": values.to_numpy()}).dropna()
        if frame.empty:
            return
        first = frame.groupby("r", sort=False)["v"].transform("first")
        for index in np.flatnonzero((frame["v"] != first).to_numpy()):
            position = frame.index[index]
            self.add(
                int(rows[position]),
                column,
                f"{frame['v'].iloc[index]!r} differs from {first.iloc[index]!r} in an earlier "
                f"wave of respondent {frame['r'].iloc[index]!r}; a group must not change "
                "between waves",
            )

    def _program(
        self, table: pd.DataFrame, rows: np.ndarray, data: pd.DataFrame, missing: set[str]
    ) -> None:
        columns = self.book.program_columns
        if "participated" in columns and self.book.program.participated_values:
            name = columns["participated"]
            took_part = {v.strip().lower() for v in self.book.program.participated_values}
            words = table[name].str.lower()
            flag = pd.array([pd.NA] * len(words), dtype="boolean")
            answered = ~table[name].isin(missing)
            flag[answered.to_numpy()] = words[answered].isin(took_part).to_numpy()
            if not words.isin(took_part).any():
                self.add(
                    None,
                    name,
                    f"no row has any of program.participated_values "
                    f"{self.book.program.participated_values}; values found: "
                    f"{', '.join(sorted(set(table[name]) - set(missing))[:6])}",
                )
            data["participated"] = flag
        elif "participated" in columns:
            name = columns["participated"]
            words = table[name].str.lower()
            flag = pd.array([pd.NA] * len(words), dtype="boolean")
            flag[words.isin(TRUE_WORDS).to_numpy()] = True
            flag[words.isin(FALSE_WORDS).to_numpy()] = False
            bad = ~(words.isin(TRUE_WORDS | FALSE_WORDS) | table[name].isin(missing))
            for position in np.flatnonzero(bad.to_numpy()):
                self.add(
                    int(rows[position]),
                    name,
                    f"{table[name].iloc[position]!r} is not yes/no (use 1/0, yes/no or true/false)",
                )
            data["participated"] = flag
        if "pair_id" in columns:
            name = columns["pair_id"]
            data["pair_id"] = (
                table[name].mask(table[name].isin(missing)).astype("string").to_numpy()
            )
        if "sessions_attended" in columns:
            name = columns["sessions_attended"]
            raw = table[name]
            value = pd.to_numeric(raw.mask(raw.isin(missing)), errors="coerce")
            bad = (value.isna() & ~raw.isin(missing)) | (value < 0)
            for position in np.flatnonzero(bad.to_numpy()):
                self.add(
                    int(rows[position]),
                    name,
                    f"{raw.iloc[position]!r} is not a number of sessions (0 or more)",
                )
            data["sessions_attended"] = value.to_numpy(dtype=float)

    def _codes(
        self,
        raw: pd.Series,
        rows: np.ndarray,
        column: str,
        low: int,
        high: int,
        labels: dict[str, int],
        what: str = "",
        check: bool = True,
    ) -> np.ndarray:
        """Answer codes of one item's cells (value labels mapped; NaN = not answered)."""
        missing = raw.isin(self.book.scoring.missing)
        labelled = raw.str.lower().map(labels) if labels else pd.Series(np.nan, index=raw.index)
        value = pd.to_numeric(raw.mask(missing | labelled.notna()), errors="coerce")
        value = value.where(labelled.isna(), labelled)
        if check:
            not_number = value.isna() & ~missing
            whole = value.dropna() == np.round(value.dropna())
            not_whole = pd.Series(False, index=raw.index)
            not_whole[whole.index[~whole]] = True
            outside = (value < low) | (value > high)
            words = f" or one of {', '.join(map(repr, labels))}" if labels else ""
            for position in np.flatnonzero((not_number | not_whole | outside).to_numpy()):
                self.add(
                    int(rows[position]),
                    column,
                    f"answer {raw.iloc[position]!r}{what} is not a whole number from {low} to "
                    f"{high}{words}; leave the cell empty when unanswered (or list the code in "
                    "[scoring] missing)",
                )
        return value.to_numpy(dtype=float)
