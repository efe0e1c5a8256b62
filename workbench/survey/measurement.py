"""Measurement model: the simulation's latent traits (0-1) -> Likert answers, fitted to real data.

Each item follows an ordered-probit (normal-ogive graded-response) model on a
working latent scale ``z``::

    P(Y_j <= k | z) = Φ(τ_jk − β_j z),       k = low .. high−1,

with reverse-keyed items flipped before fitting and flipped back when answers
are drawn. How it is fitted (documented method, :meth:`MeasurementModel.fit`):

1. *Latent proxy.* Per item, the rest score (prorated mean of the scale's other
   items, as a 0-1 share of the range, pooled over waves) shrunk to its
   classical true-score estimate with Kelley's formula
   ``ẑ = m + ρ (t − m)``, ρ = Cronbach's alpha of the other items.
2. *Ordinal fit.* statsmodels' :class:`~statsmodels.miscmodels.ordinal_model.OrderedModel`
   (probit link) of the item on ``ẑ`` gives β and the thresholds τ.
3. *Errors-in-variables correction.* The proxy misses the true score by a
   normal error of variance ``v = ρ(1−ρ)·var(t)``; a probit fitted on the proxy
   estimates ``β/√(1+β²v)`` (regression calibration), so β and τ are scaled
   back by ``1/√(1 − β̂²v)``.
4. *Anchor.* The simulation's latent θ is defined as the *expected* answer as a
   share of the range: θ = (E[mean item answer] − low)/(high − low). The
   test characteristic curve of the fitted items gives this share for every z;
   its monotone inverse maps a simulated θ to z. So a simulated student with
   belonging 0.6 on a 1-5 scale answers 3.4 on average, by construction, and
   the item-level spread and category frequencies come from the real data.

A *single-item* scale has no other items to stand in for the latent trait, so
slope and spread cannot be told apart from the data alone. Its reliability is
then an **assumption**, :data:`SINGLE_ITEM_RELIABILITY` = 0.7 (about the
meta-analytic estimate for single-item measures of an overall attitude,
Wanous, Reichers & Hudy 1997, J. Appl. Psychol. 82(2):247), and the item's
thresholds reproduce its observed answer shares (pooled over waves) for a
normal latent trait whose spread is that share of the answers' spread
(``ScaleFit.reliability_assumed`` says so).

Missing answers are drawn at each item's observed missing rate (completely at
random), so simulated surveys are scored by the same proration rule.

Examples
--------
>>> model = MeasurementModel().fit(survey)  # doctest: +SKIP
>>> simulated = model.simulate_survey(latent_table, rng=1)  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel

from workbench.scales import SINGLE_ITEM_RELIABILITY
from workbench.seeding import RngLike, as_rng
from workbench.survey.codebook import Codebook, Scale
from workbench.survey.loading import Survey
from workbench.survey.reliability import cronbach_alpha
from workbench.survey.scoring import prorate

GRID = np.linspace(-1.5, 2.5, 2001)  # working latent scale, wide enough for any fit
FAR = 12.0  # threshold standing in for ±inf when a category was never used
MAX_SHRINK = 0.95  # cap on β̂²v in the errors-in-variables correction


@dataclass(frozen=True)
class ItemFit:
    """One item's fitted ordered-probit parameters (on reverse-coded answers)."""

    item: str
    reversed: bool
    slope: float
    thresholds: np.ndarray  # (K-1,) increasing
    missing_rate: float
    n: int


@dataclass(frozen=True)
class ScaleFit:
    """A scale's item fits and its anchor from the working scale z to latent θ."""

    scale: str
    spec: Scale
    items: list[ItemFit]
    reliability: float
    grid_z: np.ndarray
    grid_theta: np.ndarray
    reliability_assumed: bool = False

    @property
    def slopes(self) -> np.ndarray:
        return np.array([f.slope for f in self.items])

    @property
    def thresholds(self) -> np.ndarray:
        return np.vstack([f.thresholds for f in self.items])

    def expected_answers(self, z: np.ndarray) -> np.ndarray:
        """(n, J) expected reverse-coded answers at working-scale values ``z``."""
        probs = category_probabilities(self.slopes, self.thresholds, z)
        codes = np.arange(self.spec.low, self.spec.high + 1)
        return probs @ codes

    def z_of(self, theta: np.ndarray) -> np.ndarray:
        """Working-scale value for latent θ (0-1), by the monotone anchor."""
        return np.interp(np.clip(theta, 0.0, 1.0), self.grid_theta, self.grid_z)


