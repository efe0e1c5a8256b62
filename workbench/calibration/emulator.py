"""Gaussian-process emulators: one scikit-learn GP per summary statistic.

Inputs are parameters scaled to the unit cube; each GP has an anisotropic RBF
kernel (one length scale per parameter, so irrelevant parameters get long
ones) plus a white-noise term for the simulator's seed-to-seed noise.
Predictions return the mean and the variance of the *mean* simulator output
(the white noise is not part of the emulator's uncertainty).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x = rng.random((40, 2)); y = np.column_stack([x[:, 0] ** 2, x[:, 1]])
>>> mean, var = Emulator(rng=0).fit(x, y).predict(np.array([[0.5, 0.5]]))
>>> np.round(mean, 2)
array([[0.25, 0.5 ]])
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from threadpoolctl import threadpool_limits

from workbench.renamed import renamed
from workbench.seeding import RngLike, as_rng


class Emulator:
    """Independent GP regressors, one per output column.

    Parameters
    ----------
    restarts
        Optimiser restarts of each GP's kernel hyper-parameters.
    rng
        Seed of the restarts (:func:`workbench.seeding.as_rng`). scikit-learn
        takes 32-bit seeds: an int below 2**32 is passed as it is, anything
        else (a larger int, a SeedSequence, a Generator) gives one.
    warm_start
        A fitted emulator of the same outputs whose kernels start the optimiser
        (history-matching waves refit on more runs).
    random_state
        Deprecated name of ``rng`` (scikit-learn's); kept for one release.

    Notes
    -----
    Fitting runs with one BLAS thread: for the small matrices involved, threads
    cost more than they save (7x slower on two cores).
    """

    def __init__(
        self,
        restarts: int = 0,
        rng: RngLike = 0,
        warm_start: Emulator | None = None,
        *,
        random_state: int | None = None,
    ) -> None:
        self.restarts = restarts
        self.rng = renamed("Emulator", "random_state", "rng", random_state, rng, default=0)
        self.warm_start = warm_start
        self._sklearn_seed = _sklearn_seed(self.rng)

    def fit(self, x: np.ndarray, y: np.ndarray) -> Emulator:
        """Fit on unit-cube inputs ``x`` (n, d) and outputs ``y`` (n, k)."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        d = x.shape[1]
        self.models_: list[GaussianProcessRegressor] = []
        self.noise_: list[float] = []
        previous = getattr(self.warm_start, "models_", None)
        for k, column in enumerate(y.T):
            kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(
                length_scale=np.full(d, 0.5), length_scale_bounds=(0.03, 50.0)
            ) + WhiteKernel(0.05, (1e-7, 1.0))
            if previous is not None and len(previous) == y.shape[1]:
                kernel = kernel.clone_with_theta(previous[k].kernel_.theta)
            model = GaussianProcessRegressor(
                kernel=kernel,
                normalize_y=True,
                n_restarts_optimizer=self.restarts,
                random_state=self._sklearn_seed,
            )
            with warnings.catch_warnings(), threadpool_limits(1):
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(x, column)
            spread = float(np.std(column))  # normalize_y divides by this (1 when constant)
            scale = (spread if spread > 0 else 1.0) ** 2
            self.models_.append(model)
            self.noise_.append(float(model.kernel_.k2.noise_level) * scale)
        return self

    def predict(self, x: np.ndarray, chunk: int = 5000) -> tuple[np.ndarray, np.ndarray]:
        """Emulated mean (m, k) and its variance (m, k) at unit-cube points ``x``."""
        x = np.asarray(x, dtype=float)
        means = np.empty((len(x), len(self.models_)))
        variances = np.empty_like(means)
        with threadpool_limits(1):
            self._predict_into(x, chunk, means, variances)
        return means, variances

    def predict_mean(self, x: np.ndarray) -> np.ndarray:
        """Emulated mean (m, k) only: much cheaper than :meth:`predict` (no variance)."""
        x = np.asarray(x, dtype=float)
        with threadpool_limits(1):
            return np.column_stack([model.predict(x) for model in self.models_])

    def _predict_into(
        self, x: np.ndarray, chunk: int, means: np.ndarray, variances: np.ndarray
    ) -> None:
        for start in range(0, len(x), chunk):
            part = x[start : start + chunk]
            for k, model in enumerate(self.models_):
                mean, sd = model.predict(part, return_std=True)
                means[start : start + chunk, k] = mean
                variances[start : start + chunk, k] = np.maximum(sd**2 - self.noise_[k], 1e-12)

    def length_scales(self) -> np.ndarray:
        """(k, d) fitted RBF length scales (long = the output ignores that parameter)."""
        return np.vstack([np.atleast_1d(m.kernel_.k1.k2.length_scale) for m in self.models_])


def _sklearn_seed(rng: RngLike) -> int:
    """A scikit-learn ``random_state`` (an int below 2**32) for an ``rng`` argument.

    >>> _sklearn_seed(7), _sklearn_seed(2**40) == _sklearn_seed(2**40) < 2**32
    (7, True)
    """
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool) and 0 <= rng < 2**32:
        return int(rng)
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool) and rng >= 2**32:
        return int(np.random.SeedSequence(int(rng)).generate_state(1)[0])
    return int(as_rng(rng).integers(2**32))
