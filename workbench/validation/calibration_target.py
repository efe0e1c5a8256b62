"""The validation cases as a calibration target: parameters in, the cases' statistics out.

:func:`validation_target` wraps the cases into a
:class:`workbench.calibration.Target`, so the generic history-matching
calibration (:func:`workbench.calibration.calibrate`) can find Dynamics
defaults under which the cases pass together. One simulator call is one
replication: every arm simulated with the call's seed.

How each check becomes a summary with an observed value and a variance:

- a check with a published point figure (``target``) contributes its raw
  statistic, observed = the figure, variance = ``sd²``;
- a directional check (only ``low`` or only ``high``) contributes its
  *shortfall*, how far the statistic lies on the wrong side of the bound
  (0 when on the right side), observed = 0, variance = ``sd²``;
- a replication where the statistic cannot be computed (e.g. no student
  in a subgroup) counts as 3 ``sd`` away: the pattern was not reproduced.

Examples
--------
>>> target = validation_target(cohort_size=120)
>>> target.names[:2]
['overall_effect.g', 'cross_age_supervision.g_high_supervision']
>>> target.simulate({"dynamics.drift": 0.02}, 1).shape  # doctest: +SKIP
(10,)
"""

from __future__ import annotations

import math

import numpy as np

from workbench.calibration import Target
from workbench.validation.cases import Case, CaseBook, Check, load_cases
from workbench.validation.runner import arm_scenarios, instrument_for, replication_values

MISSING_SDS = 3.0


def summary_value(check: Check, value: float) -> float:
    """The calibration summary of one check's figure (see the module docstring)."""
    if check.target is not None:
        if not math.isfinite(value):
            return check.target + MISSING_SDS * check.sd
        return value
    if not math.isfinite(value):
        return MISSING_SDS * check.sd
    return check.distance(value)


def cases_of_role(book: CaseBook, role: str | None) -> list[Case]:
    """The book's cases keeping only checks of ``role`` (all with ``None``); empty cases dropped."""
    if role is None:
        return list(book.cases)
    kept = []
    for case in book.cases:
        checks = [check for check in case.checks if check.role == role]
        if checks:
            kept.append(case.model_copy(update={"checks": checks}))
    return kept


def validation_target(
    book: CaseBook | None = None,
    cohort_size: int = 300,
    latent: bool = False,
    role: str | None = None,
) -> Target:
    """A calibration target whose summaries are the validation checks.

    Parameters
    ----------
    book
        The cases (default: the packaged case file).
    cohort_size
        Students per simulated arm.
    latent
        Use latent traits instead of the case file's survey scale scores.
    role
        Only checks of this role (``"calibration"``: what fitting may use; only
        their arms are simulated); ``None``: every check (held-out ones should
        then be passed to ``calibrate(holdout=...)``).

    Parameter names passed to ``simulate`` are Dynamics fields, optionally
    prefixed ``dynamics.`` (as :func:`workbench.calibration.parse_parameter` writes them).
    """
    book = book or load_cases()
    cases = cases_of_role(book, role)
    checks = [(case, check) for case in cases for check in case.checks]
    instrument = instrument_for(book, latent)

    def simulate(params: dict[str, float], seed: int) -> np.ndarray:
        dynamics = {name.removeprefix("dynamics."): value for name, value in params.items()}
        scenarios = arm_scenarios(book, cohort_size, dynamics, cases=cases)
        values = replication_values(book, scenarios, seed, cases, instrument=instrument)
        return np.array(
            [summary_value(check, values[(case.id, check.id)]) for case, check in checks]
        )

    observed = np.array([0.0 if check.target is None else check.target for _, check in checks])
    return Target(
        simulate=simulate,
        observed=observed,
        covariance=np.diag([check.sd**2 for _, check in checks]),
        names=[f"{case.id}.{check.id}" for case, check in checks],
        info={
            "cohort_size": cohort_size,
            "source": "workbench validation cases"
            + ("" if role is None else f" (checks of role {role!r})"),
            "measurement": "latent" if instrument is None else instrument.describe(),
        },
    )
