"""Pattern-oriented validation: does the model reproduce what mentoring research measured?

Cases (published findings, as data in ``cases.toml``) are reproduced as study
designs on simulated students; each study's statistic is computed the same
way and compared with the published figure. The same statistics, as a
:class:`workbench.calibration.Target` (:func:`validation_target`), calibrate
the model's default parameters by history matching.

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
    hedges_g,
    match_history,
    similarity_quality_rho,
    subgroup_impact,
)

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
    "hedges_g",
    "load_cases",
    "markdown_report",
    "match_history",
    "run_validation",
    "similarity_quality_rho",
    "subgroup_impact",
    "summary_statistics",
    "validation_target",
    "write_report",
]
