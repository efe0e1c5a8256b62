"""Reporting a validation: a console table, a Markdown report and a figure.

Examples
--------
>>> from workbench.validation import load_cases, run_validation
>>> result = run_validation(load_cases(), replications=2, cohort_size=60, progress=False)  # doctest: +SKIP
>>> print(console_table(result))  # doctest: +SKIP
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from workbench.plots import OKABE_ITO
from workbench.validation.cases import CaseBook
from workbench.validation.runner import ValidationResult

if TYPE_CHECKING:
    import matplotlib.pyplot as plt

FIGURE = "validation_checks.png"


def _fmt(value: float, digits: int = 3) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def check_table(result: ValidationResult) -> pd.DataFrame:
    """One row per check: simulated mean and interval, published figure, verdict, distance."""
    s = result.summary
    return pd.DataFrame(
        {
            "case": s["case"],
            "check": s["check"],
            "simulated": s["mean"].map(_fmt),
            "95% over replications": [
                f"[{_fmt(lo)}, {_fmt(hi)}]"
                for lo, hi in zip(s["low_sim"], s["high_sim"], strict=True)
            ],
            "published": [
                (_fmt(t, 2) + " " if math.isfinite(t) else "") + f"accept {a}"
                for t, a in zip(s["target"], s["accepted"], strict=True)
            ],
            "distance": s["distance"].map(lambda d: _fmt(d)),
            "verdict": s["verdict"],
        }
    )


def verdict_line(result: ValidationResult) -> str:
    """``"5 of 6 cases pass, 1 known miss, 0 fail"``."""
    verdicts = result.cases["verdict"]
    return (
        f"{int((verdicts == 'pass').sum())} of {len(verdicts)} cases pass, "
        f"{int((verdicts == 'KNOWN MISS').sum())} known miss, {int((verdicts == 'FAIL').sum())} fail"
    )


def console_table(result: ValidationResult) -> str:
    """The checks and the case verdicts as plain text."""
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        checks = check_table(result).to_string(index=False)
    cases = "\n".join(
        f"{row.case:<24} {row.verdict}"
        + (
            f"  ({row.known_miss.split(': ')[0].split('. ')[0]}; see report.md)"
            if row.known_miss
            else ""
        )
        for row in result.cases.itertuples()
    )
    settings = result.settings
    head = (
        f"{settings['replications']} replications x {settings['cohort_size']} students per arm, "
        f"seed {settings['seed']}, {settings['runs']} runs in {settings['runtime_seconds']:.1f} s"
        f"\noutcomes: {settings['measurement']}"
    )
    if settings["dynamics"]:
        head += f"; dynamics overrides {settings['dynamics']}"
    tail = verdict_line(result)
    return f"{head}\n\n{checks}\n\n{cases}\n\n{tail}"


def plot_checks(result: ValidationResult) -> plt.Figure:
    """One panel per check: figures over replications, accepted interval, published figure."""
    import matplotlib.pyplot as plt

    summary = result.summary
    n = len(summary)
    cols = 3
    rows = math.ceil(n / cols)
    figure, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.6 * rows), squeeze=False)
    for ax, (_, row) in zip(axes.ravel(), summary.iterrows(), strict=False):
        values = result.values.loc[
            (result.values["case"] == row["case"]) & (result.values["check"] == row["check"]),
            "value",
        ].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        span = [v for v in (row["low"], row["high"], row["target"]) if math.isfinite(v)]
        everything = np.concatenate([values, span]) if len(values) else np.asarray(span)
        pad = 0.15 * (np.ptp(everything) or 0.1)
        lo_axis, hi_axis = everything.min() - pad, everything.max() + pad
        low = row["low"] if math.isfinite(row["low"]) else lo_axis
        high = row["high"] if math.isfinite(row["high"]) else hi_axis
        ax.axvspan(low, high, color=OKABE_ITO[3], alpha=0.18, label="accepted")
        if math.isfinite(row["target"]):
            ax.axvline(row["target"], color=OKABE_ITO[0], linestyle="--", label="published")
        jitter = np.random.default_rng(0).uniform(-0.25, 0.25, len(values))
        ax.plot(
            values, jitter, "o", color=OKABE_ITO[5], alpha=0.6, markersize=4, label="replications"
        )
        ax.plot([row["mean"]], [0], "D", color=OKABE_ITO[6], markersize=8, label="mean")
        ax.set_xlim(lo_axis, hi_axis)
        ax.set_ylim(-0.6, 0.6)
        ax.set_yticks([])
        ax.set_title(f"{row['case']}: {row['check']} [{row['verdict']}]", fontsize=9)
        ax.set_xlabel(row["label"], fontsize=8)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=4, frameon=False)
    figure.tight_layout(rect=(0, 0.05, 1, 1))
    return figure


def markdown_report(result: ValidationResult, book: CaseBook, command: str) -> str:
    """The full report: settings, the verdict table, then each case with its sources."""
    settings = result.settings
    from workbench import __version__

    lines = [
        "# Validation report",
        "",
        "Pattern-oriented validation (Grimm et al. 2005): each case reproduces a published",
        "study design on simulated students and computes the study's statistic the same way.",
        f"Generated by `{command}` (workbench {__version__}); see docs/validation.md.",
        "",
        f"- replications: {settings['replications']} per arm; cohort: {settings['cohort_size']} "
        f"students; root seed {settings['seed']}",
        f"- simulation runs: {settings['runs']}; runtime {settings['runtime_seconds']:.1f} s",
        f"- outcomes measured as {settings['measurement']}",
    ]
    if settings["dynamics"]:
        lines.append(f"- dynamics overrides: `{settings['dynamics']}`")
    for arm, note in settings.get("arms", {}).items():
        lines.append(f"- arm `{arm}`: {note}")
    lines += [
        f"- **{verdict_line(result)}**",
        "",
        "| case | check | simulated | 95% over replications | published | distance | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in check_table(result).itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    lines += ["", f"![checks]({FIGURE})", ""]
    verdicts = result.cases.set_index("case")
    summary = result.summary.set_index(["case", "check"])
    for case in book.cases:
        if case.id not in verdicts.index:
            continue
        verdict = verdicts.loc[case.id]
        lines += [f"## {case.title} (`{case.id}`): {verdict['verdict']}", ""]
        lines += [f"**Finding.** {case.finding}", "", f"**Design.** {case.design}", ""]
        if case.known_miss:
            lines += [f"**Known miss.** {case.known_miss}", ""]
        for check in case.checks:
            row = summary.loc[(case.id, check.id)]
            lines.append(
                f"- {check.label}: simulated {_fmt(row['mean'])} "
                f"(95% over replications [{_fmt(row['low_sim'])}, {_fmt(row['high_sim'])}]); "
                f"published: {check.published}; accepted {check.interval_text()}; "
                f"{row['verdict']}"
            )
        lines += ["", "Sources:", ""] + [f"- {source}" for source in case.sources] + [""]
    return "\n".join(lines)


def write_report(
    result: ValidationResult, book: CaseBook, folder: str | Path, command: str
) -> list[Path]:
    """Write ``report.md``, the figure and the values and summary CSVs into ``folder``.

    Everything is rendered in memory first, then written through
    :func:`workbench.output.atomic_files`: the four files appear together or
    not at all, and an unwritable folder is found before anything is written.
    Other files in ``folder`` are left alone.
    """
    import matplotlib.pyplot as plt

    from workbench.output import atomic_files

    folder = Path(folder)
    text = markdown_report(result, book, command)
    figure = plot_checks(result)
    names = ("report.md", FIGURE, "validation_values.csv", "validation_summary.csv")
    targets = [folder / name for name in names]
    try:
        with atomic_files(targets) as (report, picture, values, summary):
            report.write_text(text + "\n", encoding="utf-8")
            figure.savefig(picture, dpi=110, format="png")
            result.values.to_csv(values, index=False)
            result.summary.to_csv(summary, index=False)
    finally:
        plt.close(figure)
    return targets
