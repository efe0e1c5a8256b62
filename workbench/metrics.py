"""Weekly outcomes by group, as tidy tables.

Every week (0 = before the program) the recorder takes, for the whole cohort
and for each level of each group attribute, the mean of:

``belonging``, ``confidence``, ``skill``
    latent levels on a 0-1 scale, over all students (intention to treat: those
    who dropped out still count);
``attendance``
    sessions attended over sessions scheduled this week, among matched students;
``retention``
    share still in the program;
``dependency``
    mean dependency of students in the mentee role;
``cross_group_ties``
    ties per student with someone of another group;
``isolated``
    share of students with no ties at all ("no one sat alone");
``matched``
    share in a pair or circle this week;
``rematches``
    rematches per student so far.

Gaps are ``reference level mean − level mean`` per attribute, where the
reference is the attribute's most common level: a positive belonging gap that
shrinks over the weeks means the program is closing it.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    "dependency",
    "cross_group_ties",
    "isolated",
    "skill",
    "matched",
    "rematches",
)
GAP_METRICS: tuple[str, ...] = (
    "belonging",
    "confidence",
    "attendance",
    "retention",
    "cross_group_ties",
    "isolated",
    "skill",
)


@dataclass(frozen=True)
class _Grouping:
    attribute: str
    codes: np.ndarray
    levels: list[str]
    reference: int


class MetricsRecorder:
    """Collects :data:`METRICS` by group each week; :meth:`tables` makes the DataFrames."""

    def __init__(self, roster: Roster) -> None:
        self.groupings = []
        for name in roster.attribute_names:
            codes, levels = roster.group_codes(name)
            counts = np.bincount(codes, minlength=len(levels))
            self.groupings.append(_Grouping(name, codes, levels, int(np.argmax(counts))))
        self.rows: list[tuple[int, str, str, str, float]] = []

    def record(self, week: int, state: CohortState, ties: TieNetwork) -> None:
        n = len(state.belonging)
        everyone = np.ones(n, dtype=bool)
        scheduled = state.scheduled_week > 0
        attendance = np.where(
            scheduled, state.attended_week / np.maximum(state.scheduled_week, 1), 0
        )
        values = {
            "belonging": (state.belonging, everyone),
            "confidence": (state.confidence, everyone),
            "attendance": (attendance, scheduled),
            "retention": (state.active.astype(float), everyone),
            "dependency": (state.dependency, state.role == "mentee"),
            "cross_group_ties": (ties.cross_degree.astype(float), everyone),
            "isolated": ((ties.degree == 0).astype(float), everyone),
            "skill": (state.skill.mean(1), everyone),
            "matched": ((state.matched() & state.active).astype(float), everyone),
            "rematches": (state.rematches.astype(float), everyone),
        }
        rows = self.rows
        for metric, (value, mask) in values.items():
            count = mask.sum()
            rows.append(
                (week, "all", "all", metric, float(value[mask].mean()) if count else np.nan)
            )
            for grouping in self.groupings:
                codes = grouping.codes[mask]
                size = np.bincount(codes, minlength=len(grouping.levels))
                total = np.bincount(codes, weights=value[mask], minlength=len(grouping.levels))
                with np.errstate(invalid="ignore", divide="ignore"):
                    means = np.where(size > 0, total / np.maximum(size, 1), np.nan)
                for level, mean in zip(grouping.levels, means, strict=True):
                    rows.append((week, grouping.attribute, level, metric, float(mean)))

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(metrics, gaps)`` tidy DataFrames."""
        metrics = pd.DataFrame(self.rows, columns=["week", "attribute", "group", "metric", "value"])
        metrics["week"] = metrics["week"].astype(np.int64)
        return metrics, gaps_from_metrics(
            metrics, {g.attribute: g.levels[g.reference] for g in self.groupings}
        )


def gaps_from_metrics(metrics: pd.DataFrame, references: dict[str, str]) -> pd.DataFrame:
    """Reference-minus-level gaps for :data:`GAP_METRICS` from a metrics table."""
    frames = []
    subset = metrics[metrics["metric"].isin(GAP_METRICS) & (metrics["attribute"] != "all")]
    for attribute, reference in references.items():
        part = subset[subset["attribute"] == attribute]
        keys = [c for c in part.columns if c not in ("group", "value")]
        ref = (
            part[part["group"] == reference].drop(columns="group").rename(columns={"value": "ref"})
        )
        other = part[part["group"] != reference]
        merged = other.merge(ref, on=keys, how="left")
        merged["reference"] = reference
        merged["gap"] = merged["ref"] - merged["value"]
        extra = [c for c in keys if c not in ("week", "attribute", "metric")]
        frames.append(merged[["week", "attribute", "reference", "group", "metric", "gap", *extra]])
    if not frames:
        return pd.DataFrame(columns=["week", "attribute", "reference", "group", "metric", "gap"])
    return pd.concat(frames, ignore_index=True)
