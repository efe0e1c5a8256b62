"""Calibration with few simulator runs: design, emulate, history-match, sample, confirm.

The default method, after Vernon et al. (2010) and Andrianakis et al. (2015):

1. **Design.** A Latin hypercube (:class:`scipy.stats.qmc.LatinHypercube`) over
   the parameters' prior box, each point run with a few seeds.
2. **Emulate.** One scikit-learn Gaussian process per summary statistic
   (:class:`~workbench.calibration.emulator.Emulator`) on the seed means.
3. **History matching.** Points whose implausibility exceeds the cut-off (3 by
   default; the second largest over summaries from :data:`MANY_SUMMARIES` on) are
   ruled out; the next wave's design is drawn from what remains (NROY), the
   emulators are refitted with the new runs, and the NROY set shrinks. Two or
   three waves.
4. **Posterior.** Importance sampling on the emulator: Gaussian likelihood with
   the observed summaries' sampling covariance plus emulator variance,
   restricted to NROY (ABC with a Gaussian kernel); adaptive defensive-mixture
   proposal until the effective sample size reaches :data:`MIN_ESS`; then
   resampling.
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
  lies in the outer :data:`EDGE_ZONE` (5%) of the prior range at one end (a flat
  posterior has 5%): the data may want a value outside the range.
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
from workbench.renamed import renamed
from workbench.scenario import Scenario
from workbench.seeding import DEFAULT_SEED, RngLike, as_rng, derive_seeds
from workbench.survey.loading import Survey

# -- budget ---------------------------------------------------------------------------------
#: Confirmation runs when ``confirm`` is not given: this share of the budget ...
CONFIRM_SHARE = 0.1
#: ... but at least this many (fewer give no usable predictive interval).
MIN_CONFIRM_RUNS = 10
#: Fewest design points per history-matching wave a budget must leave (an emulator of d
#: parameters needs a few points per parameter).
MIN_POINTS_PER_WAVE = 10
#: Share of the design points spent on wave 1 (a Latin hypercube of the whole prior box) when
#: there are later waves; the rest is split evenly over them.
FIRST_WAVE_SHARE = 0.5
#: Most history-matching waves ``calibrate`` accepts.
MAX_WAVES = 5

# -- history matching -----------------------------------------------------------------------
#: Candidate unit-cube points kept per wave (NROY pool), and the size of each importance
#: sampling proposal.
POOL = 20_000
#: Fixed prior sample on which the NROY share of the prior box is measured.
REFERENCE_POINTS = POOL // 4
#: With this many fitted summaries or more, a point's implausibility is the second largest
#: over summaries (one unlucky statistic is tolerated), else the largest.
MANY_SUMMARIES = 10
#: When no candidate is below the cut-off, the least implausible one point in this many ...
NO_MATCH_KEEP_ONE_IN = 100
#: ... and at least this many stand in for NROY (the wave says so).
NO_MATCH_KEEP_MIN = 50
#: A run counts as predicted by the emulator when it lies within this many predictive sds
#: (emulator validation of each wave and emulator coverage of the confirmation runs).
EMULATOR_Z = 3.0

# -- posterior ------------------------------------------------------------------------------
#: Importance sampling adapts its proposal until the effective sample size reaches this ...
MIN_ESS = 1000
#: ... for at most this many steps.
ADAPTIVE_STEPS = 3
#: Below this effective sample size the intervals are rough and a warning says so.
ROUGH_ESS = 200
#: The first proposal is uniform on NROY's bounding box widened by this (unit-cube) margin.
BOX_MARGIN = 0.05
#: Adaptive proposal: a Gaussian with the weighted sample's covariance times this factor
#: (plus :data:`PROPOSAL_JITTER` on the diagonal) ...
PROPOSAL_INFLATION = 2.0
PROPOSAL_JITTER = 1e-6
#: ... makes up this share of the proposal; the rest is uniform on the box (a defensive
#: mixture, so the importance weights stay bounded).
GAUSSIAN_SHARE = 0.8
_UNIFORM_SHARE = round(1.0 - GAUSSIAN_SHARE, 12)  # 0.2 exactly (1 - 0.8 is 0.19999999999999996)
#: Two parameters *trade off* when their posterior correlation exceeds this in size.
TRADE_OFF_CORRELATION = 0.8

# -- what the result cannot tell ------------------------------------------------------------
#: A parameter is *not informed* when no summary moves by more than this many noise sds over its range.
INFORMED_SD = 0.5
#: ... or when the wave-1 runs show no dependence on it at this level (Bonferroni over summaries).
DEPENDENCE_P = 0.01
#: The dependence test needs at least this many wave-1 points (fewer: p = 1, no evidence).
MIN_DEPENDENCE_RUNS = 8
#: A parameter's effect (main effect, in noise sds) is measured on this many grid points over
#: its range ...
MAIN_EFFECT_GRID = 9
#: ... at each of this many random base points of the other parameters.
MAIN_EFFECT_BASES = 64
#: The outer share of the prior range, at each end, where a posterior piling up means "at the edge".
EDGE_ZONE = 0.05
#: Posterior share in the outer :data:`EDGE_ZONE` of the prior range (at one end) that flags
#: "at the edge" (a flat posterior has :data:`EDGE_ZONE`).
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
    """Design points per history-matching wave and confirmation runs of a budget (or refuse it).

    Confirmation runs default to :data:`CONFIRM_SHARE` of the budget (at least
    :data:`MIN_CONFIRM_RUNS`); wave 1 gets :data:`FIRST_WAVE_SHARE` of the design
    points, later waves share the rest evenly.

    Examples
    --------
    >>> allocate_budget(800, seeds=2, waves=3, confirm=None)
    ([180, 90, 90], 80)
    """
    confirm = max(MIN_CONFIRM_RUNS, round(CONFIRM_SHARE * budget)) if confirm is None else confirm
    points = (budget - confirm) // seeds
    if points < MIN_POINTS_PER_WAVE * waves:
        raise WorkbenchError(
            f"budget {budget} leaves {points} design points for {waves} waves; "
            f"raise --budget to at least {confirm + MIN_POINTS_PER_WAVE * waves * seeds}"
        )
    first = math.ceil(points * (FIRST_WAVE_SHARE if waves > 1 else 1.0))
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
        workers: int | None = 1,
    ):
        self.target = target
        self.parameters = parameters
        self.low = np.array([p.low for p in parameters])
        self.width = np.array([p.width for p in parameters])
        self.seed = seed
        self.progress = progress
        self.workers = -1 if workers is None else workers  # joblib: -1 = every core
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
        if self.workers == 1:
            results = (_run_point(simulate, params, seeds) for params, seeds in tasks)
        else:
            from joblib import Parallel, delayed

            results = Parallel(n_jobs=self.workers, return_as="generator")(
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
    n_samples: int = 4000,
    holdout: Sequence[str] = (),
    identifiability: float = 0.6,
    rng: RngLike = DEFAULT_SEED,
    progress: bool = True,
    workers: int | None = 1,
    seed: int | None = None,
    samples: int | None = None,
    n_jobs: int | None = None,
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
        Total simulator runs, confirmation runs included (see :func:`allocate_budget`).
    seeds_per_point
        Runs (different seeds) per design point.
    waves
        History-matching waves (1 to :data:`MAX_WAVES`).
    cutoff
        Implausibility cut-off (Pukelsheim's three-sigma rule by default).
    confirm
        Confirmation runs at posterior draws (default :data:`CONFIRM_SHARE` of
        the budget, at least :data:`MIN_CONFIRM_RUNS`).
    n_samples
        Posterior draws returned (resampled from the weighted sample, as
        :func:`sklearn.utils.resample` ``n_samples``).
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
    workers
        Simulator runs in parallel processes (joblib); ``None`` or ``-1`` uses
        every core. Results do not depend on it: every run's seed is fixed in
        advance.
    seed, samples, n_jobs
        Deprecated names of ``rng``, ``n_samples`` and ``workers``; kept for one
        release.
    """
    rng = renamed("calibrate", "seed", "rng", seed, rng, default=DEFAULT_SEED)
    n_samples = renamed("calibrate", "samples", "n_samples", samples, n_samples, default=4000)
    workers = renamed("calibrate", "n_jobs", "workers", n_jobs, workers, default=1)
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers == 0 or workers < -1
    ):
        raise WorkbenchError(
            f"calibrate: workers={workers!r}: give a number of processes, or None for every core"
        )
    seed = root_seed(rng)
    target = _as_target(target, survey, seed)
    parameters = _checked_parameters(parameters)
    if not 1 <= waves <= MAX_WAVES:
        raise WorkbenchError(f"calibrate: waves must be 1 to {MAX_WAVES}")
    held = _held_out(target, holdout)
    fit_target = target.subset(~held) if held.any() else target
    wave_points, confirm_runs = allocate_budget(budget, seeds_per_point, waves, confirm)
    if fit_target.noise == "simulator" and seeds_per_point < 2:
        raise WorkbenchError("calibrate: noise='simulator' needs seeds_per_point >= 2")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    runner = _Runner(target, parameters, seed, progress, workers)
    messages: list[str] = []

    matched = _history_match(
        runner, fit_target, held, wave_points, seeds_per_point, cutoff, seed, rng, messages
    )
    posterior = _posterior(matched, fit_target, held, cutoff, n_samples, rng, messages)
    intervals = _parameter_table(parameters, posterior, identifiability)
    messages += _parameter_messages(intervals)
    confirm_x, confirm_y = _confirmation_runs(runner, posterior.draws, confirm_runs, rng)
    checks = _predictive_checks(target, confirm_y, held)
    misfit = _misfit(checks, posterior.acceptance, matched.no_match_waves, len(wave_points))
    intervals["reliable"] = not misfit
    intervals["status"] = [_status(row) for row in intervals.itertuples()]
    names = [p.name for p in parameters]
    samples_frame = pd.DataFrame(runner.values(posterior.draws), columns=names)
    correlation = _posterior_correlation(samples_frame)
    messages += _trade_off_messages(correlation)
    diagnostics = {
        "runs": runner.runs,
        "design_runs": int(sum(wave_points) * seeds_per_point),
        "confirmation_runs": int(confirm_runs),
        "seeds_per_point": seeds_per_point,
        "acceptance": posterior.acceptance,
        "ess": posterior.ess,
        "split_half_max_sd": _split_half(posterior.points, posterior.weights),
        "emulator_coverage": _emulator_coverage(
            matched.emulator, confirm_x, confirm_y, held, seeds_per_point
        ),
        "nroy_share": matched.waves[-1]["nroy_share"],
        "cutoff": cutoff,
        "implausibility": "second largest" if matched.rank == 2 else "largest",
        "noise": fit_target.noise,
        "fitted_summaries": [n for n, h in zip(target.names, held, strict=True) if not h],
        "held_out_summaries": [n for n, h in zip(target.names, held, strict=True) if h],
        "posterior_correlation": correlation.round(3).to_dict(),
        "length_scales": matched.length_scales(fit_target.names, names),
        "seed": seed,
        "fits": not misfit,
        "misfit": misfit,
        "informed_sd": INFORMED_SD,
    }
    return CalibrationResult(
        parameters=parameters,
        samples=samples_frame,
        intervals=intervals,
        checks=checks,
        waves=pd.DataFrame(matched.waves),
        design=pd.DataFrame(runner.rows),
        diagnostics=diagnostics,
        warnings=messages,
    )


