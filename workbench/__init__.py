"""Mentorship Workbench: simulate, match and evaluate inclusive peer-mentorship programs.

The public API is what this module exports; everything else is internal.
"""

from importlib.metadata import PackageNotFoundError, version

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
from workbench.model import MentorshipModel
from workbench.roster import Roster, RosterError, load_roster
from workbench.scenario import Scenario, ScenarioError, load_scenario
from workbench.simulation import RunResult, run_scenario, simulate

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
    "MentorshipModel",
    "Roster",
    "RunResult",
    "RosterError",
    "Scenario",
    "ScenarioError",
    "WorkbenchError",
    "__version__",
    "build_roster",
    "generate_roster",
    "load_roster",
    "load_scenario",
    "run_scenario",
    "simulate",
]
