"""Calibration with few simulator runs: design, emulate, history-match, sample, confirm.

The default method, after Vernon et al. (2010) and Andrianakis et al. (2015):

1. **Design.** A Latin hypercube (:class:`scipy.stats.qmc.LatinHypercube`) over
   the parameters' prior box, each point run with a few seeds.
2. **Emulate.** One scikit-learn Gaussian process per summary statistic
   (:class:`~workbench.calibration.emulator.Emulator`) on the seed means.
3. **History matching.** Points whose implausibility exceeds the cut-off (3) are
   ruled out; the next wave's design is drawn from what remains (NROY), the
   emulators are refitted with the new runs, and the NROY set shrinks. Two or
   three waves.
4. **Posterior.** Importance sampling on the emulator: Gaussian likelihood with
   the observed summaries' sampling covariance plus emulator variance,
   restricted to NROY (ABC with a Gaussian kernel); adaptive defensive-mixture
   proposal until the effective sample size is enough; then resampling.
5. **Confirmation.** The real simulator is run at posterior draws with fresh
   seeds: posterior predictive checks per summary (held-out summaries
   included), and a check of the emulator against those runs.

What the result says it cannot tell (checked on every fit, shown first):

- **Not informed by these data**: moving the parameter across its whole prior
  range changes no emulated summary by more than :data:`INFORMED_SD` of that
  summary's noise sd (averaged over the other parameters), or the wave-1 runs
  themselves (a Latin hypercube) show no dependence of any summary on it (F test
  of a quadratic in the parameter, Bonferroni over summaries, p ≥
  :data:`DEPENDENCE_P`; this guards against an emulator that mistook seed noise
  for an effect). Its likelihood is flat, so its posterior is its prior: its
  draws are redrawn uniformly over the prior range.
- **At the edge of its range**: more than :data:`EDGE_MASS` of the posterior
  lies in the outer 5% of the prior range at one end (a flat posterior has 5%):
  the data may want a value outside the range.
- **Weakly identified**: the 90% interval spans more than ``identifiability``
  of the prior range.
- **The model does not fit these data**: no parameter values inside the prior
  box are non-implausible (acceptance 0), or fewer than :data:`MIN_COVERAGE`
  of the fitted summaries fall inside their 90% posterior predictive interval,
  or one misses it by more than :data:`GROSS_Z` predictive sd. The report's
  first line says so, every interval is marked unreliable, and the misses are
  listed with observed, predicted and z.

Examples
--------
>>> import numpy as np
>>> def simulate(p, seed):
...     noise = np.random.default_rng(seed).normal(0, 0.02, 2)
...     return np.array([p["a"] + p["b"], p["a"] - p["b"]]) + noise
>>> target = Target(simulate, observed=np.array([0.9, 0.1]), covariance=np.eye(2) * 0.02**2,
...                 names=["sum", "difference"])
>>> result = calibrate(target, [Parameter("a", 0, 1), Parameter("b", 0, 1)], budget=200,
...                    progress=False)
>>> result.intervals[["parameter", "median"]].round(1).values.tolist()
[['a', 0.5], ['b', 0.4]]
"""

from __future__ import annotations

import json
import math
import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc
from tqdm.auto import tqdm

from workbench.calibration.emulator import Emulator
from workbench.calibration.history import combined, implausibility, refill
from workbench.calibration.posterior import (
    effective_sample_size,
    gaussian_loglik,
    normalise,
    systematic_resample,
    weighted_quantile,
)
from workbench.calibration.target import DEFAULT_PARAMETERS, Parameter, Target, parse_parameter
from workbench.errors import WorkbenchError
from workbench.scenario import Scenario
from workbench.seeding import DEFAULT_SEED, RngLike, as_rng, derive_seeds
from workbench.survey.loading import Survey

MIN_ESS = 1000
POOL = 20_000
#: A parameter is *not informed* when no summary moves by more than this many noise sds over its range.
INFORMED_SD = 0.5
#: ... or when the wave-1 runs show no dependence on it at this level (Bonferroni over summaries).
DEPENDENCE_P = 0.01
#: Posterior share in the outer 5% of the prior range (at one end) that flags "at the edge".
EDGE_MASS = 0.2
#: Fitted summaries inside their 90% predictive interval below this share: the model does not fit.
MIN_COVERAGE = 0.5
#: A fitted summary this many predictive sds from the observed value: the model does not fit.
GROSS_Z = 4.0
MISFIT_LINE = "The model does not fit these data"


