"""Notebook cards of a :class:`CalibrationResult` and a :class:`Target` (``_repr_html_``).

The calibration card shows the numbers :meth:`CalibrationResult.report` prints
(same formatting: :func:`~workbench.calibration.core.fmt`), but with the
posterior *mean* beside the 90% interval, the prior range, the
identifiability flag, the held-out check and the posterior histograms.

Examples
--------
>>> result = workbench.calibrate(scenario, survey=survey, budget=800)  # doctest: +SKIP
>>> result  # in a notebook: the card  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from workbench.calibration.core import MISFIT_LINE, _status, fmt, interval_text

if TYPE_CHECKING:
    from workbench.calibration.core import CalibrationResult
    from workbench.calibration.target import Target


def posterior_table(result: CalibrationResult) -> pd.DataFrame:
    """One row per parameter, formatted as in the card: mean, 90% interval, prior, share, and
    its status in words (informed, weakly identified, not informed by these data, at the edge
    of its range, unreliable when the model does not fit)."""
    rows = []
    for row in result.intervals.itertuples():
        rows.append(
            {
                "parameter": row.parameter,
                "mean": fmt(row.mean),
                "90% interval": interval_text(row.q05, row.q95),
                "prior range": interval_text(row.prior_low, row.prior_high),
                "interval / prior": f"{row.width_share:.0%}",
                "status": _status(row),
            }
        )
    return pd.DataFrame(rows)


def check_table(checks: pd.DataFrame) -> pd.DataFrame:
    """Predictive check rows formatted as in the card: observed, predicted, 90% interval, inside."""
    return pd.DataFrame(
        {
            "summary": checks["summary"].to_numpy(),
            "observed": [fmt(v) for v in checks["observed"]],
            "predicted": [fmt(v) for v in checks["predicted"]],
            "z": [f"{v:+.1f}" for v in checks["z"]],
            "90% interval": [
                interval_text(a, b) for a, b in zip(checks["q05"], checks["q95"], strict=True)
            ],
            "inside": np.where(checks["inside90"], "yes", "no"),
        }
    )


def calibration_card(result: CalibrationResult) -> str:
    """The HTML card shown when a calibration result ends a notebook cell."""
    from workbench.display import card
    from workbench.survey.plots import plot_posterior

    d = result.diagnostics
    checks = result.checks
    held = checks[checks["held_out"]]
    fitted = checks[~checks["held_out"]]
    waves = result.waves
    facts = [
        *result.headline(),
        f"{d['runs']} simulator runs: {d['design_runs']} design runs in {len(waves)} "
        f"history-matching wave{'s' * (len(waves) != 1)} ({d['seeds_per_point']} seeds per "
        f"point; after the last wave {d['nroy_share']:.1%} of the prior box is still "
        f"plausible) + {d['confirmation_runs']} confirmation runs at posterior draws",
        f"importance sampling: effective sample size {d['ess']:.0f}, acceptance "
        f"{d['acceptance']:.3f}; the emulator predicted {d['emulator_coverage']:.0%} of the "
        "confirmation runs within 3 sd",
        result.predictive_summary(),
        (
            f"held out (predicted, not fitted): {len(held)} of {len(checks)} summaries"
            if len(held)
            else f"no summaries held out: all {len(fitted)} were fitted "
            "(calibrate(..., holdout=[...]) keeps some back as a check)"
        ),
        *[f"warning: {w}" for w in result.warnings],
    ]
    tables = {}
    misses = result.misses()
    if not result.fits and len(misses):  # what the model misses comes before any interval
        tables["summaries the model misses (outside their 90% predictive interval)"] = check_table(
            misses
        )
    caption = "posterior (mean, 90% credible interval)"
    tables[caption + (": UNRELIABLE, the model does not fit" if not result.fits else "")] = (
        posterior_table(result)
    )
    if len(held):
        tables["held-out check (90% predictive interval)"] = check_table(held)
    if result.fits and len(misses):
        tables["fitted summaries outside their 90% predictive interval"] = check_table(misses)
    figure = plot_posterior(result.samples, result.intervals)
    count = len(result.parameters)
    title = f"Calibration: {count} parameter{'s' * (count != 1)} fitted to {len(fitted)} summaries"
    if not result.fits:
        title = f"{MISFIT_LINE}. {title}"
    return card(
        title,
        facts,
        tables,
        figure,
    )


def target_card(target: Target) -> str:
    """The HTML card of a calibration target: what is fitted, the observed values and their se."""
    from workbench.display import card

    info = target.info
    facts = [f"{len(target.observed)} summaries; likelihood noise: {target.noise}"]
    if "respondents" in info:
        who = "participants" if info.get("participants_only") else "respondents"
        facts.append(
            f"{info['respondents']:,} {who} compared with simulated cohorts of the same size"
            + (
                ", starting levels set from the week-0 wave"
                if info.get("anchored")
                else "; no week-0 wave: starting levels are the scenario's, not the data's"
            )
        )
        unrecorded = info.get("unrecorded_attributes") or []
        if info.get("anchored") and unrecorded:
            facts.append(
                f"scenario groups the survey does not record ({', '.join(unrecorded)}): their "
                "starting shifts do not apply (the observed first wave already contains them); "
                "their barrier odds do"
            )
        if info.get("groups") is not None:
            facts.append(
                "gaps by: "
                + (", ".join(info["groups"]) or "none")
                + (
                    f"; group columns not in the scenario (ignored): {', '.join(info['ignored_groups'])}"
                    if info.get("ignored_groups")
                    else ""
                )
            )
    se = np.sqrt(np.diag(target.covariance))
    table = pd.DataFrame(
        {
            "summary": target.names,
            "observed": [fmt(v) for v in target.observed],
            "observed se": [fmt(v) for v in se],
        }
    )
    return card("Calibration target", facts, {"observed summaries": table}, max_rows=24)