def category_probabilities(slopes: np.ndarray, thresholds: np.ndarray, z: np.ndarray) -> np.ndarray:
    """(n, J, K) answer-category probabilities of the ordered-probit items at ``z`` (n,)."""
    z = np.asarray(z, dtype=float)
    cumulative = stats.norm.cdf(thresholds[None, :, :] - slopes[None, :, None] * z[:, None, None])
    n, j = len(z), len(slopes)
    padded = np.concatenate([np.zeros((n, j, 1)), cumulative, np.ones((n, j, 1))], axis=2)
    return np.diff(padded, axis=2)


def _fit_item(
    answers: np.ndarray, proxy: np.ndarray, noise_var: float, spec: Scale
) -> tuple[float, np.ndarray]:
    """Slope and K-1 thresholds for one item (codes ``low..high``) on a latent proxy."""
    ok = np.isfinite(answers) & np.isfinite(proxy)
    codes = (answers[ok] - spec.low).astype(int)
    x = proxy[ok]
    present = np.unique(codes)
    k = spec.categories
    if len(present) < 2:
        # a constant item: put all mass on its one category
        thresholds = np.where(np.arange(k - 1) < present[0], -FAR, FAR).astype(float)
        return 0.0, thresholds
    ranks = np.searchsorted(present, codes)
    model = OrderedModel(ranks, x[:, None], distr="probit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = np.concatenate([[1.0], model.start_params[1:]])
        result = model.fit(start_params=start, method="bfgs", disp=False, maxiter=500)
    slope = float(result.params[0])
    cuts = model.transform_threshold_params(result.params)[1:-1]
    shrink = min(slope**2 * noise_var, MAX_SHRINK)
    scale = 1.0 / np.sqrt(1.0 - shrink)
    slope, cuts = slope * scale, cuts * scale
    thresholds = np.empty(k - 1)
    for boundary in range(k - 1):
        below = int(np.searchsorted(present, boundary, side="right"))  # present categories <= b
        if below == 0:
            thresholds[boundary] = -FAR
        elif below >= len(present):
            thresholds[boundary] = FAR
        else:
            thresholds[boundary] = cuts[below - 1]
    return slope, np.maximum.accumulate(thresholds)


def _fit_single_item(survey: Survey, name: str) -> ScaleFit:
    """A one-item scale: thresholds from the answer shares, reliability assumed."""
    spec = survey.codebook.scales[name]
    column = survey.items(name).to_numpy()[:, 0]
    answered = column[np.isfinite(column)]
    if answered.size < 2:
        raise ValueError(f"{survey.source}: scale {name!r} has fewer than two answers")
    share = (answered - spec.low) / (spec.high - spec.low)
    rho = SINGLE_ITEM_RELIABILITY
    m, s = float(share.mean()), float(np.sqrt(rho) * share.std(ddof=1))
    s = max(s, 0.02)
    b = np.sqrt(rho / (1 - rho))  # slope on a standard-normal trait u, Y* = b u + e
    counts = np.array([np.sum(answered == spec.low + k) for k in range(spec.categories)], float)
    cumulative = np.cumsum(counts)[:-1] / counts.sum()
    cuts_u = np.sqrt(1 + b**2) * stats.norm.ppf(np.clip(cumulative, 1e-9, 1 - 1e-9))
    cuts_u = np.where(cumulative <= 0, -FAR, np.where(cumulative >= 1, FAR, cuts_u))
    # on the working scale z = m + s u (a share of the range, as for multi-item scales)
    slope, thresholds = b / s, cuts_u + b * m / s
    item = ItemFit(
        item=spec.items[0],
        reversed=spec.items[0] in spec.reverse,
        slope=float(slope),
        thresholds=np.maximum.accumulate(thresholds),
        missing_rate=float(np.mean(~np.isfinite(column))),
        n=int(answered.size),
    )
    return _anchored(ScaleFit(name, spec, [item], rho, GRID, GRID, reliability_assumed=True))


def _anchored(fit: ScaleFit) -> ScaleFit:
    """The fit with its monotone anchor from the working scale to latent θ."""
    spec = fit.spec
    mean_answer = fit.expected_answers(GRID).mean(1)
    theta = (mean_answer - spec.low) / (spec.high - spec.low)
    theta = np.maximum.accumulate(theta)  # strictly monotone up to float noise
    theta[0], theta[-1] = min(theta[0], 0.0), max(theta[-1], 1.0)
    return ScaleFit(
        fit.scale, spec, fit.items, fit.reliability, GRID, theta, fit.reliability_assumed
    )


def _fit_scale(survey: Survey, name: str) -> ScaleFit:
    spec = survey.codebook.scales[name]
    if spec.single_item:
        return _fit_single_item(survey, name)
    answers = survey.items(name).to_numpy()
    rule = survey.codebook.scoring
    fits = []
    for j, item in enumerate(spec.items):
        rest = np.delete(answers, j, axis=1)
        t = (prorate(rest, rule.min_answered) - spec.low) / (spec.high - spec.low)
        rho = cronbach_alpha(rest)[0] if rest.shape[1] > 1 else 0.7
        rho = float(np.clip(rho if np.isfinite(rho) else 0.0, 0.05, 0.99))
        mean, var = np.nanmean(t), np.nanvar(t)
        proxy = mean + rho * (t - mean)
        slope, thresholds = _fit_item(answers[:, j], proxy, rho * (1 - rho) * var, spec)
        if slope <= 0:
            warnings.warn(
                f"{survey.source}: item {item!r} of scale {name!r} does not rise with the "
                "rest of the scale (slope ≤ 0); check its reverse coding",
                stacklevel=3,
            )
        column = answers[:, j]
        fits.append(
            ItemFit(
                item=item,
                reversed=item in spec.reverse,
                slope=max(slope, 1e-3),
                thresholds=thresholds,
                missing_rate=float(np.mean(~np.isfinite(column))),
                n=int(np.isfinite(column).sum()),
            )
        )
    return _anchored(ScaleFit(name, spec, fits, cronbach_alpha(answers)[0], GRID, GRID))


class MeasurementModel:
    """Ordered-probit measurement model from latent traits (0-1) to a codebook's items.

    Parameters
    ----------
    missing
        Draw missing answers at each item's observed rate (``True``) or answer
        every item (``False``).

    Attributes
    ----------
    codebook_ : Codebook
    scales_ : dict[str, ScaleFit]
        Fitted items of every scale that names a ``latent``.

    Examples
    --------
    >>> from workbench.survey import load_survey
    >>> survey = load_survey("examples/survey_synthetic.csv",
    ...                      "examples/codebook_synthetic.toml")
    >>> model = MeasurementModel().fit(survey)
    >>> latent = survey.data[["respondent", "wave"]].assign(belonging=0.6, confidence=0.5)
    >>> print(round(model.simulate_survey(latent, rng=0).scores()["belonging"].mean(), 1))
    3.4
    """

    def __init__(self, missing: bool = True) -> None:
        self.missing = missing

    def fit(self, survey: Survey) -> MeasurementModel:
        """Estimate every latent-linked scale's item parameters from ``survey`` (all waves)."""
        self.codebook_: Codebook = survey.codebook
        self.scales_: dict[str, ScaleFit] = {
            name: _fit_scale(survey, name)
            for name, spec in survey.codebook.scales.items()
            if spec.latent
        }
        if not self.scales_:
            raise ValueError(
                f"{survey.source}: no scale names a latent (belonging or confidence); "
                "add latent = ... to a [scales.NAME] table of the codebook"
            )
        return self

    @property
    def latents(self) -> dict[str, str]:
        """Latent trait -> scale name."""
        return {fit.spec.latent: name for name, fit in self.scales_.items()}

    def parameters(self) -> pd.DataFrame:
        """Fitted item parameters: scale, item, reversed, slope, thresholds, missing rate."""
        rows = []
        for name, fit in self.scales_.items():
            for item in fit.items:
                row = {
                    "scale": name,
                    "latent": fit.spec.latent,
                    "item": item.item,
                    "reversed": item.reversed,
                    "slope": item.slope,
                    "missing_rate": item.missing_rate,
                    "n": item.n,
                }
                for k, tau in enumerate(item.thresholds):
                    row[f"tau_{fit.spec.low + k}"] = tau
                rows.append(row)
        return pd.DataFrame(rows)

    def expected_score(self, scale: str, theta: np.ndarray) -> np.ndarray:
        """Expected mean-item scale score at latent θ (``low + θ(high − low)`` inside 0-1)."""
        fit = self.scales_[scale]
        return fit.expected_answers(fit.z_of(np.asarray(theta, dtype=float))).mean(1)

    def draw_answers(self, scale: str, theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """(n, J) raw answer codes (reverse-keyed items flipped back; NaN = missing)."""
        fit = self.scales_[scale]
        spec = fit.spec
        z = fit.z_of(np.asarray(theta, dtype=float))
        cumulative = stats.norm.cdf(
            fit.thresholds[None] - fit.slopes[None, :, None] * z[:, None, None]
        )
        u = rng.random((len(z), len(fit.items)))
        answers = spec.low + (u[:, :, None] > cumulative).sum(2).astype(float)
        flip = np.array([f.reversed for f in fit.items])
        answers[:, flip] = spec.low + spec.high - answers[:, flip]
        if self.missing:
            rates = np.array([f.missing_rate for f in fit.items])
            answers[rng.random(answers.shape) < rates] = np.nan
        return answers

    def simulate_survey(self, latent: pd.DataFrame, rng: RngLike = None) -> Survey:
        """A simulated survey in the fitted codebook from a table of latent traits.

        Parameters
        ----------
        latent
            One row per respondent × wave: ``respondent``, ``wave`` (a label of
            the codebook), one column per latent trait (``belonging``,
            ``confidence``; 0-1), and optionally the codebook's group columns and
            ``participated``, ``pair_id``, ``sessions_attended``.
        rng
            Seed or Generator (:func:`workbench.seeding.as_rng`).
        """
        rng = as_rng(rng)
        book = self.codebook_
        missing = [t for t in self.latents if t not in latent.columns]
        if missing:
            raise ValueError(f"latent table lacks columns {missing}")
        data = pd.DataFrame(
            {
                "respondent": latent["respondent"].astype(str).to_numpy(),
                "wave": latent["wave"].astype(str).to_numpy(),
            }
        )
        order = list(book.waves) or list(dict.fromkeys(data["wave"]))
        order += [w for w in dict.fromkeys(data["wave"]) if w not in order]
        data["wave"] = pd.Categorical(data["wave"], categories=order, ordered=True)
        for column in book.groups.columns:
            values = latent[column] if column in latent else pd.Series(pd.NA, index=latent.index)
            data[column] = values.astype("string").to_numpy()
        for role in book.program_columns:
            if role in latent:
                data[role] = latent[role].to_numpy()
        for item in book.items:  # items of scales without a latent stay unanswered
            data[item] = np.nan
        for name, spec in book.scales.items():
            if name in self.scales_:  # a subscale sharing these items is scored from them
                answers = self.draw_answers(name, latent[spec.latent].to_numpy(float), rng)
                for j, item in enumerate(spec.items):
                    data[item] = answers[:, j]
        return Survey(book, data, source="<simulated>")

    def latent_estimates(self, survey: Survey) -> pd.DataFrame:
        """Each respondent × wave's latent estimate (0-1): the prorated score as a share of the range.

        Unbiased for θ by the anchor (E[score | θ] = low + θ(high − low)), with
        measurement error; useful to start a simulated cohort where the real one started.
        """
        scores = survey.scores()
        out = scores[["respondent", "wave", *survey.group_columns]].copy()
        for name, fit in self.scales_.items():
            out[fit.spec.latent] = (scores[name] - fit.spec.low) / (fit.spec.high - fit.spec.low)
        return out
