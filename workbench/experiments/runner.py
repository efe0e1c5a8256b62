"""Run a sweep: validate, connect, create or resume the store, run what is missing.

Order matters for "nothing half-made": the sweep file and every design point
are validated, the executor is started (a cluster that does not answer fails
here), and only then is the store created. Rerunning the same command resumes:
runs already stored are skipped, so a sweep stopped by Ctrl-C, a kill or a lost
worker ends with every run stored exactly once.

Examples
--------
>>> import tempfile
>>> from workbench.experiments.models import ishigami
>>> spec = {"parameters": {f"x{i}": {"range": [-3.14, 3.14], "steps": 2} for i in (1, 2, 3)}}
>>> report = sweep(spec, tempfile.mkdtemp() + "/ish", model=ishigami, workers=1, progress=False)
>>> report.completed, report.failed
(8, 0)
"""

from __future__ import annotations

import datetime as dt
import math
import platform
import time
from collections.abc import Callable, Mapping
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.experiments.design import Design, build_design, sobol_problem
from workbench.experiments.executors import Executor, make_executor
from workbench.experiments.models import Model, ScenarioModel, model_name
from workbench.experiments.spec import SweepError, SweepSpec, load_sweep
from workbench.experiments.store import ResultStore
from workbench.experiments.worker import Outcome, RunTask, execute
from workbench.output import check_out_folder


@dataclass(frozen=True)
class SweepReport:
    """What a call to :func:`sweep` did.

    Attributes
    ----------
    path : Path
        The result store.
    runs : int
        Runs in the whole design.
    stored_before : int
        Runs already stored when this call started (a resumed sweep).
    completed, failed : int
        Runs this call stored, and runs this call recorded as failed.
    failed_total : int
        Runs recorded as failed and not since stored.
    seconds : float
        Wall time of this call.
    executor : str
        Where the runs ran.
    """

    path: Path
    runs: int
    stored_before: int
    completed: int
    failed: int
    failed_total: int
    seconds: float
    executor: str

    def load(self, tables: tuple[str, ...] | None = None):
        """The stored results (see :func:`workbench.load_results`)."""
        from workbench.experiments.analysis import load_results

        return load_results(self.path, tables=tables)

    def _repr_html_(self) -> str:
        from workbench.display import card

        facts = [
            f"{self.completed} runs stored now and {self.stored_before} before, of "
            f"{self.runs}; {self.failed_total} failed",
            f"{self.seconds:.1f} s on {self.executor}",
            f"store: {self.path} (report.load() or workbench.load_results(path) reads it)",
        ]
        return card("Sweep finished" if self.missing == 0 else "Sweep incomplete", facts)

    @property
    def missing(self) -> int:
        """Runs of the design neither stored nor recorded as failed."""
        return self.runs - self.stored_before - self.completed - self.failed_total


