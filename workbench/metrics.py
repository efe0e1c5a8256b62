"""Weekly outcomes by group, as tidy tables.

Every week (0 = before the program) the recorder takes, for the whole cohort
and for each level of each group attribute, the mean of:

``belonging``, ``confidence``, ``skill``
    latent levels on a 0-1 scale, over all students (intention to treat: those
    who dropped out still count);
``attendance``
    sessions attended over sessions scheduled this week, among matched students;
``retention``
    share still in the program (of all students; leaving the school also ends it);
``enrolled``
    share still enrolled in the school/course/track: an outcome outside the program,
    defined without a program too (leaving is more likely with low belonging);
``dependency``
    mean dependency of students in the mentee role;
``cross_group_ties``
    ties per student with someone of another group;
``isolated``
    share of students with no ties at all ("no one sat alone");
``matched``
    share in a pair or circle this week;
``rematches``
    rematches per student so far;
``in_poor_pair``
    share in a pair rated poor at its last check-in.

Gaps are ``reference level mean − level mean`` per attribute, where the
reference is the attribute's most common level: a positive belonging gap that
shrinks over the weeks means the program is closing it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.dynamics import CohortState
from workbench.network import TieNetwork
from workbench.roster import Roster

METRICS: tuple[str, ...] = (
    "belonging",
    "confidence",
    "attendance",
    "retention",
    "enrolled",
    "dependency",
    "cross_group_ties",
    "isolated",
    "skill",
    "matched",
    "rematches",
    "in_poor_pair",
)
GAP_METRICS: tuple[str, ...] = (
    "belonging",
    "confidence",
    "attendance",
    "retention",
    "enrolled",
    "cross_group_ties",
    "isolated",
    "skill",
)


class MetricsRecorder:
    """Collects :data:`METRICS` by group each week; :meth:`tables` makes the DataFrames.

    Each record is one matrix product of a group indicator matrix with the
    student-by-metric values, so recording costs the same for any number of
    groups.
    """

    def __init__(self, roster: Roster) -> None:
        n = len(roster)
        labels: list[tuple[str, str]] = [("all", "all")]
        columns = [np.ones(n)]
        self.references: list[tuple[int, list[int], str, str]] = []  # (ref row, other rows)
        for name in roster.attribute_names:
            codes, levels = roster.group_codes(name)
            counts = np.bincount(codes, minlength=len(levels))
            first = len(labels)
            labels += [(name, level) for level in levels]
            columns += [(codes == k).astype(np.float64) for k in range(len(levels))]
            reference = int(np.argmax(counts))
            others = [first + k for k in range(len(levels)) if k != reference]
            self.references.append((first + reference, others, name, levels[reference]))
        self.labels = labels
        self.indicator = np.column_stack(columns)  # (n, groups)
        self.weeks: list[int] = []
        self.means: list[np.ndarray] = []  # each (groups, metrics)
        self._values = np.empty((0, len(METRICS)))  # student x metric buffers, reused weekly
        self._masks = np.empty((0, len(METRICS)))

    def record(self, week: int, state: CohortState, ties: TieNetwork) -> None:
        n = len(state.belonging)
        if self._values.shape[0] != n:
            self._values = np.empty((n, len(METRICS)))
            self._masks = np.ones((n, len(METRICS)))  # only two metrics count a subset
        values, masks = self._values, self._masks
        scheduled = state.scheduled_week > 0
        column = METRICS.index
        values[:, column("belonging")] = state.belonging
        values[:, column("confidence")] = state.confidence
        np.divide(
            state.attended_week,
            np.maximum(state.scheduled_week, 1),
            out=values[:, column("attendance")],
        )
        values[~scheduled, column("attendance")] = 0.0
        masks[:, column("attendance")] = scheduled
        values[:, column("retention")] = state.active
        values[:, column("enrolled")] = state.enrolled
        values[:, column("dependency")] = state.dependency
        masks[:, column("dependency")] = state.role == "mentee"
        values[:, column("cross_group_ties")] = ties.cross_degree
        values[:, column("isolated")] = ties.degree == 0
        skill = values[:, column("skill")]
        skill[:] = state.skill[:, 0]
        for k in range(1, state.skill.shape[1]):  # column by column: faster than .mean(1)
            skill += state.skill[:, k]
        skill /= state.skill.shape[1]
        values[:, column("matched")] = state.matched() & state.active
        values[:, column("rematches")] = state.rematches
        values[:, column("in_poor_pair")] = state.in_poor_pair()
        totals = self.indicator.T @ (values * masks)
        counts = self.indicator.T @ masks
        with np.errstate(invalid="ignore", divide="ignore"):
            self.means.append(np.where(counts > 0, totals / np.maximum(counts, 1e-300), np.nan))
        self.weeks.append(week)

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(metrics, gaps)`` tidy DataFrames."""
        cube = np.stack(self.means)  # (weeks, groups, metrics)
        weeks, groups, metrics = cube.shape
        attribute = np.array([a for a, _ in self.labels], dtype=object)
        group = np.array([g for _, g in self.labels], dtype=object)
        metric_names = np.array(METRICS, dtype=object)
        frame = pd.DataFrame(
            {
                "week": np.repeat(np.asarray(self.weeks, dtype=np.int64), groups * metrics),
                "attribute": np.tile(np.repeat(attribute, metrics), weeks),
                "group": np.tile(np.repeat(group, metrics), weeks),
                "metric": np.tile(metric_names, weeks * groups),
                "value": cube.reshape(-1),
            }
        )
        gap_metrics = [METRICS.index(m) for m in GAP_METRICS]
        parts = []
        for ref_row, others, name, reference in self.references:
            for row in others:
                gap = cube[:, ref_row, gap_metrics] - cube[:, row, gap_metrics]
                parts.append(
                    pd.DataFrame(
                        {
                            "week": np.repeat(
                                np.asarray(self.weeks, dtype=np.int64), len(gap_metrics)
                            ),
                            "attribute": name,
                            "reference": reference,
                            "group": self.labels[row][1],
                            "metric": np.tile(np.array(GAP_METRICS, dtype=object), weeks),
                            "gap": gap.reshape(-1),
                        }
                    )
                )
        columns = ["week", "attribute", "reference", "group", "metric", "gap"]
        gaps = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
        return frame, gaps