# -- the steps of calibrate, in order ------------------------------------------------------------
def _as_target(target: Target | Scenario, survey: Survey | None, seed: int) -> Target:
    """The target itself, or the one that fits a scenario to a survey."""
    if not isinstance(target, Scenario):
        return target
    if survey is None:
        raise WorkbenchError("calibrate: give survey=... to fit a scenario to a survey")
    from workbench.calibration.survey_target import survey_target

    return survey_target(target, survey, rng=seed)


def _checked_parameters(parameters: Sequence[Parameter | str] | None) -> list[Parameter]:
    """Parameters parsed from text where needed (default :data:`DEFAULT_PARAMETERS`), each once."""
    parameters = [
        parse_parameter(p) if isinstance(p, str) else p
        for p in (DEFAULT_PARAMETERS if parameters is None else parameters)
    ]
    if not parameters:
        raise WorkbenchError("calibrate: name at least one parameter")
    names = [p.name for p in parameters]
    if len(set(names)) != len(names):
        raise WorkbenchError(f"calibrate: parameters named twice in {names}")
    return parameters


def _held_out(target: Target, holdout: Sequence[str]) -> np.ndarray:
    """(k,) True for the summaries ``holdout`` names (or a substring of their name)."""
    held = np.array([any(h and h in n for h in holdout) for n in target.names], dtype=bool)
    if held.all():
        raise WorkbenchError("calibrate: every summary is held out; nothing is left to fit")
    return held


