"""The numbers behind the dashboard's pictures, as tidy DataFrames.

Every plot is drawn from one of these tables, and the dashboard keeps them on
``Dashboard.current_data`` so they can be checked without looking at a figure.

Examples
--------
>>> from workbench.scenario import Scenario
>>> from workbench.widgets.runs import run_live
>>> live = run_live(Scenario().with_overrides({"cohort.size": 40, "levers.weeks": 4}), 3)
>>> bands = trajectories(live.metrics, "first_gen", ("belonging",))
>>> sorted(bands["group"].unique())
['no', 'yes']
>>> bool((bands["low"] <= bands["mean"]).all() and (bands["mean"] <= bands["high"]).all())
True
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench.experiments.analysis import diff_ci
from workbench.widgets.labels import group_label, level_label
from workbench.widgets.reading import OUTCOMES, outcome_of, survey_terms

BAND_LEVEL = 0.95


def _bands(frame: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    low, high = (1 - BAND_LEVEL) / 2, 1 - (1 - BAND_LEVEL) / 2
    grouped = frame.groupby(keys, sort=True)[value]
    out = pd.DataFrame(
        {
            "mean": grouped.mean(),
            "low": grouped.quantile(low),
            "high": grouped.quantile(high),
            "runs": grouped.count(),
        }
    )
    return out.reset_index()


def trajectories(metrics: pd.DataFrame, attribute: str, names: Sequence[str]) -> pd.DataFrame:
    """Mean and 95% band over replications of each metric by week and group.

    Returns ``metric, group, week, mean, low, high, runs``; the groups are the
    levels of ``attribute`` (``"all"`` gives one group, everyone).
    """
    part = metrics[(metrics["attribute"] == attribute) & metrics["metric"].isin(list(names))]
    return _bands(part, ["metric", "group", "week"], "value")


def gap_bands(gaps: pd.DataFrame, attribute: str, names: Sequence[str]) -> pd.DataFrame:
    """The equity gap (reference level mean minus group mean) by week with 95% bands.

    Returns ``metric, reference, group, week, mean, low, high, runs``.
    """
    part = gaps[(gaps["attribute"] == attribute) & gaps["metric"].isin(list(names))]
    return _bands(part, ["metric", "reference", "group", "week"], "gap")


def end_values(metrics: pd.DataFrame, gaps: pd.DataFrame, attribute: str) -> pd.DataFrame:
    """One value per replication of each headline outcome: ``replication, outcome, value``.

    End-of-program levels (last week) of belonging, confidence, retention,
    dependency, cross-group ties and isolation; attendance averaged over the
    program's weeks; the belonging gap of each level of ``attribute``.
    """
    last = int(metrics["week"].max())
    everyone = metrics[(metrics["attribute"] == "all") & (metrics["group"] == "all")]
    at_end = everyone[everyone["week"] == last]
    rows = []
    for metric in ("belonging", "confidence", "retention", "dependency"):
        part = at_end[at_end["metric"] == metric]
        rows.append(part.assign(outcome=OUTCOMES[metric].name)[["replication", "outcome", "value"]])
    for metric in ("cross_group_ties", "isolated"):
        part = at_end[at_end["metric"] == metric]
        rows.append(part.assign(outcome=OUTCOMES[metric].name)[["replication", "outcome", "value"]])
    attendance = everyone[(everyone["metric"] == "attendance") & (everyone["week"] > 0)]
    rows.append(
        attendance.groupby("replication", as_index=False)["value"]
        .mean()
        .assign(outcome=OUTCOMES["attendance"].name)
    )
    if attribute != "all":
        part = gaps[
            (gaps["attribute"] == attribute)
            & (gaps["metric"] == "belonging")
            & (gaps["week"] == last)
        ]
        for (reference, group), frame in part.groupby(["reference", "group"], sort=True):
            pair = f"{level_label(attribute, reference)} − {level_label(attribute, group)}"
            rows.append(
                frame.rename(columns={"gap": "value"})[["replication", "value"]].assign(
                    outcome=f"Belonging gap ({group_label(attribute)}): {pair}"
                )
            )
    out = pd.concat(rows, ignore_index=True)
    return out[["replication", "outcome", "value"]]


def compare_end(
    pinned: pd.DataFrame, current: pd.DataFrame, paired: bool, seed: int = 0
) -> pd.DataFrame:
    """Current minus pinned for every shared outcome, with a 95% bootstrap interval.

    ``paired`` (same seeds replication by replication, i.e. common random
    numbers) resamples the per-replication differences; otherwise the two sets
    are resampled independently (:func:`workbench.experiments.analysis.diff_ci`).

    Returns ``outcome, pinned, current, difference, low, high``.
    """
    rows = []
    order = list(dict.fromkeys(current["outcome"]))
    for outcome in order:
        a = current[current["outcome"] == outcome].sort_values("replication")
        b = pinned[pinned["outcome"] == outcome].sort_values("replication")
        if b.empty:
            continue
        same = paired and a["replication"].tolist() == b["replication"].tolist()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # degenerate bootstrap samples give NaN intervals
            diff, low, high = diff_ci(
                a["value"].to_numpy(),
                b["value"].to_numpy(),
                paired=same,
                rng=np.random.default_rng(seed),
            )
        rows.append(
            {
                "outcome": outcome,
                "pinned": float(b["value"].mean()),
                "current": float(a["value"].mean()),
                "difference": diff,
                "low": low,
                "high": high,
            }
        )
    return pd.DataFrame(rows, columns=["outcome", "pinned", "current", "difference", "low", "high"])


def headline(values: pd.DataFrame) -> pd.DataFrame:
    """Mean of each outcome over replications: ``outcome, value``."""
    return values.groupby("outcome", sort=False, as_index=False)["value"].mean()


def readable(summary: pd.DataFrame) -> pd.DataFrame:
    """The headline for reading: each value rounded with its unit, latent levels in survey terms.

    Returns ``outcome, value, scale, meaning`` (all text).

    Examples
    --------
    >>> table = readable(pd.DataFrame({"outcome": ["Belonging at the end",
    ...                                            "Students with no ties"], "value": [0.537, 0.0]}))
    >>> table["value"].tolist(), table["scale"].tolist()
    (['0.54', '0%'], ['0–1 scale', '% of students'])
    """
    rows = []
    for name, value in zip(summary["outcome"], summary["value"], strict=True):
        outcome = outcome_of(name)
        if outcome.metric in ("belonging", "confidence"):
            meaning = f"≈ {survey_terms(outcome.metric, value)}"
        elif outcome.kind == "gap":
            meaning = (
                "no gap"
                if abs(value) < 0.005
                else ("the group is behind" if value > 0 else "the group is ahead")
            )
        elif outcome.metric == "dependency":
            meaning = "0 = not at all, 1 = fully leaning on the mentor"
        else:
            meaning = ""
        rows.append(
            {
                "outcome": name,
                "value": outcome.show(value),
                "scale": outcome.unit,
                "meaning": meaning,
            }
        )
    return pd.DataFrame(rows, columns=["outcome", "value", "scale", "meaning"])


def _end_of(bands: pd.DataFrame, metric: str) -> dict[str, tuple[float, float]]:
    """First and last weekly mean of ``metric`` by group."""
    part = bands[bands["metric"] == metric].sort_values("week")
    return {
        str(group): (float(frame["mean"].iloc[0]), float(frame["mean"].iloc[-1]))
        for group, frame in part.groupby("group", sort=True)
    }


def trajectory_alt(bands: pd.DataFrame, gaps: pd.DataFrame, attribute: str) -> str:
    """Alt text of the six-panel picture: its main message in one or two sentences."""
    weeks = int(bands["week"].max()) if len(bands) else 0
    belonging = _end_of(bands, "belonging")
    parts = [
        f"{level_label(attribute, group)} {start:.2f} to {end:.2f}"
        for group, (start, end) in belonging.items()
    ]
    text = f"Sense of belonging (0–1 scale) over {weeks} weeks: {', '.join(parts)}."
    part = gaps[(gaps["metric"] == "belonging") & (gaps["week"] == gaps["week"].max())]
    for row in part.itertuples(index=False):
        side = "behind" if row.mean > 0 else "ahead"
        reference, group = level_label(attribute, row.reference), level_label(attribute, row.group)
        text += (
            f" Belonging gap at the end ({reference} − {group}): {row.mean:.2f}, {group} {side}."
        )
    if attribute == "all":
        text += " No groups chosen, so no gap is shown."
    retention = _end_of(bands, "retention")
    if retention:
        kept = ", ".join(
            f"{level_label(attribute, g)} {100 * end:.0f}%" for g, (_, end) in retention.items()
        )
        text += f" Still in the program at the end: {kept}."
    return text


def network_alt(nodes: pd.DataFrame, edges: pd.DataFrame, attribute: str, students: int) -> str:
    """Alt text of the network picture: how many pairs, how many across groups."""
    pairs = int(edges["mentoring"].sum())
    bridges = int((edges["mentoring"] & edges["cross"]).sum())
    friends = int((~edges["mentoring"]).sum())
    share = f" ({100 * bridges / pairs:.0f}%)" if pairs else ""
    left = int((~nodes["active"]).sum())
    by = "" if attribute == "all" else f" by {group_label(attribute).lower()}"
    return (
        f"Who is connected at the end of the first run{by}: {len(nodes)} of {students:,} "
        f"students drawn, {pairs} mentoring pairs, {bridges}{share} of them across groups, "
        f"{friends} friendships; {left} of the students drawn left the program."
    )
