"""Calibration: fit model parameters to observed summaries with honest uncertainty.

Examples
--------
>>> import workbench
>>> survey = workbench.load_survey("examples/survey_synthetic.csv",
...                                "examples/codebook_synthetic.toml")  # doctest: +SKIP
>>> scenario = workbench.load_scenario("scenarios/baseline.toml")  # doctest: +SKIP
>>> result = workbench.calibrate(scenario, survey=survey, budget=800)  # doctest: +SKIP
>>> print(result.report())  # doctest: +SKIP
"""

from workbench.calibration.core import CalibrationResult, calibrate
from workbench.calibration.emulator import Emulator
from workbench.calibration.survey_target import simulate_survey_for, survey_target
from workbench.calibration.target import DEFAULT_PARAMETERS, Parameter, Target, parse_parameter

__all__ = [
    "DEFAULT_PARAMETERS",
    "CalibrationResult",
    "Emulator",
    "Parameter",
    "Target",
    "calibrate",
    "parse_parameter",
    "simulate_survey_for",
    "survey_target",
]
