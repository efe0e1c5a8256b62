"""Mentorship Workbench: simulate, match and evaluate inclusive peer-mentorship programs.

The first tier of the public API is what this module exports (``__all__``): the
verbs and types most work needs. Everything else lives in a public subpackage
(:data:`SUBPACKAGES`, e.g. ``workbench.experiments.SweepResults``,
``workbench.matching.MatchResult``); modules not listed there are internal.

Nothing is imported until it is used (PEP 562), so ``import workbench`` and
``workbench --help`` stay fast; ``workbench.plots`` and the other subpackages
load on first attribute access.

Examples
--------
>>> import workbench
>>> scenario = workbench.load_scenario("scenarios/baseline.toml")
>>> result = workbench.run_scenario(
...     scenario.with_overrides({"cohort.size": 40, "levers.weeks": 4}), replications=2
... )
>>> sorted(result.tables())
['gaps', 'links', 'metrics', 'run', 'students']
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

from workbench._version import __version__

#: First-tier names and the module each lives in.
_PUBLIC: dict[str, str] = {
    "Scenario": "workbench.scenario",
    "load_scenario": "workbench.scenario",
    "MentorshipModel": "workbench.model",
    "Student": "workbench.agents",
    "run_scenario": "workbench.simulation",
    "RunResult": "workbench.simulation",
    "end_values": "workbench.simulation",
    "load_roster": "workbench.roster",
    "match": "workbench.matching.api",
    "sweep": "workbench.experiments",
    "load_results": "workbench.experiments",
    "compare": "workbench.experiments",
    "sensitivity": "workbench.experiments",
    "load_survey": "workbench.survey",
    "calibrate": "workbench.calibration",
    "run_validation": "workbench.validation",
    "PlausibleWorlds": "workbench.worlds",
    "verdict": "workbench.worlds",
    "WorkbenchError": "workbench.errors",
}

#: Public subpackages and modules, loaded on first use as ``workbench.<name>``.
SUBPACKAGES: tuple[str, ...] = (
    "calibration",
    "cohort",
    "columns",
    "experiments",
    "matching",
    "pairlist",
    "plots",
    "roster",
    "roster_preview",
    "scenario",
    "simulation",
    "survey",
    "validation",
    "widgets",
    "worlds",
)

#: Names that were public in 0.1, kept for one release: ``old name -> (module, name)``.
_MOVED: dict[str, tuple[str, str]] = {
    "simulate": ("workbench.simulation", "simulate"),
    "stack_designs": ("workbench.simulation", "stack_designs"),
    "Coordinator": ("workbench.agents", "Coordinator"),
    "CalibrationResult": ("workbench.calibration", "CalibrationResult"),
    "Parameter": ("workbench.calibration", "Parameter"),
    "survey_target": ("workbench.calibration", "survey_target"),
    "build_roster": ("workbench.cohort", "build_roster"),
    "generate_roster": ("workbench.cohort", "generate_roster"),
    "SweepError": ("workbench.experiments", "SweepError"),
    "SweepReport": ("workbench.experiments", "SweepReport"),
    "SweepResults": ("workbench.experiments", "SweepResults"),
    "load_sweep": ("workbench.experiments", "load_sweep"),
    "MATCHING_POLICIES": ("workbench.matching", "POLICIES"),
    "match_roster": ("workbench.matching", "match_roster"),
    "MatchResult": ("workbench.matching.api", "MatchResult"),
    "compare_policies": ("workbench.matching.api", "compare_policies"),
    "Roster": ("workbench.roster", "Roster"),
    "RosterError": ("workbench.roster", "RosterError"),
    "ScenarioError": ("workbench.scenario", "ScenarioError"),
    "Survey": ("workbench.survey", "Survey"),
    "SurveyError": ("workbench.survey", "SurveyError"),
    "load_codebook": ("workbench.survey", "load_codebook"),
    "ValidationResult": ("workbench.validation", "ValidationResult"),
    "load_cases": ("workbench.validation", "load_cases"),
    "validation_target": ("workbench.validation", "validation_target"),
}

__all__ = sorted(_PUBLIC) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
    elif name in SUBPACKAGES:
        value = importlib.import_module(f"workbench.{name}")
    elif name in _MOVED:
        module, attribute = _MOVED[name]
        warnings.warn(
            f"workbench.{name} moved to {module}.{attribute}; the old name goes in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(module), attribute)
    else:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, *SUBPACKAGES])


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from workbench import (  # noqa: F401
        calibration,
        cohort,
        columns,
        experiments,
        matching,
        pairlist,
        plots,
        roster,
        roster_preview,
        scenario,
        simulation,
        survey,
        validation,
        widgets,
        worlds,
    )
    from workbench.agents import Student  # noqa: F401
    from workbench.calibration import calibrate  # noqa: F401
    from workbench.errors import WorkbenchError  # noqa: F401
    from workbench.experiments import compare, load_results, sensitivity, sweep  # noqa: F401
    from workbench.matching.api import match  # noqa: F401
    from workbench.model import MentorshipModel  # noqa: F401
    from workbench.roster import load_roster  # noqa: F401
    from workbench.scenario import Scenario, load_scenario  # noqa: F401
    from workbench.simulation import RunResult, end_values, run_scenario  # noqa: F401
    from workbench.survey import load_survey  # noqa: F401
    from workbench.validation import run_validation  # noqa: F401
    from workbench.worlds import PlausibleWorlds, verdict  # noqa: F401
