"""Experiments at scale: designs, executors, a crash-safe result store, analysis.

The jobs of NetLogo's BehaviorSpace and the EMA Workbench for this model:
sweep any scenario parameter over a grid, a Latin hypercube or a Sobol'
design with seeded replications; run serially, on local processes or on a
Dask cluster; store every run as it finishes in Parquet, resumably; then
compare policies with bootstrap intervals and measure Sobol' sensitivity.

Examples
--------
>>> import workbench  # doctest: +SKIP
>>> report = workbench.sweep("scenarios/sweep_policies.toml", out="runs/policies")  # doctest: +SKIP
>>> table = workbench.compare("runs/policies", metric="belonging", by="matching.policy")  # doctest: +SKIP
"""

from workbench.experiments.analysis import (
    SweepResults,
    compare,
    load_results,
    sensitivity,
)
from workbench.experiments.design import Design, build_design
from workbench.experiments.executors import (
    DaskExecutor,
    Executor,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
)
from workbench.experiments.models import ScenarioModel, ishigami, ishigami_indices
from workbench.experiments.runner import SweepReport, sweep
from workbench.experiments.spec import Parameter, SweepError, SweepSpec, load_sweep
from workbench.experiments.store import ResultStore

__all__ = [
    "DaskExecutor",
    "Design",
    "Executor",
    "Parameter",
    "ProcessExecutor",
    "ResultStore",
    "ScenarioModel",
    "SerialExecutor",
    "SweepError",
    "SweepReport",
    "SweepResults",
    "SweepSpec",
    "build_design",
    "compare",
    "ishigami",
    "ishigami_indices",
    "load_results",
    "load_sweep",
    "make_executor",
    "sensitivity",
    "sweep",
]