def as_spec(
    spec: SweepSpec | Mapping[str, Any] | str | Path, scenario_required: bool = True
) -> SweepSpec:
    """A :class:`SweepSpec` from a spec, a dict (TOML layout) or a sweep file path."""
    if isinstance(spec, SweepSpec):
        return spec
    if isinstance(spec, Mapping):
        return SweepSpec.from_dict(
            dict(spec), source="<sweep>", folder=Path.cwd(), scenario_required=scenario_required
        )
    if isinstance(spec, str | Path):
        return load_sweep(spec)
    raise SweepError(
        f"sweep: expected a sweep file, a dict or a SweepSpec (got {type(spec).__name__})"
    )


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for package in ("mentorship-workbench", "mesa", "numpy", "pandas", "pyarrow", "scipy", "SALib"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def manifest_for(spec: SweepSpec, design: Design, model: Model) -> dict[str, Any]:
    """The manifest recorded with a new store."""
    from workbench import __version__

    scenario = spec.scenario
    manifest: dict[str, Any] = {
        "name": spec.name,
        "description": spec.description,
        "source": spec.source,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "version": __version__,
        "versions": _versions(),
        "model": model_name(model),
        "sweep_hash": spec.hash(),
        "sweep": spec.describe(),
        "root_seed": spec.seed,
        "points": len(design.points),
        "replications": spec.replications,
        "runs": len(design.runs),
        "parameters": [p.name for p in spec.parameters],
        "scenario": None if scenario is None else scenario.to_dict(),
        "scenario_name": None if scenario is None else scenario.name,
        "scenario_hash": None if scenario is None else scenario.hash(),
    }
    if spec.design.kind == "sobol":
        manifest["sobol_problem"] = sobol_problem(spec)
    return manifest


def _tasks(design: Design, skip: set[str]) -> list[RunTask]:
    runs = design.runs
    return [
        RunTask(
            run_id=str(run),
            point=int(point),
            replication=int(rep),
            seed=int(seed),
            values=design.values[int(point)],
        )
        for run, point, rep, seed in zip(
            runs["run_id"], runs["point"], runs["replication"], runs["seed"], strict=True
        )
        if run not in skip
    ]


def sweep(
    spec: SweepSpec | Mapping[str, Any] | str | Path,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    executor: Executor | None = None,
    model: Model | None = None,
    progress: bool = True,
    retry_failed: bool = False,
    timeout: float = 10.0,
    flush_seconds: float = 2.0,
    announce: Callable[[str], None] | None = None,
) -> SweepReport:
    """Run every run of a sweep that is not stored yet, storing each as it finishes.

    Parameters
    ----------
    spec
        A sweep file (see :mod:`workbench.experiments.spec`), its content as a
        dict, or a :class:`SweepSpec`.
    out
        Result store folder (default ``runs/<sweep name>``). If it holds this
        sweep already, the sweep resumes.
    workers
        Local worker processes (default: every core); ``1`` runs serially here.
    scheduler
        Address of a Dask scheduler (``tcp://host:port``) to run on instead.
    executor
        An :class:`~workbench.experiments.executors.Executor` to use instead of
        ``workers``/``scheduler``.
    model
        An importable ``model(point, seed) -> {name: DataFrame}``; default: the
        sweep's scenario through :func:`workbench.simulation.simulate`.
    progress
        Show a progress bar (tqdm; the widget version in Jupyter).
    retry_failed
        Rerun runs recorded as failed (default: keep their record and skip them).
    timeout
        Seconds to wait for a Dask scheduler to answer.
    flush_seconds
        Longest a finished run waits in memory before it is written.
    announce
        Called with one line (run count, memory of the design) before any run
        starts, e.g. ``print``.

    Returns
    -------
    SweepReport
    """
    start = time.perf_counter()
    spec = as_spec(spec, scenario_required=model is None)
    if model is None:
        model = ScenarioModel(spec.scenario)
    executor = executor or make_executor(workers, scheduler, timeout)  # checks the numbers
    check_flush_seconds(flush_seconds)
    design = build_design(spec)
    store = ResultStore(out or Path("runs") / spec.name, flush_seconds=flush_seconds)
    if store.exists or store.looks_like_a_store:
        if store.restore_manifest(spec.hash(), model_name(model)) and announce is not None:
            announce(f"{store.manifest_path}: was lost; restored from the copy in design.parquet")
        store.check_same_sweep(spec.hash(), model_name(model))
        for batch in store.batches():  # a damaged batch is refused before a cluster is called
            store.check_batch(batch)
    else:
        check_out_folder(store.path, "sweep")  # refused before a cluster is contacted
    lost: list[BaseException] = []
    with executor:
        if announce is not None:  # connected: the long part starts now
            announce(estimate(design, store))
        if not store.exists:
            store.create(manifest_for(spec, design, model), design.runs)
        with store.writing():
            stored, failed = store.status()
            skip = set(stored) | (set() if retry_failed else set(failed))
            tasks = _tasks(design, skip)
            completed = failures = 0
            bar = _progress(spec.name, len(design.runs), len(design.runs) - len(tasks), progress)
            bar.set_postfix(failed=len(failed), refresh=False)
            try:
                with closing(executor.imap_unordered(execute, tasks, model)) as results:
                    for task, outcome, error in results:
                        if isinstance(error, BrokenProcessPool):
                            raise error
                        if error is not None and executor.lost(error):
                            lost.append(error)  # not recorded: the rerun redoes it
                            break
                        if error is not None:  # e.g. a Dask worker lost too often
                            outcome = _lost(task, error)
                        store.add(outcome)
                        if outcome.ok:
                            completed += 1
                            failed.pop(task.run_id, None)
                        else:
                            failures += 1
                            failed[task.run_id] = outcome.error or ""
                        bar.update(1)
                        bar.set_postfix(failed=len(failed), refresh=False)
            except BrokenProcessPool as error:
                # from a run's result, or from submitting the next run to the broken pool
                raise SweepError(
                    f"{store.path}: a worker process died ({error}); finished runs are "
                    "stored; run the same command again to resume"
                ) from None
            finally:
                bar.close()
    if lost:
        reason = f"{type(lost[0]).__name__}: {lost[0]}".splitlines()[0]
        raise SweepError(
            f"{store.path}: lost {executor.describe()} ({reason}); {completed} finished run(s) "
            "are stored and the runs in flight are not; run the same command again to resume"
        )
    return SweepReport(
        path=store.path,
        runs=len(design.runs),
        stored_before=len(stored),
        completed=completed,
        failed=failures,
        failed_total=len(failed),
        seconds=time.perf_counter() - start,
        executor=executor.describe(),
    )


#: Longest a finished run may wait in memory before it is written, seconds.
MAX_FLUSH_SECONDS = 3600.0


def check_flush_seconds(seconds: float) -> None:
    """Refuse a flush interval that is not a finite number in [0, MAX_FLUSH_SECONDS]."""
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not math.isfinite(seconds)
        or not 0 <= seconds <= MAX_FLUSH_SECONDS
    ):
        raise SweepError(
            f"--flush-seconds {seconds}: must be a number of seconds from 0 to "
            f"{MAX_FLUSH_SECONDS:g}"
        )


def estimate(design: Design, store: ResultStore) -> str:
    """One line: how many runs the sweep holds and how much memory its design takes."""
    runs, points = len(design.runs), len(design.points)
    size = design.runs.memory_usage(deep=True).sum() + design.points.memory_usage(deep=True).sum()
    return (
        f"{store.path}: {runs:,} runs ({points:,} points x {runs // max(points, 1):,} "
        f"replications); the design takes {size / 1e6:,.1f} MB in memory"
    )


def _lost(task: RunTask, error: BaseException) -> Outcome:
    message = f"{type(error).__name__}: {error}".splitlines()[0]
    return Outcome(
        task.run_id, task.point, task.replication, task.seed, error=message, traceback=repr(error)
    )


def _progress(name: str, total: int, initial: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(
        total=total, initial=initial, desc=name, unit="run", disable=not enabled, smoothing=0.1
    )
