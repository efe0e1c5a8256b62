"""Calibration: fit model parameters to observed summaries with honest uncertainty.

Examples
--------
>>> from workbench.calibration import Parameter, Target, calibrate  # doctest: +SKIP
"""

from workbench.calibration.core import CalibrationResult, calibrate
from workbench.calibration.emulator import Emulator
from workbench.calibration.target import Parameter, Target, parse_parameter

__all__ = ["CalibrationResult", "Emulator", "Parameter", "Target", "calibrate", "parse_parameter"]
