"""Survey codebooks: which columns hold what, which items make which scale.

A codebook is a TOML file validated with pydantic; a problem is refused with
one line naming the file and the key. Example (``examples/codebook_synthetic.toml``)::

    [survey]
    format = "wide"              # or "long": respondent, wave, item, response columns
    respondent = "student_id"
    wave = "wave"                # optional: without it the file is one wave

    [waves]                      # wave label = program week (0 = before the program)
    pre = 0
    post = 36

    [scoring]
    min_answered = 0.8           # share of a scale's items needed to prorate a score
    missing = ["-99"]            # cells read as "not answered", on top of the defaults
                                 # ("", "NA", "N/A", "NaN", "nan", ".")

    [scales.belonging]
    items = ["b1", "b2", "b3"]
    reverse = ["b3"]
    low = 1
    high = 5
    labels = { "not at all" = 1, "completely" = 5 }  # optional: text answers -> codes
    latent = "belonging"         # the simulation's latent trait this scale measures

    [scales.belonging_school]    # a subscale: an item may be in several scales
    items = ["b1", "b2"]

    [groups]
    columns = ["first_gen", "disability", "school_year"]
    reference = { first_gen = "no" }   # default: the most common level
    time_varying = ["school_year"]     # may change between waves (others must not)

    [program]
    participated = "participated"      # yes/no words, or name the arm that took part:
    # participated_values = ["treatment"]
    pair_id = "pair_id"
    sessions_attended = "sessions_attended"

Examples
--------
>>> book = Codebook.model_validate({
...     "survey": {"respondent": "id"},
...     "scales": {"trust": {"items": ["t1", "t2"], "low": 1, "high": 4}},
... })
>>> book.scales["trust"].categories
4
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from workbench.errors import WorkbenchError
from workbench.inputfiles import read_toml, validation_line

LATENTS: tuple[str, ...] = ("belonging", "confidence")


class SurveyError(WorkbenchError):
    """A survey file or codebook that cannot be used.

    The message is one line (the first problem and how many more there are);
    :attr:`problems` holds the problems, one line each (the first
    ``MAX_PROBLEMS`` and a last line saying how many more were not listed);
    :attr:`total` is how many were found.
    """

    def __init__(self, problems: list[str] | str, total: int | None = None) -> None:
        problems = [problems] if isinstance(problems, str) else list(problems)
        self.problems = problems
        #: how many problems were found (``problems`` may list only the first ones)
        self.total = len(problems) if total is None else total
        more = self.total - 1
        tail = f" [+{more} more problem{'s' if more > 1 else ''}]" if more else ""
        super().__init__(problems[0] + tail)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SurveyLayout(_Strict):
    """Where respondents, waves, items and responses are in the CSV."""

    format: Literal["wide", "long"] = "wide"
    respondent: str = Field(min_length=1, description="respondent id column")
    wave: str | None = Field(None, description="wave column; none = a single wave")
    item: str = Field("item", min_length=1, description="long format: item name column")
    response: str = Field("response", min_length=1, description="long format: answer column")


DEFAULT_MISSING: tuple[str, ...] = ("", "NA", "N/A", "NaN", "nan", ".")


class Scoring(_Strict):
    """How item answers become scale scores."""

    min_answered: float = Field(
        0.8, gt=0.0, le=1.0, description="share of items needed to prorate a score"
    )
    statistic: Literal["mean", "sum"] = Field(
        "mean", description="mean of answered items, or their sum prorated to all items"
    )
    missing: list[str] = Field(
        default_factory=lambda: list(DEFAULT_MISSING),
        description="cells that mean 'not answered', added to the defaults "
        f"{', '.join(repr(w) for w in DEFAULT_MISSING)}",
    )

    @field_validator("missing")
    @classmethod
    def _extend_defaults(cls, words: list[str]) -> list[str]:
        # a study's own code (e.g. "-9") adds to the defaults: a blank cell stays "not answered"
        return list(dict.fromkeys([*DEFAULT_MISSING, *(w.strip() for w in words)]))


class Scale(_Strict):
    """One Likert scale: its items, answer range and reverse-keyed items."""

    items: list[str] = Field(min_length=1)
    reverse: list[str] = Field(default_factory=list)
    low: int = Field(1, ge=-10, le=10, description="lowest answer code")
    high: int = Field(5, ge=-9, le=20, description="highest answer code")
    labels: dict[str, int] = Field(
        default_factory=dict,
        description="value labels: answer text -> code (e.g. { no = 1, perhaps = 2, yes = 3 }); "
        "matched ignoring case and surrounding spaces; numbers are read as codes",
    )
    latent: Literal["belonging", "confidence"] | None = Field(
        None, description="the simulation's latent trait this scale measures"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Scale:
        if self.high <= self.low:
            raise ValueError(f"high ({self.high}) must be above low ({self.low})")
        if len(set(self.items)) != len(self.items):
            raise ValueError("items must be distinct")
        unknown = [item for item in self.reverse if item not in self.items]
        if unknown:
            raise ValueError(f"reverse names {unknown}, which are not among the scale's items")
        outside = {
            text: code for text, code in self.labels.items() if not self.low <= code <= self.high
        }
        if outside:
            raise ValueError(f"labels {outside} are outside low..high ({self.low}..{self.high})")
        folded = [text.strip().lower() for text in self.labels]
        if len(set(folded)) != len(folded):
            raise ValueError("labels: two labels differ only in case or spaces")
        return self

    @property
    def single_item(self) -> bool:
        """A one-item scale: internal-consistency reliability does not apply."""
        return len(self.items) == 1

    @property
    def categories(self) -> int:
        """Number of answer categories."""
        return self.high - self.low + 1


class Groups(_Strict):
    """Categorical columns that define the groups compared (e.g. first_gen)."""

    columns: list[str] = Field(default_factory=list)
    reference: dict[str, str] = Field(
        default_factory=dict, description="reference level per column (default: most common)"
    )
    time_varying: list[str] = Field(
        default_factory=list,
        description="group columns that may change between waves (read per wave); "
        "the others must be the same in every wave of a respondent",
    )

    @model_validator(mode="after")
    def _reference_columns_known(self) -> Groups:
        unknown = sorted(set(self.reference) - set(self.columns))
        if unknown:
            raise ValueError(f"reference names {unknown}, which are not group columns")
        unknown = sorted(set(self.time_varying) - set(self.columns))
        if unknown:
            raise ValueError(f"time_varying names {unknown}, which are not group columns")
        return self


class Program(_Strict):
    """Optional columns describing who took part and with whom."""

    participated: str | None = None
    participated_values: list[str] = Field(
        default_factory=list,
        description="values of the participated column that mean 'took part' (e.g. a "
        'treatment arm: ["treatment"]); any other non-missing value means "did not". '
        "Default: yes/no words (1/0, yes/no, true/false)",
    )
    pair_id: str | None = None
    sessions_attended: str | None = None

    @model_validator(mode="after")
    def _values_need_a_column(self) -> Program:
        if self.participated_values and not self.participated:
            raise ValueError("participated_values needs program.participated (the column)")
        return self


class Codebook(_Strict):
    """Everything needed to read and score one survey file."""

    survey: SurveyLayout
    waves: dict[str, int] = Field(
        default_factory=dict, description="wave label -> program week, in survey order"
    )
    scoring: Scoring = Field(default_factory=Scoring)
    scales: dict[str, Scale] = Field(min_length=1)
    groups: Groups = Field(default_factory=Groups)
    program: Program = Field(default_factory=Program)

    @model_validator(mode="after")
    def _names_distinct(self) -> Codebook:
        seen: dict[str, str] = {}
        for name, scale in self.scales.items():
            for item in scale.items:
                if item in seen:  # a total and its subscales share items: same answer coding
                    first = self.scales[seen[item]]
                    if (first.low, first.high, _folded(first.labels)) != (
                        scale.low,
                        scale.high,
                        _folded(scale.labels),
                    ):
                        raise ValueError(
                            f"item {item!r} is in scales {seen[item]!r} and {name!r} with "
                            "different low/high/labels; give both the same answer coding"
                        )
                    continue
                seen[item] = name
        special = [self.survey.respondent, *self.groups.columns, *self.program_columns.values()]
        if self.survey.wave:
            special.append(self.survey.wave)
        clash = sorted(set(special) & set(seen))
        if clash:
            raise ValueError(f"columns {clash} are both items and respondent/wave/group columns")
        if any(week < 0 for week in self.waves.values()):
            raise ValueError("waves: weeks must be 0 or more")
        if list(self.waves.values()) != sorted(self.waves.values()):
            raise ValueError("waves: list waves in time order (weeks must not decrease)")
        latents = [s.latent for s in self.scales.values() if s.latent]
        if len(set(latents)) != len(latents):
            raise ValueError("two scales name the same latent trait")
        return self

    @property
    def items(self) -> dict[str, str]:
        """Item name -> (first) scale name, in codebook order."""
        out: dict[str, str] = {}
        for name, scale in self.scales.items():
            for item in scale.items:
                out.setdefault(item, name)
        return out

    @property
    def program_columns(self) -> dict[str, str]:
        """Role (participated, pair_id, sessions_attended) -> column, for declared ones."""
        roles = ("participated", "pair_id", "sessions_attended")
        return {k: getattr(self.program, k) for k in roles if getattr(self.program, k)}


def _folded(labels: dict[str, int]) -> dict[str, int]:
    return {text.strip().lower(): code for text, code in labels.items()}


def parse_codebook(data: dict, source: str = "<codebook>") -> Codebook:
    """Validate a nested dict into a :class:`Codebook`, raising :class:`SurveyError`."""
    try:
        return Codebook.model_validate(data)
    except ValidationError as error:
        raise SurveyError(validation_line(error, source, "docs/survey.md")) from None


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook TOML file.

    Examples
    --------
    >>> book = load_codebook("examples/codebook_synthetic.toml")  # doctest: +SKIP
    >>> sorted(book.scales)  # doctest: +SKIP
    ['belonging', 'confidence']
    """
    path = Path(path)
    return parse_codebook(read_toml(path, "codebook", SurveyError), source=str(path))
