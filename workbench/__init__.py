"""Mentorship Workbench: simulate, match and evaluate inclusive peer-mentorship programs.

The public API is what this module exports; everything else is internal.
"""

from importlib.metadata import PackageNotFoundError, version

from workbench.agents import Coordinator, Student
from workbench.calibration import CalibrationResult, Parameter, calibrate, survey_target
from workbench.cohort import build_roster, generate_roster
from workbench.errors import WorkbenchError
from workbench.experiments import (
    SweepError,
    SweepReport,
    SweepResults,
    compare,
    load_results,
    load_sweep,
    sensitivity,
    sweep,
)
from workbench.matching import POLICIES as MATCHING_POLICIES
from workbench.matching import match_roster
from workbench.matching.api import MatchResult, compare_policies, match
from workbench.model import MentorshipModel
from workbench.roster import Roster, RosterError, load_roster
from workbench.scenario import Scenario, ScenarioError, load_scenario
from workbench.simulation import RunResult, end_values, run_scenario, simulate, stack_designs
from workbench.survey import Survey, SurveyError, load_codebook, load_survey
from workbench.validation import ValidationResult, load_cases, run_validation, validation_target

try:
    __version__ = version("mentorship-workbench")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

__all__ = [
    "SweepError",
    "SweepReport",
    "SweepResults",
    "compare",
    "load_results",
    "load_sweep",
    "sensitivity",
    "sweep",
    "CalibrationResult",
    "Coordinator",
    "MentorshipModel",
    "MATCHING_POLICIES",
    "MatchResult",
    "Parameter",
    "Roster",
    "RunResult",
    "RosterError",
    "Scenario",
    "ScenarioError",
    "Student",
    "Survey",
    "SurveyError",
    "WorkbenchError",
    "__version__",
    "build_roster",
    "calibrate",
    "compare_policies",
    "generate_roster",
    "load_codebook",
    "load_roster",
    "load_scenario",
    "load_survey",
    "match",
    "match_roster",
    "end_values",
    "run_scenario",
    "simulate",
    "stack_designs",
    "survey_target",
    "ValidationResult",
    "load_cases",
    "run_validation",
    "validation_target",
]