@dataclass
class _Matched:
    """What history matching leaves for the posterior.

    ``covariance`` and ``obs_var`` are the fitted summaries' noise (covariance,
    and implausibility variance with the discrepancy): the target's, or with
    ``noise="simulator"`` the run-to-run noise of the design runs.
    """

    emulator: Emulator  # fitted to every design run (fitted summaries' seed means)
    nroy: np.ndarray  # (m, d) unit-cube points not ruled out yet
    design_x: np.ndarray  # (n, d) every design point
    design_y: np.ndarray  # (n, seeds, k) their runs, held-out summaries included
    covariance: np.ndarray
    obs_var: np.ndarray
    rank: int  # 1: largest implausibility over summaries; 2: second largest
    waves: list[dict]  # one row per wave for CalibrationResult.waves
    no_match_waves: list[int]  # waves where no candidate was below the cut-off

    def length_scales(self, summaries: Sequence[str], parameters: Sequence[str]) -> dict:
        """The emulator's length scales (unit cube), summary by parameter, for the diagnostics."""
        frame = pd.DataFrame(self.emulator.length_scales(), index=summaries, columns=parameters)
        return frame.round(3).to_dict()


def _history_match(
    runner: _Runner,
    fit_target: Target,
    held: np.ndarray,
    wave_points: list[int],
    seeds_per_point: int,
    cutoff: float,
    seed: int,
    rng: np.random.Generator,
    messages: list[str],
) -> _Matched:
    """Run the waves: design, run, emulate, rule out; each later wave's design is drawn from
    the points not ruled out yet (NROY), in a pool refilled around them."""
    d = len(runner.parameters)
    observed = fit_target.observed
    rank = 2 if len(observed) >= MANY_SUMMARIES else 1
    pool = _lhs(POOL, d, rng)
    reference = _lhs(REFERENCE_POINTS, d, rng)  # fixed prior sample: NROY share of the prior box
    alive = np.ones(len(reference), dtype=bool)
    design_x = np.empty((0, d))
    design_y = np.empty((0, seeds_per_point, len(runner.target.observed)))
    wave_rows: list[dict] = []
    no_match_waves: list[int] = []
    emulator: Emulator | None = None
    nroy = pool
    for wave, count in enumerate(wave_points, start=1):
        new_x = _lhs(count, d, rng) if wave == 1 else _draw_from(nroy, count, rng)
        new_y = runner.run(new_x, seeds_per_point, f"wave {wave}")
        validation = (
            np.nan
            if emulator is None
            else _emulator_validation(emulator, new_x, new_y, held, seeds_per_point)
        )
        design_x = np.vstack([design_x, new_x])
        design_y = np.concatenate([design_y, new_y])
        emulator = Emulator(rng=seed, warm_start=emulator).fit(
            design_x, design_y[:, :, ~held].mean(1)
        )
        covariance, obs_var = _summary_noise(fit_target, design_y[:, :, ~held])
        ref_mean, ref_var = emulator.predict(reference)
        alive &= combined(implausibility(observed, ref_mean, obs_var, ref_var), rank) < cutoff
        mean, var = emulator.predict(pool)
        score = combined(implausibility(observed, mean, obs_var, var), rank)
        keep = score < cutoff
        if not keep.any():
            keep = _least_implausible(score)
            no_match_waves.append(wave)
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
                "nroy_share": float(alive.mean()),
                "emulator_validation": validation,
            }
        )
        if wave < len(wave_points):
            scored = (emulator, observed, obs_var, rank, cutoff)
            pool = nroy = _refilled(nroy, scored, rng)
    assert emulator is not None
    return _Matched(
        emulator, nroy, design_x, design_y, covariance, obs_var, rank, wave_rows, no_match_waves
    )


