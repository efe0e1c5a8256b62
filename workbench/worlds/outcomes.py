"""End-of-program outcomes per world, read from the final state of a batched run.

An outcome name is one of

``belonging``, ``confidence``
    mean latent level at the end, all students (intention to treat);
``retention``
    share still in the program at the end;
``enrolled``
    share still enrolled in the school/course/track at the end;
``mentee_<one of the above>``
    the same over the students who started as mentees;
``<one of the above>_gap:<attribute>``
    the equity gap: the attribute's reference level (its most common, as in
    :mod:`workbench.metrics`) minus the other levels together.

Higher is better for levels and shares; lower is better for gaps.

Examples
--------
>>> parse_outcome("belonging_gap:first_gen").higher_is_better
False
>>> parse_outcome("mentee_retention").words
"mentees' share still in the program at the end"
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.dynamics import CohortState
from workbench.errors import WorkbenchError
from workbench.metrics import MetricsRecorder
from workbench.roster import Roster

#: The outcomes a verdict reports unless told otherwise.
DEFAULT_OUTCOMES: tuple[str, ...] = ("belonging", "confidence", "retention", "enrolled")
#: What each base outcome is, in words, and its state array.
LEVELS: dict[str, str] = {
    "belonging": "end-of-year belonging",
    "confidence": "end-of-year confidence",
    "retention": "the share still in the program at the end",
    "enrolled": "the share still enrolled in the school at the end",
}
#: A difference smaller than this (either way) is no real difference. Belonging and
#: confidence are on the latent 0-1 scale, where students spread by about 0.15 (SD):
#: 0.01 is under a tenth of that. Shares: one percentage point.
NEGLIGIBLE: dict[str, float] = {
    "belonging": 0.01,
    "confidence": 0.01,
    "retention": 0.01,
    "enrolled": 0.01,
}


@dataclass(frozen=True)
class Outcome:
    """One outcome: which state array, whose, and which way is better."""

    name: str
    level: str
    mentees_only: bool = False
    gap_attribute: str | None = None
    mentors_only: bool = False

    @property
    def higher_is_better(self) -> bool:
        return self.gap_attribute is None

    @property
    def negligible(self) -> float:
        return NEGLIGIBLE[self.level]

    @property
    def words(self) -> str:
        """The outcome in a coordinator's words."""
        what = LEVELS[self.level]
        if self.gap_attribute is not None:
            return f"the {self.gap_attribute.replace('_', ' ')} gap in {what}"
        if self.mentees_only or self.mentors_only:
            whose = "mentees'" if self.mentees_only else "mentors'"
            return f"{whose} {what.removeprefix('the ')}"
        return what


def parse_outcome(name: str) -> Outcome:
    """The :class:`Outcome` an outcome name stands for (module docstring).

    Raises
    ------
    WorkbenchError
        An unknown name (one line listing the known forms).
    """
    text = name.strip()
    base, sep, attribute = text.partition(":")
    gap = base.endswith("_gap")
    level = base.removesuffix("_gap")
    mentees, mentors = level.startswith("mentee_"), level.startswith("mentor_")
    level = level.removeprefix("mentee_").removeprefix("mentor_")
    whose = mentees or mentors
    if level not in LEVELS or bool(sep) != gap or (gap and (whose or not attribute.strip())):
        raise WorkbenchError(
            f"outcome {name!r}: expected one of {', '.join(LEVELS)}, mentee_<that>, "
            f"mentor_<that>, or <that>_gap:<attribute> (e.g. belonging_gap:first_gen)"
        )
    return Outcome(text, level, mentees, attribute.strip() or None, mentors)


def measure(
    outcomes: Sequence[Outcome],
    state: CohortState,
    roster: Roster,
    world: np.ndarray,
    n_worlds: int,
) -> pd.DataFrame:
    """Each outcome per world, by ``bincount`` over the final state.

    Parameters
    ----------
    outcomes
        What to measure.
    state
        The final state of a run of stacked worlds.
    roster
        One world's roster (its copies are stacked in ``state``, world by world).
    world
        Each student's world index.
    n_worlds
        Number of worlds.

    Returns
    -------
    DataFrame
        One row per world (index ``world``), one column per outcome.
    """
    copies = len(world) // len(roster)
    values = {
        "belonging": state.belonging,
        "confidence": state.confidence,
        "retention": state.active.astype(np.float64),
        "enrolled": state.enrolled.astype(np.float64),
    }
    role = np.tile(roster.role.astype(str), copies)
    mentee, mentor = role == "mentee", role == "mentor"
    references = check_outcomes(outcomes, roster)
    columns = {}
    for outcome in outcomes:
        value = values[outcome.level]
        if outcome.gap_attribute is None:
            keep = (
                mentee
                if outcome.mentees_only
                else mentor
                if outcome.mentors_only
                else np.ones(len(world), bool)
            )
            columns[outcome.name] = _mean_by(world, value, keep, n_worlds)
            continue
        name = outcome.gap_attribute
        column = np.tile(roster.attribute_columns[name].astype(str), copies)
        ref = column == references[name]
        columns[outcome.name] = _mean_by(world, value, ref, n_worlds) - _mean_by(
            world, value, ~ref, n_worlds
        )
    frame = pd.DataFrame(columns)
    frame.index = pd.RangeIndex(n_worlds, name="world")
    return frame


def check_outcomes(outcomes: Sequence[Outcome], roster: Roster) -> dict[str, str]:
    """Refuse a gap of an attribute the roster lacks; returns attribute → reference level.

    The reference level is the attribute's most common one, by the rule of
    :class:`workbench.metrics.MetricsRecorder` (one rule for both).
    """
    references = {name: level for _, _, name, level in MetricsRecorder(roster).references}
    for outcome in outcomes:
        if outcome.gap_attribute is not None and outcome.gap_attribute not in references:
            known = ", ".join(references) or "none"
            raise WorkbenchError(
                f"outcome {outcome.name!r}: the roster has no group attribute "
                f"{outcome.gap_attribute!r} (attributes: {known})"
            )
    return references


def _mean_by(world: np.ndarray, value: np.ndarray, keep: np.ndarray, n_worlds: int) -> np.ndarray:
    total = np.bincount(world[keep], value[keep], minlength=n_worlds)
    count = np.bincount(world[keep], minlength=n_worlds)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)
