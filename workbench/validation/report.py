"""Reporting a validation: a console table, a Markdown report and a figure.

Examples
--------
>>> from workbench.validation import load_cases, run_validation
>>> result = run_validation(load_cases(), replications=2, cohort_size=60, progress=False)  # doctest: +SKIP
>>> print(console_table(result))  # doctest: +SKIP
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from workbench.plotstyle import OKABE_ITO
from workbench.validation.cases import CaseBook
from workbench.validation.runner import ValidationResult

if TYPE_CHECKING:
    import matplotlib.pyplot as plt

FIGURE = "validation_checks.png"


def _fmt(value: float, digits: int = 3) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


ROLE_TITLES = {
    "calibration": "Calibration checks (used to set the defaults: in-sample)",
    "held_out": "Held-out checks (never used in fitting: out-of-sample)",
}


def _estimate(mean: float, low: float, high: float) -> str:
    return f"{_fmt(mean)} [{_fmt(low)}, {_fmt(high)}]"


def check_table(result: ValidationResult, role: str | None = None) -> pd.DataFrame:
    """One row per check (of ``role`` if given): estimate with its interval, band, verdict."""
    s = result.summary
    if role is not None:
        s = s[s["role"] == role]
    return pd.DataFrame(
        {
            "case": s["case"],
            "check": s["check"],
            "kind": s["kind"],
            "simulated [95% CI]": [
                _estimate(m, lo, hi)
                for m, lo, hi in zip(s["mean"], s["ci_low"], s["ci_high"], strict=True)
            ],
            "published": [
                (_fmt(t, 2) + " " if math.isfinite(t) else "") + f"accept {a}"
                for t, a in zip(s["target"], s["accepted"], strict=True)
            ],
            "verdict": s["verdict"],
        }
    )


def role_line(result: ValidationResult, role: str) -> str:
    """``"held-out checks: 3 of 5 pass, 1 uncertain, 1 miss"``."""
    counts = result.counts(role)
    name = "calibration" if role == "calibration" else "held-out"
    return (
        f"{name} checks: {counts['pass']} of {counts['checks']} pass, "
        f"{counts['uncertain']} uncertain, {counts['miss']} miss"
    )


def verdict_line(result: ValidationResult) -> str:
    """Cases by verdict, then checks by role: ``"5 of 6 cases pass, ...; calibration checks: ..."``."""
    verdicts = result.cases["verdict"]
    cases = (
        f"{int((verdicts == 'pass').sum())} of {len(verdicts)} cases pass, "
        f"{int((verdicts == 'uncertain').sum())} uncertain, "
        f"{int((verdicts == 'known miss').sum())} known miss, {int((verdicts == 'miss').sum())} miss"
    )
    roles = [role_line(result, role) for role in ROLE_TITLES if result.counts(role)["checks"]]
    return "; ".join([cases, *roles])


def console_table(result: ValidationResult) -> str:
    """The checks, calibration and held-out apart, and the case verdicts as plain text."""
    blocks = []
    for role, title in ROLE_TITLES.items():
        counts = result.counts(role)
        if not counts["checks"]:
            continue
        with pd.option_context("display.width", 200, "display.max_colwidth", 60):
            table = check_table(result, role).to_string(index=False)
        blocks.append(f"{title}: {role_line(result, role).split(': ', 1)[1]}\n{table}")
    cases = "\n".join(
        f"{row.case:<24} {row.role:<12} {row.verdict}"
        + (
            f"  ({row.known_miss.split(': ')[0].split('. ')[0]}; see report.md)"
            if row.known_miss and row.verdict == "known miss"
            else ""
        )
        for row in result.cases.itertuples()
    )
    settings = result.settings
    head = (
        f"{settings['replications']} replications x {settings['cohort_size']} students per arm, "
        f"seed {settings['seed']}, {settings['runs']} runs in {settings['runtime_seconds']:.1f} s"
        f"\noutcomes: {settings['measurement']}"
        "\nverdicts: pass = the simulated 95% CI (t interval of the mean over replications) lies "
        "inside the accepted band; miss = outside it; uncertain = it straddles an edge"
    )
    if settings["dynamics"]:
        head += f"\ndynamics overrides {settings['dynamics']}"
    for arm, note in settings.get("arms", {}).items():
        head += f"\narm {arm}: {note}"
    tail = verdict_line(result)
    return "\n\n".join([head, *blocks, cases, tail])


def plot_checks(result: ValidationResult) -> plt.Figure:
    """One panel per check: figures over replications, accepted interval, published figure."""
    import matplotlib.pyplot as plt

    summary = result.summary
    n = len(summary)
    cols = 3
    rows = math.ceil(n / cols)
    figure, axes = plt.subplots(rows, cols, figsize=(4.4 * cols, 3.0 * rows), squeeze=False)
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
        if math.isfinite(row["ci_low"]) and math.isfinite(row["ci_high"]):
            ax.plot(
                [row["ci_low"], row["ci_high"]],
                [0, 0],
                "-",
                color=OKABE_ITO[6],
                linewidth=3,
                label="95% CI of the mean",
            )
        ax.plot([row["mean"]], [0], "D", color=OKABE_ITO[6], markersize=8, label="mean")
        ax.set_xlim(lo_axis, hi_axis)
        ax.set_ylim(-0.6, 0.6)
        ax.set_yticks([])
        role = "held out" if row["role"] == "held_out" else "calibration"
        ax.set_title(f"{row['case']}: {row['check']}\n({role}) [{row['verdict']}]", fontsize=9)
        ax.set_xlabel(textwrap.fill(row["label"], 52), fontsize=8)
        ax.xaxis.set_major_locator(plt.MaxNLocator(5))
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    legend: dict[str, object] = {}
    for ax in axes.ravel()[:n]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    figure.legend(list(legend.values()), list(legend), loc="lower center", ncol=5, frameon=False)
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
        "- verdicts: *pass* = the simulated estimate's 95% interval (Student-t interval of the "
        "mean over replications) lies inside the accepted band; *miss* = it lies outside; "
        "*uncertain* = it straddles an edge of the band",
    ]
    for role, title in ROLE_TITLES.items():
        if not result.counts(role)["checks"]:
            continue
        lines += [
            "",
            f"### {title}: {role_line(result, role).split(': ', 1)[1]}",
            "",
            "| case | check | kind | simulated [95% CI] | published | verdict |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for row in check_table(result, role).itertuples(index=False):
            lines.append("| " + " | ".join(str(v) for v in row) + " |")
    lines += ["", f"![checks]({FIGURE})", ""]
    verdicts = result.cases.set_index("case")
    summary = result.summary.set_index(["case", "check"])
    for case in book.cases:
        if case.id not in verdicts.index:
            continue
        verdict = verdicts.loc[case.id]
        lines += [f"## {case.title} (`{case.id}`, {case.role}): {verdict['verdict']}", ""]
        lines += [f"**Finding.** {case.finding}", "", f"**Design.** {case.design}", ""]
        if case.known_miss:
            lines += [f"**Known miss.** {case.known_miss}", ""]
        for check in case.checks:
            row = summary.loc[(case.id, check.id)]
            lines.append(
                f"- {check.label} ({check.role}, {check.kind}): simulated "
                f"{_estimate(row['mean'], row['ci_low'], row['ci_high'])} (95% CI of the mean; "
                f"single replications {_fmt(row['low_sim'])} to {_fmt(row['high_sim'])}); "
                f"published: {check.published}; accepted {check.interval_text()}; "
                f"**{row['verdict']}**"
                + (f". Direction only: {check.direction_only}" if check.direction_only else "")
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
