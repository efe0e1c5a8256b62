"""Pattern-oriented validation: does the model reproduce what mentoring research measured?

Cases (published findings, as data in ``cases.toml``) are reproduced as study
designs on simulated students; each study's statistic is computed the same
way, and its estimate over replications, with its 95% interval, is compared
with the published interval (verdict pass / uncertain / miss). Every check
is either a ``calibration`` check (its statistic, as a
:class:`workbench.calibration.Target` from :func:`validation_target`,
calibrated the model's default parameters by history matching) or a
``held_out`` one (never used in fitting).

Examples
--------
>>> from workbench.validation import load_cases, run_validation
>>> book = load_cases()
>>> result = run_validation(book, quick=True, progress=False)  # doctest: +SKIP
>>> result.cases[["case", "verdict"]]  # doctest: +SKIP
"""

from workbench.validation.calibration_target import validation_target
from workbench.validation.cases import Case, CaseBook, CaseFileError, Check, load_cases
from workbench.validation.report import console_table, markdown_report, write_report
from workbench.validation.runner import (
    ValidationResult,
    run_validation,
    summary_statistics,
)
from workbench.validation.statistics import (
    STATISTICS,
    early_closure_share,
    effect_size,
    first_mentor_identity,
    hedges_g,
    identity_impact,
    match_history,
    mean_match_weeks,
    risk_closure_difference,
    similarity_quality_rho,
    standardised_change,
    subgroup_impact,
)
from workbench.validation.verdicts import interval_verdict, mean_interval

__all__ = [
    "STATISTICS",
    "Case",
    "CaseBook",
    "CaseFileError",
    "Check",
    "ValidationResult",
    "console_table",
    "early_closure_share",
    "effect_size",
    "first_mentor_identity",
    "hedges_g",
    "identity_impact",
    "interval_verdict",
    "load_cases",
    "markdown_report",
    "match_history",
    "mean_interval",
    "mean_match_weeks",
    "risk_closure_difference",
    "run_validation",
    "similarity_quality_rho",
    "standardised_change",
    "subgroup_impact",
    "summary_statistics",
    "validation_target",
    "write_report",
]