def _draw_from(nroy: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """A later wave's design: ``count`` NROY points (with replacement only when too few)."""
    return nroy[rng.choice(len(nroy), size=count, replace=len(nroy) < count)]


def _emulator_validation(
    emulator: Emulator, new_x: np.ndarray, new_y: np.ndarray, held: np.ndarray, seeds: int
) -> float:
    """Share of a wave's new point means that the previous wave's emulator predicted (within
    :data:`EMULATOR_Z` sds, the seed mean's noise included)."""
    mean, var = emulator.predict(new_x)
    noise = np.asarray(emulator.noise_) * seeds
    err = (new_y[:, :, ~held].mean(1) - mean) / np.sqrt(var + noise / seeds)
    return float(np.mean(np.abs(err) < EMULATOR_Z))


def _summary_noise(fit_target: Target, runs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Covariance and implausibility variance of the fitted summaries given the design runs
    ``(points, seeds, k)`` so far: the target's own, or with ``noise="simulator"`` the runs'
    run-to-run covariance (the target's variances as a floor); discrepancy added."""
    if fit_target.noise != "simulator":
        return fit_target.covariance, np.diag(fit_target.covariance) + fit_target.discrepancy
    covariance = _within_covariance(runs)
    obs_var = (
        np.maximum(np.diag(fit_target.covariance), np.diag(covariance)) + fit_target.discrepancy
    )
    return covariance, obs_var


def _least_implausible(score: np.ndarray) -> np.ndarray:
    """Mask of the least implausible one in :data:`NO_MATCH_KEEP_ONE_IN` candidates (at least
    :data:`NO_MATCH_KEEP_MIN`): what stands in for NROY when no candidate passes the cut-off."""
    least = np.argsort(score)[: max(NO_MATCH_KEEP_MIN, len(score) // NO_MATCH_KEEP_ONE_IN)]
    keep = np.zeros(len(score), bool)
    keep[least] = True
    return keep


def _refilled(
    nroy: np.ndarray,
    scored: tuple[Emulator, np.ndarray, np.ndarray, int, float],
    rng: np.random.Generator,
) -> np.ndarray:
    """The next wave's candidate pool: NROY plus the non-implausible ones of jittered copies
    (:func:`~workbench.calibration.history.refill`), at most :data:`POOL` points.

    ``scored`` is what implausibility needs: emulator, observed summaries, their
    variance, the rank of the implausibility and the cut-off.
    """
    emulator, observed, obs_var, rank, cutoff = scored
    fresh = refill(nroy, POOL, rng)
    mean, var = emulator.predict(fresh)
    ok = combined(implausibility(observed, mean, obs_var, var), rank) < cutoff
    return np.vstack([nroy, fresh[ok]])[:POOL]


@dataclass
class _Posterior:
    """The weighted posterior sample on the emulator and what it tells about each parameter."""

    points: np.ndarray  # (m, d) unit-cube points; uninformed parameters redrawn from the prior
    weights: np.ndarray  # (m,) normalised importance weights
    draws: np.ndarray  # (n_samples, d) equally weighted resample of the points
    acceptance: float  # share of the prior box not ruled out
    ess: float
    effects: np.ndarray  # (d,) largest main effect on a fitted summary, in noise sds
    dependence: np.ndarray  # (d,) p-value of a dependence in the wave-1 runs
    informed: np.ndarray  # (d,) bool


def _posterior(
    matched: _Matched,
    fit_target: Target,
    held: np.ndarray,
    cutoff: float,
    n_samples: int,
    rng: np.random.Generator,
    messages: list[str],
) -> _Posterior:
    """Importance-sample the emulator's posterior, decide which parameters the data inform
    (a flat likelihood's posterior is its prior), and resample ``n_samples`` draws."""
    points, weights, acceptance = _importance_sample(
        matched.emulator,
        fit_target,
        matched.covariance,
        matched.obs_var,
        matched.nroy,
        matched.rank,
        cutoff,
        rng,
    )
    ess = effective_sample_size(weights)
    if ess < ROUGH_ESS:
        messages.append(
            f"importance sampling effective sample size is only {ess:.0f}; "
            "intervals are rough: raise the budget"
        )
    d = points.shape[1]
    effects = _main_effects(matched.emulator, d, matched.obs_var, rng)
    first = matched.waves[0]["points"]  # the wave-1 Latin hypercube: uniform, independent
    wave1 = matched.design_y[:first][:, :, ~held].mean(1)
    dependence = _dependence_p(matched.design_x[:first], wave1)
    # informed: the emulator shows a sizeable effect AND the runs themselves show a dependence
    # (a GP can mistake seed noise for short wiggles; the test on the runs cannot)
    informed = (effects >= INFORMED_SD) & (dependence < DEPENDENCE_P)
    # a flat likelihood in a parameter: its posterior is its prior (whatever the sampler's noise)
    points[:, ~informed] = rng.random((len(points), int((~informed).sum())))
    draws = points[systematic_resample(weights, n_samples, rng)]
    return _Posterior(points, weights, draws, acceptance, ess, effects, dependence, informed)


def _parameter_table(
    parameters: list[Parameter], posterior: _Posterior, identifiability: float
) -> pd.DataFrame:
    """:func:`_intervals` of the weighted posterior with what the data say about each
    parameter: ``effect_sd``, ``dependence_p``, ``informed`` and ``edge``."""
    low = np.array([p.low for p in parameters])
    width = np.array([p.width for p in parameters])
    table = _intervals(
        parameters, low + posterior.points * width, posterior.weights, identifiability
    )
    table["effect_sd"] = posterior.effects
    table["dependence_p"] = posterior.dependence
    table["informed"] = posterior.informed
    table["edge"] = [
        _edge(posterior.points[:, j], posterior.weights) if informed else ""
        for j, informed in enumerate(posterior.informed)
    ]
    return table


def _posterior_correlation(samples: pd.DataFrame) -> pd.DataFrame:
    """Correlation matrix of the posterior draws (1 for a single parameter)."""
    values = samples.to_numpy()
    d = values.shape[1]
    correlation = np.corrcoef(values.T) if d > 1 else np.ones((1, 1))
    return pd.DataFrame(correlation, index=samples.columns, columns=samples.columns)


def _parameter_messages(intervals: pd.DataFrame) -> list[str]:
    """One warning per parameter the data leave uninformed, at the edge or weakly identified."""
    messages = []
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
    return messages


def _split_half(points: np.ndarray, weights: np.ndarray) -> float:
    """Largest difference of the posterior means of the two interleaved halves of the
    weighted sample, in posterior sds (a check that the sampler has settled)."""
    halves = [np.average(points[k::2], axis=0, weights=weights[k::2] + 1e-300) for k in (0, 1)]
    post_sd = np.sqrt(np.average((points - np.average(points, 0, weights)) ** 2, 0, weights))
    return float(np.max(np.abs(halves[0] - halves[1]) / np.maximum(post_sd, 1e-12)))


def _confirmation_runs(
    runner: _Runner, draws: np.ndarray, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The real simulator at ``count`` distinct posterior draws, one fresh seed each:
    the unit-cube points and their (count, k) summaries."""
    confirm_x = draws[rng.choice(len(draws), size=count, replace=False)]
    return confirm_x, runner.run(confirm_x, 1, "confirmation")[:, 0, :]


def _emulator_coverage(
    emulator: Emulator, x: np.ndarray, runs: np.ndarray, held: np.ndarray, seeds: int
) -> float:
    """Share of the confirmation runs' fitted summaries within :data:`EMULATOR_Z` predictive
    sds of the emulator (one run's noise is ``seeds`` times the noise of a seed mean)."""
    mean, var = emulator.predict(x)
    noise = np.asarray(emulator.noise_) * seeds
    err = (runs[:, ~held] - mean) / np.sqrt(var + noise)
    return float(np.mean(np.abs(err) < EMULATOR_Z))


def _trade_off_messages(correlation: pd.DataFrame) -> list[str]:
    """One warning per pair of parameters whose posterior correlation exceeds
    :data:`TRADE_OFF_CORRELATION` in size."""
    names = list(correlation.columns)
    values = correlation.to_numpy()
    messages = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if abs(values[i, j]) > TRADE_OFF_CORRELATION:
                messages.append(
                    f"{names[i]} and {names[j]} trade off (posterior correlation "
                    f"{values[i, j]:+.2f}): the data pin down a combination, not each one"
                )
    return messages


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
    """Weighted posterior sample on the emulator; returns points, weights, acceptance.

    The first proposal is uniform on NROY's bounding box (widened by
    :data:`BOX_MARGIN`); while the effective sample size is below
    :data:`MIN_ESS`, at most :data:`ADAPTIVE_STEPS` more proposals are drawn
    from a defensive mixture around the weighted sample
    (:func:`_mixture_proposal`), and all draws are kept with their weights.
    """
    d = nroy.shape[1]
    low = np.clip(nroy.min(0) - BOX_MARGIN, 0, 1)
    high = np.clip(nroy.max(0) + BOX_MARGIN, 0, 1)
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
    for _ in range(ADAPTIVE_STEPS):
        weights = normalise(logw)
        if effective_sample_size(weights) >= MIN_ESS:
            break
        new, logq = _mixture_proposal(points, weights, low, high, rng)
        new_loglik, _ = evaluate(new)
        points = np.vstack([points, new])
        logw = np.concatenate([logw, new_loglik - logq])
    return points, normalise(logw), acceptance


def _mixture_proposal(
    points: np.ndarray,
    weights: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """:data:`POOL` draws, kept inside the unit cube, from a defensive mixture: a Gaussian
    around the weighted sample (its covariance times :data:`PROPOSAL_INFLATION`;
    :data:`GAUSSIAN_SHARE` of the draws) and the uniform box ``[low, high]``; returns the
    draws and their log proposal density."""
    d = points.shape[1]
    box_volume = float(np.prod(high - low))
    mean = np.average(points, axis=0, weights=weights)
    cov = np.atleast_2d(np.cov(points.T, aweights=weights + 1e-300)) * PROPOSAL_INFLATION
    cov += np.eye(d) * PROPOSAL_JITTER
    n_gauss = int(GAUSSIAN_SHARE * POOL)
    gauss = rng.multivariate_normal(mean, cov, size=n_gauss)
    inside_share = max(float(np.mean(np.all((gauss >= 0) & (gauss <= 1), 1))), 1e-6)
    uniform = low + rng.random((POOL - n_gauss, d)) * (high - low)
    new = np.vstack([gauss, uniform])
    new = new[np.all((new >= 0) & (new <= 1), 1)]
    diff = new - mean
    maha = np.einsum("ij,jk,ik->i", diff, np.linalg.inv(cov), diff)
    gauss_pdf = np.exp(-0.5 * maha) / np.sqrt((2 * np.pi) ** d * np.linalg.det(cov))
    in_box = np.all((new >= low) & (new <= high), 1)
    q = GAUSSIAN_SHARE * gauss_pdf / inside_share + _UNIFORM_SHARE * in_box / box_volume
    return new, np.log(q)


def root_seed(rng: RngLike) -> int:
    """The int root seed of a calibration: an int as is, else drawn from the normalised rng."""
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        as_rng(rng)  # validates (non-negative)
        return int(rng)
    return int(as_rng(rng).integers(2**63 - 1))


def _main_effects(
    emulator: Emulator,
    d: int,
    obs_var: np.ndarray,
    rng: np.random.Generator,
    bases: int = MAIN_EFFECT_BASES,
) -> np.ndarray:
    """(d,) per parameter: largest (over summaries) mean range of the emulated summary as the
    parameter sweeps its prior range with the others held at random prior points, in noise sds.

    Averaging each base point's own range (not the range of the averaged curve) keeps
    effects that only show in combination with other parameters.
    """
    grid = np.linspace(0.0, 1.0, MAIN_EFFECT_GRID)
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
    if n < MIN_DEPENDENCE_RUNS:
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
    low = float(weights[column < EDGE_ZONE].sum())
    high = float(weights[column > 1 - EDGE_ZONE].sum())
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
