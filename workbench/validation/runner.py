"""Run the validation cases: simulate every arm per replication, compute each case's figures.

All arms of one replication share its seed, so they simulate the same
students (common random numbers: the no-program arm is each student's
counterfactual, as in a randomised study with perfect balance).

Examples
--------
>>> from workbench.validation.cases import load_cases
>>> book = load_cases()
>>> result = run_validation(book, replications=2, cohort_size=60, progress=False)  # doctest: +SKIP
>>> result.summary[["case", "check", "mean", "verdict"]]  # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.scenario import Scenario
from workbench.seeding import derive_seeds
from workbench.simulation import simulate
from workbench.validation.cases import Case, CaseBook
from workbench.validation.measurement import SurveyInstrument
from workbench.validation.statistics import STATISTICS
from workbench.validation.verdicts import LEVEL, combine, interval_verdict, mean_interval

INTERVAL = LEVEL


@dataclass(frozen=True)
class ValidationResult:
    """Figures of every check per replication, and their summary with verdicts.

    Attributes
    ----------
    values : DataFrame
        ``case, check, replication, value``.
    summary : DataFrame
        One row per check: ``case, check, role`` (calibration / held_out),
        ``kind`` (magnitude / direction), ``label, mean`` (over replications),
        ``ci_low, ci_high`` (its Student-t 95% interval: the simulated
        estimate's uncertainty), ``low_sim, high_sim`` (central 95% of single
        replications: what one study of this size would see), ``target, low,
        high`` (published figure and accepted band), ``distance`` (of the mean
        outside the band, 0 inside), ``z`` (distance in units of the published
        uncertainty), ``passed`` and ``verdict`` (pass / uncertain / miss).
    cases : DataFrame
        One row per case: ``case, title, role, passed, known_miss, verdict``
        (pass / uncertain / miss / known miss).
    settings : dict
        Replications, cohort size, seed, dynamics overrides, runtime.
    """

    values: pd.DataFrame
    summary: pd.DataFrame
    cases: pd.DataFrame
    settings: dict[str, Any]

    @property
    def ok(self) -> bool:
        """No case misses, except declared known misses (uncertain cases do not fail a run)."""
        return bool((self.cases["verdict"] != "miss").all())

    def counts(self, role: str) -> dict[str, int]:
        """Checks of one role (``calibration`` or ``held_out``) by verdict, and in all."""
        verdicts = self.summary.loc[self.summary["role"] == role, "verdict"]
        out = {word: int((verdicts == word).sum()) for word in ("pass", "uncertain", "miss")}
        out["checks"] = len(verdicts)
        return out


def arm_scenarios(
    book: CaseBook,
    cohort_size: int,
    dynamics: dict[str, Any] | None = None,
    base: Scenario | None = None,
    cases: list[Case] | None = None,
) -> dict[str, Scenario]:
    """The scenario of each arm the cases use, with ``dynamics`` overrides (``{"drift": 0.02}``)."""
    base = base or Scenario()
    extra = {f"dynamics.{key}": value for key, value in (dynamics or {}).items()}
    return {
        name: book.arms[name].scenario(base, cohort_size, extra) for name in book.arms_used(cases)
    }


def instrument_for(book: CaseBook, latent: bool = False) -> SurveyInstrument | None:
    """The case file's survey instrument, fitted; ``None`` to compare latent traits."""
    settings = book.settings
    if latent or settings.survey is None or settings.codebook is None:
        return None
    return SurveyInstrument.from_files(settings.survey, settings.codebook)


def replication_values(
    book: CaseBook,
    scenarios: dict[str, Scenario],
    seed: int,
    cases: list[Case] | None = None,
    instrument: SurveyInstrument | None = None,
) -> dict[tuple[str, str], float]:
    """Simulate every arm once with ``seed``; each check's figure keyed by ``(case, check)``.

    With an ``instrument``, students' belonging and confidence are their
    simulated post-program survey scale scores, as a study would have measured
    them. Every arm draws the answers from the same stream (common random
    numbers, like the shared simulation seed): a student whose latent traits
    are equal in two arms answers equally, so arms differ only by the program.
    """
    arms = {}
    for name, scenario in scenarios.items():
        result = simulate(scenario, rng=seed)
        students = result.students
        if instrument is not None:
            students = instrument.measure(students, np.random.default_rng(seed))
        arms[name] = (students, result.links)
    out = {}
    for case in cases or book.cases:
        for check in case.checks:
            function = STATISTICS[check.statistic][1]
            out[(case.id, check.id)] = function(arms, check.arms, check.options)
    return out


def summary_statistics(
    book: CaseBook,
    dynamics: dict[str, Any] | None = None,
    replications: int = 4,
    cohort_size: int = 300,
    seed: int = 0,
    latent: bool = False,
) -> dict[str, float]:
    """Mean over replications of every check's figure, keyed ``"case.check"``.

    The summary function calibration needs: parameters (``dynamics``
    overrides) in, the cases' statistics out.
    """
    scenarios = arm_scenarios(book, cohort_size, dynamics)
    instrument = instrument_for(book, latent)
    rows: dict[str, list[float]] = {}
    for replication_seed in derive_seeds(seed, replications):
        values = replication_values(book, scenarios, replication_seed, instrument=instrument)
        for (case, check), value in values.items():
            rows.setdefault(f"{case}.{check}", []).append(value)
    return {
        key: float(np.nanmean(values)) if np.isfinite(values).any() else math.nan
        for key, values in rows.items()
    }