@dataclass
class CalibrationResult:
    """What a calibration found and how far to trust it.

    Attributes
    ----------
    parameters : list[Parameter]
    samples : DataFrame
        Posterior draws (equally weighted), one column per parameter.
    intervals : DataFrame
        Per parameter: mean, sd, median, 5% and 95% quantiles (the 90%
        credible interval), prior range, share of the prior range the interval
        covers, ``identified`` flag, ``effect_sd`` (largest change of an
        emulated summary over the prior range, in noise sds), ``informed``,
        ``edge`` (``"low"``, ``"high"`` or ``""``), ``reliable`` (False when
        the model does not fit) and ``status`` in words.
    checks : DataFrame
        Posterior predictive check per summary from confirmation runs of the
        real simulator: observed, predictive mean and 90% interval, z, two-sided
        p-value, ``held_out`` (not used in fitting).
    waves : DataFrame
        History-matching waves: design points, simulator runs, NROY share of
        the prior box, emulator validation on the wave's new runs.
    design : DataFrame
        Every simulator run: wave, point, seed, parameters and summaries.
    diagnostics : dict
        ESS, acceptance, split-half agreement, emulator coverage, posterior
        correlations, runs; ``fits`` (False when the model does not fit these
        data) and ``misfit`` (the reasons, one line each).
    warnings : list[str]
    """

    parameters: list[Parameter]
    samples: pd.DataFrame
    intervals: pd.DataFrame
    checks: pd.DataFrame
    waves: pd.DataFrame
    design: pd.DataFrame
    diagnostics: dict
    warnings: list[str] = field(default_factory=list)

    @property
    def fits(self) -> bool:
        """False when the model does not fit these data (see :meth:`headline`)."""
        return bool(self.diagnostics.get("fits", True))

    def headline(self) -> list[str]:
        """What the result cannot tell, most important first (empty when nothing to say).

        The first line is "The model does not fit these data: ..." when it does
        not; then the parameters the data do not inform, and those at the edge
        of their range.
        """
        lines = []
        if not self.fits:
            lines.append(
                f"{MISFIT_LINE}: "
                + "; ".join(self.diagnostics.get("misfit", []))
                + ". The intervals below are unreliable."
            )
        rows = self.intervals
        if "informed" in rows:
            uninformed = rows[~rows["informed"].astype(bool)]
            if len(uninformed) == len(rows):
                lines.append(
                    "No parameter is informed by these data: the fitted summaries do not change "
                    "across any prior range; every posterior is its prior."
                )
            elif len(uninformed):
                lines.append(
                    "Not informed by these data (posterior = prior): "
                    + ", ".join(uninformed["parameter"])
                )
            for row in rows[rows["edge"] != ""].itertuples():
                lines.append(
                    f"{row.parameter} is at the edge of its range ({row.edge} end of "
                    f"{interval_text(row.prior_low, row.prior_high)}): the data may want a value "
                    "outside it"
                )
        return lines

    def misses(self) -> pd.DataFrame:
        """Fitted summaries outside their 90% predictive interval, largest |z| first."""
        fitted = self.checks[~self.checks["held_out"]]
        out = fitted[~fitted["inside90"].astype(bool)]
        return out.reindex(out["z"].abs().sort_values(ascending=False).index)

    def report(self) -> str:
        """A plain-text report; its first lines say what the result cannot tell."""
        lines = self.headline()
        misses = self.misses()
        if not self.fits and len(misses):
            lines.append("Summaries the model misses (observed vs 90% predictive interval):")
            for row in misses.itertuples():
                lines.append(
                    f"  {row.summary:<40} observed {fmt(row.observed)}, predicted "
                    f"{fmt(row.predicted)} {interval_text(row.q05, row.q95)}, off by "
                    f"{fmt(row.observed - row.predicted)} (z = {row.z:+.1f})"
                )
        title = "Posterior (90% credible intervals)"
        lines.append(title + (", UNRELIABLE: the model does not fit:" if not self.fits else ":"))
        for row in self.intervals.itertuples():
            lines.append(
                f"  {row.parameter:<32} median {fmt(row.median)}  {interval_text(row.q05, row.q95)}"
                f"  ({row.width_share:.0%} of prior range)   <- {_status(row)}"
            )
        d = self.diagnostics
        lines.append(
            f"Runs: {d['runs']} ({d['design_runs']} design + {d['confirmation_runs']} confirmation); "
            f"acceptance {d['acceptance']:.3f}; ESS {d['ess']:.0f}; "
            f"emulator coverage {d['emulator_coverage']:.0%}"
        )
        for wave in self.waves.itertuples():
            lines.append(
                f"  wave {wave.wave}: {wave.points} points, NROY {wave.nroy_share:.3f} of the prior box"
            )
        lines.append(self.predictive_summary())
        lines += [f"Warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def predictive_summary(self) -> str:
        """One line: share of fitted (and held-out) summaries inside their 90% predictive interval."""
        fitted = self.checks[~self.checks["held_out"]]
        held = self.checks[self.checks["held_out"]]
        return (
            f"Posterior predictive: {fitted['inside90'].mean():.0%} of fitted summaries inside "
            "their 90% predictive interval"
            + (f", {held['inside90'].mean():.0%} of held-out ones" if len(held) else "")
        )

    def __repr__(self) -> str:
        d = self.diagnostics
        held = len(d.get("held_out_summaries", []))
        fitted = len(d.get("fitted_summaries", [])) or len(self.checks) - held
        shown = "; ".join(
            f"{row.parameter} {fmt(row.mean)} {interval_text(row.q05, row.q95)}"
            + ("" if _status(row, lead=False) == "informed" else f" ({_status(row, lead=False)})")
            for row in self.intervals.head(4).itertuples()
        )
        more = len(self.intervals) - 4
        lead = f"{MISFIT_LINE}; intervals unreliable. " if not self.fits else ""
        return (
            f"<CalibrationResult: {lead}{len(self.parameters)} parameters, {fitted} summaries fitted"
            + (f", {held} held out" if held else "")
            + f", {d['runs']} runs; posterior mean [90% interval]: {shown}"
            + (f"; … {more} more" if more > 0 else "")
            + (f"; {len(self.warnings)} warnings" if self.warnings else "")
            + ">"
        )

    def _repr_html_(self) -> str:
        from workbench.calibration.display import calibration_card

        return calibration_card(self)

    def save(self, folder: str | Path) -> list[Path]:
        """Write CSV tables and ``diagnostics.json`` into ``folder``; returns the paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name in ("samples", "intervals", "checks", "waves", "design"):
            path = folder / f"{name}.csv"
            getattr(self, name).to_csv(path, index=False)
            paths.append(path)
        path = folder / "diagnostics.json"
        payload = {"diagnostics": self.diagnostics, "warnings": self.warnings}
        path.write_text(json.dumps(payload, indent=2, default=float), encoding="utf-8")
        paths.append(path)
        return paths


def _status(row, lead: bool = True) -> str:
    """A parameter's status in words (intervals row); ``lead=False`` leaves out "unreliable"
    (for a line that already starts by saying the model does not fit)."""
    words = []
    if lead and not getattr(row, "reliable", True):
        words.append("unreliable (the model does not fit)")
    if not getattr(row, "informed", True):
        words.append("not informed by these data")
    elif getattr(row, "edge", ""):
        words.append("at the edge of its range")
    elif not row.identified:
        words.append("weakly identified")
    return "; ".join(words) or "informed"


def fmt(value: float) -> str:
    """A posterior or summary number as the report and the notebook card show it (4 digits)."""
    return f"{value:.4g}"


def interval_text(low: float, high: float) -> str:
    """``[low, high]`` with :func:`fmt`."""
    return f"[{fmt(low)}, {fmt(high)}]"


def allocate_budget(
    budget: int, seeds: int, waves: int, confirm: int | None
) -> tuple[list[int], int]:
    """Design points per history-matching wave and confirmation runs of a budget (or refuse it)."""
    confirm = max(10, round(0.1 * budget)) if confirm is None else confirm
    points = (budget - confirm) // seeds
    if points < 10 * waves:
        raise WorkbenchError(
            f"budget {budget} leaves {points} design points for {waves} waves; "
            f"raise --budget to at least {confirm + 10 * waves * seeds}"
        )
    first = math.ceil(points * (0.5 if waves > 1 else 1.0))
    rest = points - first
    later = [rest // (waves - 1) + (1 if k < rest % (waves - 1) else 0) for k in range(waves - 1)]
    return [first, *later], confirm


def _run_point(simulate, params: dict[str, float], seeds: list[int]) -> list[np.ndarray]:
    return [np.asarray(simulate(params, seed), dtype=float) for seed in seeds]


class _Runner:
    """Runs the target at unit-cube points with reproducible seeds, keeping every run.

    Seeds are fixed before any run (the k-th run's seed is derived from the root
    seed and k), so serial and parallel runs give the same results.
    """

    def __init__(
        self,
        target: Target,
        parameters: list[Parameter],
        seed: int,
        progress: bool,
        n_jobs: int = 1,
    ):
        self.target = target
        self.parameters = parameters
        self.low = np.array([p.low for p in parameters])
        self.width = np.array([p.width for p in parameters])
        self.seed = seed
        self.progress = progress
        self.n_jobs = n_jobs
        self.rows: list[dict] = []
        self.count = 0

    def values(self, unit: np.ndarray) -> np.ndarray:
        return self.low + unit * self.width

    def run(self, unit: np.ndarray, seeds_per_point: int, label: str) -> np.ndarray:
        """(n, seeds, k) summaries at unit-cube points."""
        values = self.values(unit)
        tasks = []
        for row in values:
            params = {p.name: float(v) for p, v in zip(self.parameters, row, strict=True)}
            seeds = derive_seeds(self.seed, seeds_per_point, self.count)
            self.count += 1
            tasks.append((params, seeds))
        simulate = self.target.simulate
        if self.n_jobs == 1:
            results = (_run_point(simulate, params, seeds) for params, seeds in tasks)
        else:
            from joblib import Parallel, delayed

            results = Parallel(n_jobs=self.n_jobs, return_as="generator")(
                delayed(_run_point)(simulate, params, seeds) for params, seeds in tasks
            )
        out = np.empty((len(unit), seeds_per_point, len(self.target.observed)))
        bar = tqdm(
            total=len(unit) * seeds_per_point,
            desc=f"calibration {label}",
            unit="run",
            disable=not self.progress,
            leave=False,
        )
        with bar:
            for i, ((params, seeds), summaries) in enumerate(zip(tasks, results, strict=True)):
                for j, (seed, summary) in enumerate(zip(seeds, summaries, strict=True)):
                    if summary.shape != self.target.observed.shape:
                        raise WorkbenchError(
                            f"simulator returned {summary.shape} summaries, "
                            f"expected {self.target.observed.shape}"
                        )
                    out[i, j] = summary
                    self.rows.append(
                        {"stage": label, "point": i, "seed": seed}
                        | params
                        | dict(zip(self.target.names, summary, strict=True))
                    )
                    bar.update()
        return out

    @property
    def runs(self) -> int:
        return len(self.rows)


def _lhs(count: int, d: int, rng: np.random.Generator) -> np.ndarray:
    return qmc.LatinHypercube(d=d, seed=rng).random(count)


def calibrate(
    target: Target | Scenario,
    parameters: Sequence[Parameter | str] | None = None,
    *,
    survey: Survey | None = None,
    budget: int = 800,
    seeds_per_point: int = 2,
    waves: int = 3,
    cutoff: float = 3.0,
    confirm: int | None = None,
    samples: int = 4000,
    holdout: Sequence[str] = (),
    identifiability: float = 0.6,
    rng: RngLike = DEFAULT_SEED,
    progress: bool = True,
    n_jobs: int = 1,
    seed: int | None = None,
) -> CalibrationResult:
    """Fit parameters to a target's observed summaries within a budget of simulator runs.

    Parameters
    ----------
    target
        Simulator, observed summaries and their covariance (:class:`Target`),
        or a :class:`~workbench.scenario.Scenario` to fit to ``survey`` (then
        :func:`~workbench.calibration.survey_target.survey_target` builds the target).
    parameters
        What to fit, each with a uniform prior range (a :class:`Parameter` or
        ``"dynamics.drift=0:0.1"``); default: belonging gain, cross-group
        bonus, drift and barrier penalty (:data:`DEFAULT_PARAMETERS`).
    survey
        The observed survey, when ``target`` is a scenario.
    budget
        Total simulator runs, confirmation runs included.
    seeds_per_point
        Runs (different seeds) per design point.
    waves
        History-matching waves (1-3).
    cutoff
        Implausibility cut-off.
    confirm
        Confirmation runs at posterior draws (default 10% of the budget).
    samples
        Posterior draws returned.
    holdout
        Summary names (or substrings of them) left out of the fit and only predicted.
    identifiability
        Warn when a 90% interval covers more than this share of the prior range.
    rng
        Root of all randomness (int, SeedSequence, Generator or None; see
        :func:`workbench.seeding.as_rng`): the same inputs and seed give the
        same result. An int is used as is; anything else gives a root seed.
    progress
        Show tqdm progress bars.
    n_jobs
        Simulator runs in parallel processes (joblib; ``-1`` = all cores).
        Results do not depend on it: every run's seed is fixed in advance.
    seed
        Deprecated name of ``rng`` (an int); kept for one release.
    """
    if seed is not None:
        warnings.warn("calibrate(seed=...) is deprecated; use rng=", DeprecationWarning, 2)
        rng = seed
    seed = root_seed(rng)
    if isinstance(target, Scenario):
        if survey is None:
            raise WorkbenchError("calibrate: give survey=... to fit a scenario to a survey")
        from workbench.calibration.survey_target import survey_target

        target = survey_target(target, survey, rng=seed)
    parameters = [
        parse_parameter(p) if isinstance(p, str) else p
        for p in (DEFAULT_PARAMETERS if parameters is None else parameters)
    ]
    if not parameters:
        raise WorkbenchError("calibrate: name at least one parameter")
    names = [p.name for p in parameters]
    if len(set(names)) != len(names):
        raise WorkbenchError(f"calibrate: parameters named twice in {names}")
    if not 1 <= waves <= 5:
        raise WorkbenchError("calibrate: waves must be 1 to 5")
    held = np.array([any(h and h in n for h in holdout) for n in target.names], dtype=bool)
    if held.all():
        raise WorkbenchError("calibrate: every summary is held out; nothing is left to fit")
    fit_target = target.subset(~held) if held.any() else target
    wave_points, confirm_runs = allocate_budget(budget, seeds_per_point, waves, confirm)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    runner = _Runner(target, parameters, seed, progress, n_jobs)
    d = len(parameters)
    observed = fit_target.observed
    if fit_target.noise == "simulator" and seeds_per_point < 2:
        raise WorkbenchError("calibrate: noise='simulator' needs seeds_per_point >= 2")
    obs_var = np.diag(fit_target.covariance) + fit_target.discrepancy
    covariance = fit_target.covariance
    rank = 2 if len(observed) >= 10 else 1
    messages: list[str] = []
    no_match_waves: list[int] = []

    pool = _lhs(POOL, d, rng)
    reference = _lhs(POOL // 4, d, rng)  # fixed prior sample: NROY share of the prior box
    alive = np.ones(len(reference), dtype=bool)
    design_x = np.empty((0, d))
    design_y = np.empty((0, seeds_per_point, len(target.observed)))
    wave_rows = []
    emulator: Emulator | None = None
    nroy = pool
    for wave, count in enumerate(wave_points, start=1):
        if wave == 1:
            new_x = _lhs(count, d, rng)
        else:
            choice = rng.choice(len(nroy), size=count, replace=len(nroy) < count)
            new_x = nroy[choice]
        new_y = runner.run(new_x, seeds_per_point, f"wave {wave}")
        validation = np.nan
        if emulator is not None:
            mean, var = emulator.predict(new_x)
            noise = np.asarray(emulator.noise_) * seeds_per_point
            err = (new_y[:, :, ~held].mean(1) - mean) / np.sqrt(var + noise / seeds_per_point)
            validation = float(np.mean(np.abs(err) < 3))
        design_x = np.vstack([design_x, new_x])
        design_y = np.concatenate([design_y, new_y])
        emulator = Emulator(random_state=seed, warm_start=emulator).fit(
            design_x, design_y[:, :, ~held].mean(1)
        )
        if fit_target.noise == "simulator":
            covariance = _within_covariance(design_y[:, :, ~held])
            obs_var = (
                np.maximum(np.diag(fit_target.covariance), np.diag(covariance))
                + fit_target.discrepancy
            )
        ref_mean, ref_var = emulator.predict(reference)
        alive &= combined(implausibility(observed, ref_mean, obs_var, ref_var), rank) < cutoff
        share = float(alive.mean())
        mean, var = emulator.predict(pool)
        score = combined(implausibility(observed, mean, obs_var, var), rank)
        keep = score < cutoff
        if not keep.any():
            no_match_waves.append(wave)
            least = np.argsort(score)[: max(50, len(pool) // 100)]
            keep = np.zeros(len(pool), bool)
            keep[least] = True
            messages.append(
                f"wave {wave}: no parameter values match every summary within the "
                f"implausibility cut-off {cutoff} (least implausible: {score.min():.1f}); the "
                "model may not reproduce these data, or the prior ranges are too narrow; "
                "kept the least implausible 1%"
            )
        nroy = pool[keep]
        wave_rows.append(
            {
                "wave": wave,
                "points": count,
                "runs": count * seeds_per_point,
                "nroy_share": share,
                "emulator_validation": validation,
            }
        )
        if wave < len(wave_points):
            # refill the pool inside NROY for the next wave
            fresh = refill(nroy, POOL, rng)
            fresh_mean, fresh_var = emulator.predict(fresh)
            fresh_ok = (
                combined(implausibility(observed, fresh_mean, obs_var, fresh_var), rank) < cutoff
            )
            pool = np.vstack([nroy, fresh[fresh_ok]])[:POOL]
            nroy = pool

    assert emulator is not None
    posterior_x, weights, acceptance = _importance_sample(
        emulator, fit_target, covariance, obs_var, nroy, rank, cutoff, rng
    )
    ess = effective_sample_size(weights)
    if ess < 200:
        messages.append(
            f"importance sampling effective sample size is only {ess:.0f}; "
            "intervals are rough: raise the budget"
        )
    effects = _main_effects(emulator, d, obs_var, rng)  # (d,) largest effect in noise sds
    first = wave_points[0]  # the wave-1 Latin hypercube: uniform, independent parameters
    dependence = _dependence_p(design_x[:first], design_y[:first][:, :, ~held].mean(1))
    # informed: the emulator shows a sizeable effect AND the runs themselves show a dependence
    # (a GP can mistake seed noise for short wiggles; the test on the runs cannot)
    informed = (effects >= INFORMED_SD) & (dependence < DEPENDENCE_P)
    # a flat likelihood in a parameter: its posterior is its prior (whatever the sampler's noise)
    posterior_x[:, ~informed] = rng.random((len(posterior_x), int((~informed).sum())))
    draws = posterior_x[systematic_resample(weights, samples, rng)]
    values = runner.values(draws)
    sample_frame = pd.DataFrame(values, columns=names)
    intervals = _intervals(parameters, runner.values(posterior_x), weights, identifiability)
    intervals["effect_sd"] = effects
    intervals["dependence_p"] = dependence
    intervals["informed"] = informed
    intervals["edge"] = [_edge(posterior_x[:, j], weights) if informed[j] else "" for j in range(d)]
    for row in intervals.itertuples():
        if not row.informed:
            why = (
                f"no fitted summary changes by more than {row.effect_sd:.2f} of its noise sd"
                if row.effect_sd < INFORMED_SD
                else "the simulator runs show no dependence of any fitted summary on it "
                f"(p = {row.dependence_p:.2g})"
            )
            messages.append(
                f"{row.parameter} is not informed by these data: over its whole prior range "
                f"{interval_text(row.prior_low, row.prior_high)} {why}; its posterior is its prior"
            )
        elif row.edge:
            messages.append(
                f"{row.parameter} is at the edge of its range: the posterior piles against its "
                f"{row.edge} bound ({row.prior_low if row.edge == 'low' else row.prior_high:g}); "
                "widen the prior if values beyond it are plausible, else the model may not fit"
            )
        elif not row.identified:
            messages.append(
                f"{row.parameter} is weakly identified by these data: its 90% interval covers "
                f"{row.width_share:.0%} of the prior range; treat its value as unknown"
            )
    halves = [np.average(posterior_x[k::2], axis=0, weights=weights[k::2] + 1e-300) for k in (0, 1)]
    post_sd = np.sqrt(
        np.average((posterior_x - np.average(posterior_x, 0, weights)) ** 2, 0, weights)
    )
    split = float(np.max(np.abs(halves[0] - halves[1]) / np.maximum(post_sd, 1e-12)))

    # confirmation runs of the real simulator at posterior draws
    confirm_x = draws[rng.choice(len(draws), size=confirm_runs, replace=False)]
    confirm_y = runner.run(confirm_x, 1, "confirmation")[:, 0, :]
    checks = _predictive_checks(target, confirm_y, held)
    misfit = _misfit(checks, acceptance, no_match_waves, len(wave_points))
    intervals["reliable"] = not misfit
    intervals["status"] = [_status(row) for row in intervals.itertuples()]
    emu_mean, emu_var = emulator.predict(confirm_x)
    noise = np.asarray(emulator.noise_) * seeds_per_point
    err = (confirm_y[:, ~held] - emu_mean) / np.sqrt(emu_var + noise)
    corr = np.corrcoef(values.T) if d > 1 else np.ones((1, 1))
    for i in range(d):
        for j in range(i + 1, d):
            if abs(corr[i, j]) > 0.8:
                messages.append(
                    f"{names[i]} and {names[j]} trade off (posterior correlation "
                    f"{corr[i, j]:+.2f}): the data pin down a combination, not each one"
                )
    diagnostics = {
        "runs": runner.runs,
        "design_runs": int(sum(wave_points) * seeds_per_point),
        "confirmation_runs": int(confirm_runs),
        "seeds_per_point": seeds_per_point,
        "acceptance": acceptance,
        "ess": ess,
        "split_half_max_sd": split,
        "emulator_coverage": float(np.mean(np.abs(err) < 3)),
        "nroy_share": wave_rows[-1]["nroy_share"],
        "cutoff": cutoff,
        "implausibility": "second largest" if rank == 2 else "largest",
        "noise": fit_target.noise,
        "fitted_summaries": [n for n, h in zip(target.names, held, strict=True) if not h],
        "held_out_summaries": [n for n, h in zip(target.names, held, strict=True) if h],
        "posterior_correlation": pd.DataFrame(corr, index=names, columns=names).round(3).to_dict(),
        "length_scales": pd.DataFrame(
            emulator.length_scales(), index=fit_target.names, columns=names
        )
        .round(3)
        .to_dict(),
        "seed": seed,
        "fits": not misfit,
        "misfit": misfit,
        "informed_sd": INFORMED_SD,
    }
    return CalibrationResult(
        parameters=parameters,
        samples=sample_frame,
        intervals=intervals,
        checks=checks,
        waves=pd.DataFrame(wave_rows),
        design=pd.DataFrame(runner.rows),
        diagnostics=diagnostics,
        warnings=messages,
    )


def _importance_sample(
    emulator: Emulator,
    target: Target,
    covariance: np.ndarray,
    obs_var: np.ndarray,
    nroy: np.ndarray,
    rank: int,
    cutoff: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Weighted posterior sample on the emulator; returns points, weights, acceptance."""
    d = nroy.shape[1]
    low = np.clip(nroy.min(0) - 0.05, 0, 1)
    high = np.clip(nroy.max(0) + 0.05, 0, 1)
    covariance = covariance + np.diag(target.discrepancy)

    def evaluate(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean, var = emulator.predict(x)
        ok = combined(implausibility(target.observed, mean, obs_var, var), rank) < cutoff
        loglik = gaussian_loglik(target.observed, mean, covariance, var)
        if restrict:
            loglik[~ok] = -np.inf
        return loglik, ok

    # ABC step: only non-implausible points count, unless history matching found none
    restrict = bool(
        (
            combined(implausibility(target.observed, *emulator.predict(nroy), obs_var), rank)
            < cutoff
        ).any()
    )

    box_volume = float(np.prod(high - low))
    x = low + rng.random((POOL, d)) * (high - low)
    loglik, ok = evaluate(x)
    acceptance = float(ok.mean()) * box_volume  # share of the prior box accepted
    logq = np.full(len(x), -np.log(box_volume))
    points, logw = x, loglik - logq
    for _ in range(3):
        weights = normalise(logw)
        if effective_sample_size(weights) >= MIN_ESS:
            break
        mean = np.average(points, axis=0, weights=weights)
        cov = np.atleast_2d(np.cov(points.T, aweights=weights + 1e-300)) * 2.0
        cov += np.eye(d) * 1e-6
        n_gauss = int(0.8 * POOL)
        gauss = rng.multivariate_normal(mean, cov, size=n_gauss)
        inside_share = max(float(np.mean(np.all((gauss >= 0) & (gauss <= 1), 1))), 1e-6)
        uniform = low + rng.random((POOL - n_gauss, d)) * (high - low)
        new = np.vstack([gauss, uniform])
        inside = np.all((new >= 0) & (new <= 1), 1)
        new = new[inside]
        diff = new - mean
        maha = np.einsum("ij,jk,ik->i", diff, np.linalg.inv(cov), diff)
        gauss_pdf = np.exp(-0.5 * maha) / np.sqrt((2 * np.pi) ** d * np.linalg.det(cov))
        in_box = np.all((new >= low) & (new <= high), 1)
        q = 0.8 * gauss_pdf / inside_share + 0.2 * in_box / box_volume
        new_loglik, _ = evaluate(new)
        points = np.vstack([points, new])
        logw = np.concatenate([logw, new_loglik - np.log(q)])
    return points, normalise(logw), acceptance


def root_seed(rng: RngLike) -> int:
    """The int root seed of a calibration: an int as is, else drawn from the normalised rng."""
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        as_rng(rng)  # validates (non-negative)
        return int(rng)
    return int(as_rng(rng).integers(2**63 - 1))


def _main_effects(
    emulator: Emulator, d: int, obs_var: np.ndarray, rng: np.random.Generator, bases: int = 64
) -> np.ndarray:
    """(d,) per parameter: largest (over summaries) mean range of the emulated summary as the
    parameter sweeps its prior range with the others held at random prior points, in noise sds.

    Averaging each base point's own range (not the range of the averaged curve) keeps
    effects that only show in combination with other parameters.
    """
    grid = np.linspace(0.0, 1.0, 9)
    base = rng.random((bases, d))
    sd = np.sqrt(np.maximum(obs_var, 1e-300))
    out = np.zeros(d)
    for j in range(d):
        x = np.repeat(base, len(grid), axis=0)
        x[:, j] = np.tile(grid, bases)
        curves = emulator.predict_mean(x).reshape(bases, len(grid), -1)
        spread = (curves.max(1) - curves.min(1)).mean(0) / sd
        out[j] = float(spread.max())
    return out


def _dependence_p(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(d,) per parameter: smallest p-value, Bonferroni-corrected over the summaries, of an
    F test that a summary's run means depend on the parameter (quadratic in it) in a
    uniform design ``x`` (n, d) with outputs ``y`` (n, k); 1 when there are too few runs.
    """
    n, d = x.shape
    k = y.shape[1]
    out = np.ones(d)
    if n < 8:
        return out
    resid0 = ((y - y.mean(0)) ** 2).sum(0)
    for j in range(d):
        design = np.column_stack([np.ones(n), x[:, j] - 0.5, (x[:, j] - 0.5) ** 2])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        resid = ((y - design @ coef) ** 2).sum(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = ((resid0 - resid) / 2) / (resid / (n - 3))
        # no variation at all: no evidence (nan -> 0); a noiseless exact fit: certain (inf)
        p = stats.f.sf(np.nan_to_num(f, nan=0.0, posinf=np.inf), 2, n - 3)
        out[j] = float(min(1.0, np.nanmin(p) * k))
    return out


def _edge(column: np.ndarray, weights: np.ndarray) -> str:
    """``"low"``/``"high"`` when the weighted unit-cube sample piles at that bound, else ``""``."""
    low = float(weights[column < 0.05].sum())
    high = float(weights[column > 0.95].sum())
    if max(low, high) <= EDGE_MASS:
        return ""
    return "low" if low > high else "high"


def _misfit(
    checks: pd.DataFrame, acceptance: float, no_match_waves: list[int], waves: int
) -> list[str]:
    """Reasons to say the model does not fit these data (empty when it does)."""
    reasons = []
    if waves in no_match_waves or acceptance <= 0:
        reasons.append(
            "no parameter values inside the prior ranges reproduce every summary "
            f"(acceptance {acceptance:.3f}"
            + (
                f"; history-matching waves {no_match_waves} kept the least implausible 1%"
                if no_match_waves
                else ""
            )
            + ")"
        )
    fitted = checks[~checks["held_out"]]
    inside = float(fitted["inside90"].mean()) if len(fitted) else 1.0
    if len(fitted) and inside < MIN_COVERAGE:
        reasons.append(
            f"only {fitted['inside90'].sum()} of {len(fitted)} fitted summaries ({inside:.0%}) lie "
            "inside their 90% predictive interval"
        )
    gross = fitted[np.abs(fitted["z"].to_numpy(float)) > GROSS_Z]
    if len(gross):
        worst = gross.loc[gross["z"].abs().idxmax()]
        reasons.append(
            f"{len(gross)} fitted summar{'y misses' if len(gross) == 1 else 'ies miss'} by more "
            f"than {GROSS_Z:g} predictive sd (worst: {worst['summary']}, z = {worst['z']:+.1f})"
        )
    return reasons


def _within_covariance(runs: np.ndarray) -> np.ndarray:
    """Pooled run-to-run covariance of single runs from (points, seeds, k) replicates."""
    resid = runs - runs.mean(1, keepdims=True)
    flat = resid.reshape(-1, runs.shape[2])
    dof = runs.shape[0] * (runs.shape[1] - 1)
    return flat.T @ flat / dof + np.eye(runs.shape[2]) * 1e-12


def _intervals(
    parameters: list[Parameter], values: np.ndarray, weights: np.ndarray, threshold: float
) -> pd.DataFrame:
    rows = []
    for j, p in enumerate(parameters):
        column = values[:, j]
        mean = float(np.average(column, weights=weights))
        sd = float(np.sqrt(np.average((column - mean) ** 2, weights=weights)))
        q05, median, q95 = weighted_quantile(column, weights, np.array([0.05, 0.5, 0.95]))
        share = float((q95 - q05) / p.width)
        rows.append(
            {
                "parameter": p.name,
                "mean": mean,
                "sd": sd,
                "median": float(median),
                "q05": float(q05),
                "q95": float(q95),
                "prior_low": p.low,
                "prior_high": p.high,
                "width_share": share,
                "identified": share <= threshold,
            }
        )
    return pd.DataFrame(rows)


def _predictive_checks(target: Target, runs: np.ndarray, held: np.ndarray) -> pd.DataFrame:
    mean = runs.mean(0)
    sd = runs.std(0, ddof=1) if len(runs) > 1 else np.full(runs.shape[1], np.nan)
    q05, q95 = np.quantile(runs, [0.05, 0.95], axis=0)
    below = (runs <= target.observed).mean(0)
    above = (runs >= target.observed).mean(0)
    return pd.DataFrame(
        {
            "summary": target.names,
            "observed": target.observed,
            "observed_se": np.sqrt(np.diag(target.covariance)),
            "predicted": mean,
            "predicted_sd": sd,
            "q05": q05,
            "q95": q95,
            "z": (target.observed - mean) / sd,
            "p_value": np.minimum(1.0, 2 * np.minimum(below, above)),
            "inside90": (target.observed >= q05) & (target.observed <= q95),
            "held_out": held,
        }
    )
