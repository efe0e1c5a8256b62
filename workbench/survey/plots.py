"""Pictures of survey reports and calibration: means with CIs, categories, gaps, posteriors, checks.

Every function returns a matplotlib Figure (it never shows or saves it).

Examples
--------
>>> figure = plot_means(compare_distributions(observed, simulated))  # doctest: +SKIP
>>> figure.savefig("means.png")  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

OBSERVED, SIMULATED = "#0072B2", "#D55E00"  # Okabe-Ito: colour-blind safe


def _label(frame: pd.DataFrame) -> list[str]:
    return [
        f"{w} · {a}={g}" if a != "all" else f"{w} · all"
        for w, a, g in zip(frame["wave"], frame["attribute"], frame["group"], strict=True)
    ]


def plot_means(table: pd.DataFrame) -> Figure:
    """Observed vs simulated mean score per wave × group, one panel per scale
    (``table`` from :func:`workbench.survey.compare.compare_distributions`)."""
    scales = list(dict.fromkeys(table["scale"]))
    figure = Figure(figsize=(9, 0.22 * len(table) + 1.5), layout="constrained")
    axes = figure.subplots(1, len(scales), squeeze=False)[0]
    for ax, scale in zip(axes, scales, strict=True):
        part = table[table["scale"] == scale]
        y = np.arange(len(part))
        se = part["sd_observed"] / np.sqrt(part["n_observed"].clip(lower=1))
        ax.errorbar(
            part["mean_observed"], y, xerr=1.96 * se, fmt="o", color=OBSERVED, label="observed"
        )
        ax.plot(part["mean_simulated"], y + 0.2, "s", color=SIMULATED, label="simulated")
        ax.set_yticks(y, _label(part), fontsize=7)
        ax.invert_yaxis()
        ax.set_title(scale)
        ax.set_xlabel("mean score (95% CI observed)")
    axes[0].legend(fontsize=7)
    return figure


def plot_categories(frequencies: pd.DataFrame, wave: str | None = None) -> Figure:
    """Observed vs simulated share of each answer, pooled over each scale's items."""
    if wave is not None:
        frequencies = frequencies[frequencies["wave"] == wave]
    pooled = frequencies.groupby(["scale", "answer"], as_index=False)[
        ["observed", "simulated"]
    ].mean()
    scales = list(dict.fromkeys(pooled["scale"]))
    figure = Figure(figsize=(3.2 * len(scales), 2.8), layout="constrained")
    axes = figure.subplots(1, len(scales), squeeze=False)[0]
    for ax, scale in zip(axes, scales, strict=True):
        part = pooled[pooled["scale"] == scale]
        x = part["answer"].to_numpy()
        ax.bar(x - 0.2, part["observed"], 0.4, color=OBSERVED, label="observed")
        ax.bar(x + 0.2, part["simulated"], 0.4, color=SIMULATED, label="simulated")
        ax.set_title(scale)
        ax.set_xlabel("answer")
        ax.set_xticks(x)
    axes[0].set_ylabel("share of answers")
    axes[0].legend(fontsize=7)
    return figure


def plot_gaps(gaps: pd.DataFrame) -> Figure:
    """Observed gaps with Welch 95% CIs and simulated gaps
    (``gaps`` from :func:`workbench.survey.compare.compare_gaps`, or observed gaps alone
    from :func:`workbench.survey.groups.group_gaps` / ``Survey.group_gaps()``)."""
    if "gap_observed" not in gaps and "gap" in gaps:
        gaps = gaps.rename(columns={"gap": "gap_observed"})
    figure = Figure(figsize=(6, 0.3 * len(gaps) + 1.5), layout="constrained")
    ax = figure.subplots()
    y = np.arange(len(gaps))
    labels = [
        f"{s} · {w} · {a}: {r} − {g}"
        for s, w, a, r, g in zip(
            gaps["scale"],
            gaps["wave"],
            gaps["attribute"],
            gaps["reference"],
            gaps["group"],
            strict=True,
        )
    ]
    ax.errorbar(
        gaps["gap_observed"],
        y,
        xerr=[gaps["gap_observed"] - gaps["low"], gaps["high"] - gaps["gap_observed"]],
        fmt="o",
        color=OBSERVED,
        label="observed",
    )
    if "gap_simulated" in gaps:
        ax.plot(gaps["gap_simulated"], y + 0.2, "s", color=SIMULATED, label="simulated")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("gap (reference − group mean score)")
    ax.legend(fontsize=7)
    return figure


def plot_posterior(samples: pd.DataFrame, intervals: pd.DataFrame) -> Figure:
    """Posterior histograms over each parameter's prior range, 90% interval shaded."""
    names = list(samples.columns)
    figure = Figure(figsize=(3 * len(names), 2.6), layout="constrained")
    axes = figure.subplots(1, len(names), squeeze=False)[0]
    info = intervals.set_index("parameter")
    for ax, name in zip(axes, names, strict=True):
        row = info.loc[name]
        ax.hist(samples[name], bins=30, range=(row["prior_low"], row["prior_high"]), color=OBSERVED)
        ax.axvspan(row["q05"], row["q95"], color=SIMULATED, alpha=0.2, label="90% interval")
        ax.set_xlim(row["prior_low"], row["prior_high"])
        status = row.get("status", "informed" if row["identified"] else "weakly identified")
        ax.set_title(name + ("" if status == "informed" else f"\n({status})"), fontsize=8)
        ax.set_yticks([])
    axes[0].legend(fontsize=7)
    return figure


def plot_checks(checks: pd.DataFrame) -> Figure:
    """Posterior predictive 90% intervals per summary with the observed value; held out in grey."""
    figure = Figure(figsize=(6.5, 0.25 * len(checks) + 1.5), layout="constrained")
    ax = figure.subplots()
    y = np.arange(len(checks))
    centre = checks["predicted"].to_numpy()
    colours = np.where(checks["held_out"], "grey", SIMULATED)
    for k in range(len(checks)):
        ax.plot(
            [checks["q05"].iloc[k], checks["q95"].iloc[k]], [y[k], y[k]], color=colours[k], lw=3
        )
    ax.plot(checks["observed"], y, "o", color=OBSERVED, label="observed")
    ax.plot(centre, y, "|", color="black", label="predictive mean")
    ax.set_yticks(y, checks["summary"], fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel("summary (predictive 90% interval; grey = held out)")
    ax.legend(fontsize=7)
    return figure


def plot_regressions(table: pd.DataFrame) -> Figure:
    """Regression coefficients fitted to observed (with 90% bootstrap CI) and simulated data."""
    figure = Figure(figsize=(5.5, 0.4 * len(table) + 1.5), layout="constrained")
    ax = figure.subplots()
    y = np.arange(len(table))
    ax.errorbar(
        table["observed"],
        y,
        xerr=[table["observed"] - table["low"], table["high"] - table["observed"]],
        fmt="o",
        color=OBSERVED,
        label="observed",
    )
    ax.plot(table["simulated"], y + 0.2, "s", color=SIMULATED, label="simulated")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(y, table["feature"], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("coefficient on score change")
    ax.legend(fontsize=7)
    return figure
