"""Real survey data: codebooks, loading, scoring, reliability, groups, measurement, comparison.

Examples
--------
>>> from workbench.survey import load_survey, reliability_table
>>> survey = load_survey("examples/survey_synthetic.csv",
...                      "examples/codebook_synthetic.toml")  # doctest: +SKIP
>>> reliability_table(survey)  # doctest: +SKIP
"""

from workbench.survey.codebook import Codebook, Scale, SurveyError, load_codebook, parse_codebook
from workbench.survey.groups import group_gaps, group_means, reference_levels
from workbench.survey.loading import Survey, load_survey, survey_from_frame
from workbench.survey.reliability import (
    cronbach_alpha,
    duplicated_items,
    item_statistics,
    mcdonald_omega,
    omega_from_loadings,
    omega_interval,
    one_factor_loadings,
    reliability_table,
)
from workbench.survey.scoring import pomp, prorate, score

__all__ = [
    "Codebook",
    "Scale",
    "Survey",
    "SurveyError",
    "cronbach_alpha",
    "duplicated_items",
    "group_gaps",
    "group_means",
    "item_statistics",
    "load_codebook",
    "load_survey",
    "mcdonald_omega",
    "omega_from_loadings",
    "omega_interval",
    "one_factor_loadings",
    "parse_codebook",
    "pomp",
    "prorate",
    "reference_levels",
    "reliability_table",
    "score",
    "survey_from_frame",
]
