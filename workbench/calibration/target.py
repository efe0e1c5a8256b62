"""What a calibration fits: parameters with prior ranges and a target (simulator -> summaries).

A :class:`Target` is generic: any function ``(params: dict, seed: int) -> summary
vector`` together with the observed summary vector and its sampling covariance.
The survey target (:mod:`workbench.calibration.survey_target`) is one such
function; the validation work can build another from published effect sizes.

Examples
--------
>>> import numpy as np
>>> target = Target(
...     simulate=lambda p, seed: np.array([p["a"] + np.random.default_rng(seed).normal(0, 0.1)]),
...     observed=np.array([0.3]), covariance=np.array([[0.01]]), names=["a_mean"])
>>> target.simulate({"a": 0.5}, 1).shape
(1,)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from workbench.errors import WorkbenchError

DEFAULT_PARAMETERS: tuple[str, ...] = (
    "dynamics.belonging_gain=0:0.06",
    "dynamics.cross_group_bonus=0:2",
    "dynamics.drift=0:0.1",
    "dynamics.barrier_penalty=0:3",
)


@dataclass(frozen=True)
class Parameter:
    """One calibrated parameter: a dotted scenario key (or any name) and a uniform prior range."""

    name: str
    low: float
    high: float

    def __post_init__(self) -> None:
        if not np.isfinite(self.low) or not np.isfinite(self.high) or self.high <= self.low:
            raise WorkbenchError(
                f"parameter {self.name!r}: range [{self.low}, {self.high}] must have low < high"
            )

    @property
    def width(self) -> float:
        return self.high - self.low


def parse_parameter(text: str) -> Parameter:
    """``"dynamics.drift=0:0.1"`` -> :class:`Parameter`.

    Examples
    --------
    >>> parse_parameter("dynamics.drift=0:0.1")
    Parameter(name='dynamics.drift', low=0.0, high=0.1)
    """
    name, _, bounds = text.partition("=")
    low, _, high = bounds.partition(":")
    try:
        return Parameter(name.strip(), float(low), float(high))
    except ValueError:
        raise WorkbenchError(
            f"parameter {text!r}: write NAME=LOW:HIGH, e.g. dynamics.drift=0:0.1"
        ) from None


@dataclass(frozen=True)
class Target:
    """Observed summaries and a stochastic simulator of the same summaries.

    Attributes
    ----------
    simulate : callable
        ``(params: dict[str, float], seed: int) -> (k,) array``; must be
        deterministic given the seed.
    observed : (k,) array
    covariance : (k, k) array
        Sampling covariance of ``observed`` (e.g. a bootstrap over respondents).
    names : list[str]
        One label per summary.
    discrepancy : (k,) array
        Model-discrepancy variance added to every summary (default 0).
    noise : {"observed", "simulator"}
        What the gap between the observed summaries and the simulator's mean
        varies by. ``"observed"`` (default): ``covariance``, the data's own
        sampling error (e.g. a published effect's standard error; the simulator
        mean is compared with it). ``"simulator"``: the simulator's run-to-run
        covariance, estimated from the replicate seeds of the design — right
        when the observed data are one realisation of the same finite cohort
        the simulator draws (a survey of the simulated cohort's size); the
        observed covariance then only sets a floor on each variance.
    info : dict
        What built the target. From :func:`~workbench.calibration.survey_target.survey_target`:
        ``scenario`` (the scenario shaped like the surveyed cohort, as it is
        simulated: its size, group shares and starting levels; use it to
        project the fitted model), ``measurement`` (the fitted measurement
        model), ``spec``, ``respondents``, ``participants_only``, ``anchored``,
        ``groups`` (the group columns compared), ``ignored_groups`` (survey
        group columns the scenario lacks) and ``unrecorded_attributes``
        (scenario attributes the survey lacks; when anchored, their starting
        shifts do not apply).
    """

    simulate: Callable[[dict[str, float], int], np.ndarray]
    observed: np.ndarray
    covariance: np.ndarray
    names: Sequence[str]
    discrepancy: np.ndarray | None = None
    noise: str = "observed"
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        observed = np.asarray(self.observed, dtype=float)
        covariance = np.atleast_2d(np.asarray(self.covariance, dtype=float))
        k = observed.size
        if covariance.shape != (k, k):
            raise WorkbenchError(f"covariance must be {k}x{k}, got {covariance.shape}")
        if self.noise not in ("observed", "simulator"):
            raise WorkbenchError(f"noise must be 'observed' or 'simulator', got {self.noise!r}")
        if len(self.names) != k:
            raise WorkbenchError(f"{len(self.names)} names for {k} summaries")
        if not np.all(np.isfinite(observed)):
            bad = [n for n, v in zip(self.names, observed, strict=True) if not np.isfinite(v)]
            raise WorkbenchError(f"observed summaries {bad} are missing (too few respondents?)")
        discrepancy = (
            np.zeros(k) if self.discrepancy is None else np.asarray(self.discrepancy, float)
        )
        object.__setattr__(self, "observed", observed)
        object.__setattr__(self, "covariance", covariance)
        object.__setattr__(self, "names", list(self.names))
        object.__setattr__(self, "discrepancy", discrepancy)

    def __repr__(self) -> str:
        names = list(self.names)
        shown = ", ".join(names[:3]) + (f", … {len(names) - 3} more" if len(names) > 3 else "")
        return f"<Target: {len(names)} summaries ({shown}); noise {self.noise!r}>"

    def _repr_html_(self) -> str:
        from workbench.calibration.display import target_card

        return target_card(self)

    def subset(self, keep: np.ndarray) -> Target:
        """The target restricted to some summaries (the rest held out)."""
        keep = np.asarray(keep, dtype=bool)
        function = self.simulate
        return Target(
            simulate=lambda params, seed: np.asarray(function(params, seed))[keep],
            observed=self.observed[keep],
            covariance=self.covariance[np.ix_(keep, keep)],
            names=[n for n, k in zip(self.names, keep, strict=True) if k],
            discrepancy=self.discrepancy[keep],
            noise=self.noise,
            info=self.info,
        )
