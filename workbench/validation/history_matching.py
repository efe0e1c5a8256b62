"""History matching with Gaussian-process emulators: which parameters are not implausible?

The standard recipe for calibrating a stochastic simulator on summary
statistics (Craig et al. 1997; Vernon et al. 2010; Andrianakis et al. 2015):

1. run the simulator at a space-filling design (Latin hypercube, :mod:`scipy.stats.qmc`);
2. fit one emulator per statistic: a scikit-learn
   :class:`~sklearn.gaussian_process.GaussianProcessRegressor` (anisotropic RBF
   plus a white-noise term for the simulator's own noise);
3. for any candidate parameter vector, the implausibility of each target is
   ``I = d(E[f(x)], target) / sqrt(var_target + var_emulator(x))`` where ``d`` is
   the distance to the published point figure, or, for a directional
   finding, how far the prediction lies on the wrong side of its bound;
4. keep candidates whose largest implausibility is below 3 (Pukelsheim's
   three-sigma rule): the not-ruled-out-yet (NROY) space; refocus the next wave
   of runs inside it.

Among NROY candidates, ``exp(−½ Σ I²)`` weights give a surrogate posterior
(a Gaussian likelihood on the emulated statistics with a flat prior on the
box), whose mode and weighted intervals summarise the fit.

Examples
--------
>>> import numpy as np
>>> targets = [Target("y", target=0.5, sd=0.02)]
>>> hm = HistoryMatcher({"x": (0.0, 1.0)}, targets, random_state=0)
>>> X = hm.design(20)
>>> hm = hm.fit(X, {"y": X[:, 0] ** 2})
>>> best = hm.posterior(n_candidates=4000).mode
>>> round(float(best["x"]), 2)
0.71
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

CUTOFF = 3.0


@dataclass(frozen=True)
class Target:
    """A published figure: a point ``target`` and/or one-sided bounds, and its uncertainty ``sd``."""

    name: str
    sd: float
    target: float | None = None
    low: float | None = None
    high: float | None = None

    def distance(self, mean: np.ndarray) -> np.ndarray:
        """Distance of emulated means from the figure (0 on the right side of a bound)."""
        mean = np.asarray(mean, dtype=float)
        if self.target is not None:
            return np.abs(mean - self.target)
        low = -np.inf if self.low is None else self.low
        high = np.inf if self.high is None else self.high
        return np.maximum(np.maximum(low - mean, mean - high), 0.0)


@dataclass(frozen=True)
class Posterior:
    """NROY candidates with their weights, and summaries."""

    samples: pd.DataFrame  # parameters, max_implausibility, weight
    nroy_share: float
    mode: pd.Series
    mean: pd.Series
    intervals: pd.DataFrame  # parameter -> low, high (weighted 2.5/97.5 %)


class HistoryMatcher:
    """Emulate summary statistics over a parameter box and rule out implausible regions.

    Parameters
    ----------
    bounds
        ``{parameter: (low, high)}``, the prior box.
    targets
        The published figures to match, one per emulated statistic.
    cutoff
        Largest implausibility a candidate may have (default 3).
    random_state
        Seed of the designs and candidate samples.

    Attributes
    ----------
    emulators_ : dict[str, GaussianProcessRegressor]
        Fitted per statistic, on parameters scaled to the unit cube.
    """

    def __init__(
        self,
        bounds: dict[str, tuple[float, float]],
        targets: list[Target],
        cutoff: float = CUTOFF,
        random_state: int | None = None,
    ) -> None:
        self.bounds = bounds
        self.targets = targets
        self.cutoff = cutoff
        self.random_state = random_state

    @property
    def names(self) -> list[str]:
        return list(self.bounds)

    def _scale(self, X: np.ndarray) -> np.ndarray:
        low = np.array([b[0] for b in self.bounds.values()])
        high = np.array([b[1] for b in self.bounds.values()])
        return (np.asarray(X, dtype=float) - low) / (high - low)

    def _unscale(self, U: np.ndarray) -> np.ndarray:
        low = np.array([b[0] for b in self.bounds.values()])
        high = np.array([b[1] for b in self.bounds.values()])
        return low + np.asarray(U) * (high - low)

    def design(self, n: int, seed_offset: int = 0) -> np.ndarray:
        """A scrambled Latin-hypercube design of ``n`` points in the box."""
        seed = None if self.random_state is None else self.random_state + seed_offset
        sampler = qmc.LatinHypercube(d=len(self.bounds), rng=np.random.default_rng(seed))
        return self._unscale(sampler.random(n))

    def fit(self, X: np.ndarray, Y: dict[str, np.ndarray]) -> HistoryMatcher:
        """Fit one GP emulator per target on runs ``X`` (n, d) with statistics ``Y[name]`` (n,)."""
        U = self._scale(X)
        d = U.shape[1]
        self.emulators_: dict[str, GaussianProcessRegressor] = {}
        for target in self.targets:
            y = np.asarray(Y[target.name], dtype=float)
            ok = np.isfinite(y)
            kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(
                length_scale=np.full(d, 0.5), length_scale_bounds=(0.05, 20.0)
            ) + WhiteKernel(0.05, (1e-6, 1.0))
            gp = GaussianProcessRegressor(
                kernel=kernel,
                normalize_y=True,
                n_restarts_optimizer=2,
                random_state=self.random_state,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                self.emulators_[target.name] = gp.fit(U[ok], y[ok])
        return self

    def predict(self, X: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Emulated mean and variance of every statistic at ``X``.

        The variance excludes the fitted white-noise term: the implausibility
        compares the simulator's *expected* statistic with the figure.
        """
        U = self._scale(X)
        means, variances = {}, {}
        for name, gp in self.emulators_.items():
            mean, sd = gp.predict(U, return_std=True)
            scale = np.asarray(getattr(gp, "_y_train_std", 1.0), dtype=float)
            noise = gp.kernel_.k2.noise_level * float(scale) ** 2
            means[name] = mean
            variances[name] = np.maximum(sd**2 - noise, 0.0)
        return means, variances

    def implausibility(self, X: np.ndarray) -> pd.DataFrame:
        """Implausibility of every target at ``X`` (one column per target)."""
        means, variances = self.predict(X)
        return pd.DataFrame(
            {
                t.name: t.distance(means[t.name]) / np.sqrt(t.sd**2 + variances[t.name])
                for t in self.targets
            }
        )

    def score(self, X: np.ndarray, Y: dict[str, np.ndarray]) -> pd.Series:
        """Leave-in R² of each emulator on runs ``(X, Y)`` (a check of emulator quality)."""
        U = self._scale(X)
        out = {}
        for name, gp in self.emulators_.items():
            y = np.asarray(Y[name], dtype=float)
            ok = np.isfinite(y)
            out[name] = gp.score(U[ok], y[ok])
        return pd.Series(out)

    def candidates(
        self, n: int, within: np.ndarray | None = None, seed_offset: int = 1
    ) -> np.ndarray:
        """``n`` space-filling candidates in the box, or in the bounding box of points ``within``."""
        X = self.design(n, seed_offset=seed_offset)
        if within is not None and len(within):
            low, high = within.min(0), within.max(0)
            X = low + self._scale(X) * (high - low)
        return X

    def posterior(self, n_candidates: int = 100_000, within: np.ndarray | None = None) -> Posterior:
        """NROY candidates, surrogate-posterior weights, mode, mean and 95% intervals."""
        X = self.candidates(n_candidates, within)
        imp = self.implausibility(X)
        worst = imp.max(axis=1).to_numpy()
        keep = worst < self.cutoff
        if not keep.any():  # nothing survives: report the least implausible tenth
            keep = worst <= np.quantile(worst, 0.001)
        log_weight = -0.5 * (imp.to_numpy() ** 2).sum(1)
        samples = pd.DataFrame(X[keep], columns=self.names)
        samples["max_implausibility"] = worst[keep]
        weight = np.exp(log_weight[keep] - log_weight[keep].max())
        samples["weight"] = weight / weight.sum()
        mode = samples.iloc[int(np.argmax(weight))][self.names]
        mean = pd.Series(
            {
                name: float(np.average(samples[name], weights=samples["weight"]))
                for name in self.names
            }
        )
        intervals = pd.DataFrame(
            {
                name: _weighted_quantiles(samples[name].to_numpy(), samples["weight"].to_numpy())
                for name in self.names
            },
            index=["low", "high"],
        ).T
        return Posterior(
            samples=samples,
            nroy_share=float((worst < self.cutoff).mean()),
            mode=mode,
            mean=mean,
            intervals=intervals,
        )


def _weighted_quantiles(
    values: np.ndarray, weights: np.ndarray, level: float = 0.95
) -> list[float]:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    cumulative /= cumulative[-1]
    tails = [(1 - level) / 2, (1 + level) / 2]
    return [
        float(values[order][min(np.searchsorted(cumulative, q), len(values) - 1)]) for q in tails
    ]


def nroy_fraction(implausibility: pd.DataFrame, cutoff: float = CUTOFF) -> float:
    """Share of candidates whose largest implausibility is below ``cutoff``."""
    return float((implausibility.max(axis=1) < cutoff).mean()) if len(implausibility) else math.nan