def run_validation(
    book: CaseBook,
    replications: int | None = None,
    cohort_size: int | None = None,
    seed: int | None = None,
    dynamics: dict[str, Any] | None = None,
    cases: list[str] | None = None,
    progress: bool = True,
    quick: bool = False,
    latent: bool = False,
) -> ValidationResult:
    """Run the cases' arms for ``replications`` seeds and judge every check.

    Parameters
    ----------
    book
        The cases (:func:`workbench.validation.load_cases`).
    replications, cohort_size, seed
        Default: the case file's settings (its quick ones with ``quick=True``).
    dynamics
        Overrides of :class:`workbench.scenario.Dynamics` for every arm, e.g.
        ``{"rematch_trust_reset": False}`` to switch a mechanism off.
    cases
        Ids of the cases to run (default: all).
    latent
        Compare latent traits instead of the case file's survey scale scores.
    """
    import time

    settings = book.settings
    replications = replications or (settings.quick_replications if quick else settings.replications)
    cohort_size = cohort_size or (settings.quick_cohort_size if quick else settings.cohort_size)
    seed = settings.seed if seed is None else seed
    chosen = [case for case in book.cases if cases is None or case.id in cases]
    scenarios = arm_scenarios(book, cohort_size, dynamics, cases=chosen)
    instrument = instrument_for(book, latent)
    seeds = derive_seeds(seed, replications)
    iterator = range(replications)
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(iterator, desc="validation", unit="replication")
    started = time.perf_counter()
    rows = []
    for k in iterator:
        figures = replication_values(book, scenarios, seeds[k], chosen, instrument)
        for (case, check), value in figures.items():
            rows.append({"case": case, "check": check, "replication": k, "value": value})
    runtime = time.perf_counter() - started
    values = pd.DataFrame(rows)
    summary, verdicts = judge(values, chosen)
    notes = {name: book.arms[name].policy_note() for name in scenarios}
    return ValidationResult(
        values=values,
        summary=summary,
        cases=verdicts,
        settings={
            "replications": replications,
            "cohort_size": cohort_size,
            "seed": seed,
            "dynamics": dict(dynamics or {}),
            "runtime_seconds": runtime,
            "runs": replications * len(scenarios),
            "measurement": instrument.describe()
            if instrument is not None
            else "latent traits (0-1 scale)",
            "arms": {name: note for name, note in notes.items() if note},
        },
    )


def judge(values: pd.DataFrame, cases: list[Case]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Summarise per-replication figures and give each check and case its verdict.

    A check's simulated estimate is the mean over replications with its
    Student-t 95% interval (``ci_low``, ``ci_high``); the verdict
    (:func:`workbench.validation.verdicts.interval_verdict`) is ``pass`` when
    that interval lies inside the accepted band, ``miss`` when it lies outside,
    ``uncertain`` when it straddles an edge. A case is a ``miss`` when any check
    misses, else ``uncertain`` when any check is, else ``pass``; a missing case
    with a ``known_miss`` reason is reported as ``known miss``.
    """
    rows, case_rows = [], []
    for case in cases:
        verdicts = []
        for check in case.checks:
            figures = values.loc[
                (values["case"] == case.id) & (values["check"] == check.id), "value"
            ].to_numpy(dtype=float)
            finite = figures[np.isfinite(figures)]
            mean = float(finite.mean()) if len(finite) else math.nan
            ci_low, ci_high = mean_interval(finite, INTERVAL)
            spread_low, spread_high = (
                np.quantile(finite, [(1 - INTERVAL) / 2, (1 + INTERVAL) / 2])
                if len(finite)
                else (math.nan, math.nan)
            )
            verdict = interval_verdict(ci_low, ci_high, check.low, check.high)
            verdicts.append(verdict)
            distance = check.distance(mean)
            rows.append(
                {
                    "case": case.id,
                    "check": check.id,
                    "role": check.role,
                    "kind": check.kind,
                    "label": check.label,
                    "mean": mean,
                    "ci_low": ci_low,
                    "ci_high": ci_high,
                    "low_sim": float(spread_low),
                    "high_sim": float(spread_high),
                    "replications": len(finite),
                    "target": math.nan if check.target is None else check.target,
                    "low": math.nan if check.low is None else check.low,
                    "high": math.nan if check.high is None else check.high,
                    "accepted": check.interval_text(),
                    "published": check.published,
                    "distance": distance,
                    "z": distance / check.sd,
                    "passed": verdict == "pass",
                    "verdict": verdict,
                }
            )
        verdict = combine(verdicts)
        if verdict == "miss" and case.known_miss:
            verdict = "known miss"
        case_rows.append(
            {
                "case": case.id,
                "title": case.title,
                "role": case.role,
                "passed": verdict == "pass",
                "known_miss": case.known_miss or "",
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows), pd.DataFrame(case_rows)
