"""Hard pair constraints and the plain-language reason a student could not be matched.

Each constraint is a boolean matrix over (side A × side B) saying which pairs it
allows; :class:`Feasibility` keeps them in a fixed order so the reason given to
an unmatched student names the first constraint that left them no partner.

``must_not_meet``  the roster's ``must_not_meet`` column and caller-given pairs
``min_schedule_overlap``  shared free slots required (scenario/weights file)
``language_required``  the two must share a language
``grade_gap``  cross-age pairing: the mentor must be this many grades older

Examples
--------
>>> import numpy as np
>>> f = Feasibility.from_checks([("must_not_meet", "on a must-not-meet list", np.array([[True, False]]))])
>>> f.allowed.tolist(), f.reason(1, side="b", partner="mentor")
([[True, False]], 'every possible mentor is ruled out: on a must-not-meet list')
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workbench.errors import WorkbenchError
from workbench.matching.context import MatchContext
from workbench.matching.scores import shared_slots
from workbench.roster import Roster
from workbench.scenario import Matching as MatchConfig


@dataclass(frozen=True)
class Feasibility:
    """Which pairs every hard constraint allows, and why a student has no partner."""

    allowed: np.ndarray
    checks: tuple[tuple[str, str, np.ndarray], ...]
    #: check name -> (blank on side a, blank on side b, what is blank): a hard rule on an
    #: unknown value cannot be met, and the student is told which cell to fill in
    blanks: dict[str, tuple[np.ndarray, np.ndarray, str]] = field(default_factory=dict)

    @classmethod
    def from_checks(
        cls,
        checks: list[tuple[str, str, np.ndarray]],
        shape=None,
        blanks: dict[str, tuple[np.ndarray, np.ndarray, str]] | None = None,
    ) -> Feasibility:
        if shape is None:
            shape = checks[0][2].shape
        allowed = np.ones(shape, dtype=bool)
        for _, _, mask in checks:
            allowed &= mask
        return cls(allowed, tuple(checks), dict(blanks or {}))

    def reason(self, k: int, side: str, partner: str) -> str | None:
        """Why student ``k`` of ``side`` ("a" rows, "b" columns) has no allowed partner.

        ``None`` when some partner is allowed (then competition, not a
        constraint, left the student out).
        """
        line = (lambda m: m[k, :]) if side == "a" else (lambda m: m[:, k])
        if line(self.allowed).any():
            return None
        if line(self.allowed).size == 0:
            return f"no {partner}s in this site"
        left = np.ones_like(line(self.allowed))
        for name, text, mask in self.checks:
            left = left & line(mask)
            if not left.any():
                if name in self.blanks:
                    blank_a, blank_b, what = self.blanks[name]
                    if (blank_a if side == "a" else blank_b)[k]:
                        rule = text.rsplit("(", 1)[-1].rstrip(")")
                        return (
                            f"{what} is blank in the roster, so the rule {rule} cannot be "
                            "checked; fill it in (or relax the rule) to match this student"
                        )
                return f"every possible {partner} is ruled out: {text}"
        return f"no possible {partner}"

    def ensure_possible(self, context: MatchContext, site: str) -> None:
        """In strict mode, raise when the constraints leave no pair at all in the site."""
        if not context.strict or self.allowed.size == 0 or self.allowed.any():
            return
        left = np.ones(self.allowed.shape, dtype=bool)
        for name, text, mask in self.checks:
            left &= mask
            if not left.any():
                raise WorkbenchError(
                    f"site {site}: constraint {name} cannot be met: {text} for every pair; "
                    "relax it in the weights file or fix the roster"
                )


def pair_feasibility(
    roster: Roster,
    config: MatchConfig,
    context: MatchContext,
    a: np.ndarray,
    b: np.ndarray,
    grade_gap: int | None = None,
) -> Feasibility:
    """The constraints between rows ``a`` (mentor side) and ``b`` (mentee side) of ``roster``."""
    a = np.asarray(a, dtype=np.intp)
    b = np.asarray(b, dtype=np.intp)
    shape = (len(a), len(b))
    checks: list[tuple[str, str, np.ndarray]] = []
    blanks: dict[str, tuple[np.ndarray, np.ndarray, str]] = {}
    if len(context.forbidden):
        checks.append(
            ("must_not_meet", "on a must-not-meet list", ~context.mask("forbidden", a, b))
        )
    if config.min_schedule_overlap:
        k = config.min_schedule_overlap
        checks.append(
            (
                "min_schedule_overlap",
                f"fewer than {k} shared free slot{'s' if k > 1 else ''} (min_schedule_overlap = {k})",
                shared_slots(roster, a, b) >= k,
            )
        )
        what = f"their {roster.label('schedule')} cell"
        free = roster.schedule
        blanks["min_schedule_overlap"] = (~free[a].any(1), ~free[b].any(1), what)
    if config.language_required and roster.languages.shape[1]:
        la = roster.languages[a].astype(np.int64)
        lb = roster.languages[b].astype(np.int64)
        checks.append(
            ("language_required", "no shared language (language_required = true)", la @ lb.T > 0)
        )
        what = f"their {roster.label('languages')} cell"
        blanks["language_required"] = (la.sum(1) == 0, lb.sum(1) == 0, what)
    if grade_gap is not None:
        gap = np.subtract.outer(roster.grade[a], roster.grade[b])
        checks.append(
            (
                "grade_gap",
                f"not at least {grade_gap} grade{'s' if grade_gap != 1 else ''} older "
                f"(cross_age grade_gap = {grade_gap})",
                (gap >= grade_gap)
                & roster.grade_known[a][:, None]
                & roster.grade_known[b][None, :],
            )
        )
        what = f"their {roster.label('grade')} cell"
        blanks["grade_gap"] = (~roster.grade_known[a], ~roster.grade_known[b], what)
    return Feasibility.from_checks(checks, shape, blanks)
