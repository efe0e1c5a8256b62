"""What a worker does with one run: call the model, label its tables, never raise.

:func:`execute` lives in an importable module on purpose: with the ``spawn``
start method (the one ``import mesa`` selects, and the only one on Windows and
macOS notebooks) a worker process imports the function by name, so it must
not be defined in a notebook cell.

Examples
--------
>>> from workbench.experiments.models import ishigami
>>> outcome = execute(ishigami, RunTask("p000000-r0000", 0, 0, 1, {"x1": 1.0, "x2": 0.0, "x3": 0.0}))
>>> outcome.ok, round(float(outcome.tables["metrics"]["value"].iloc[0]), 3)
(True, 0.841)
"""

from __future__ import annotations

import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class RunTask:
    """One run to do: its id, design point, replication, seed and parameter values."""

    run_id: str
    point: int
    replication: int
    seed: int
    values: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What came back from one run: its tables or its error.

    Tables travel as the model made them; the store labels them with
    ``run_id, point, replication`` and converts them to Arrow many runs at a
    time, which costs far less than doing it run by run.
    """

    run_id: str
    point: int
    replication: int
    seed: int
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    error: str | None = None
    traceback: str | None = None
    seconds: float = 0.0
    worker: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


def execute(
    model: Callable[[dict[str, Any], int], Mapping[str, pd.DataFrame]], task: RunTask
) -> Outcome:
    """Run ``model(task.values, task.seed)``; an exception becomes a failed :class:`Outcome`."""
    start = time.perf_counter()
    worker = f"{os.uname().nodename}:{os.getpid()}" if hasattr(os, "uname") else str(os.getpid())
    try:
        tables = dict(model(dict(task.values), task.seed))
    except Exception as error:  # a failing run is recorded, not fatal
        message = (
            f"{type(error).__name__}: {error}".splitlines()[0]
            if str(error)
            else type(error).__name__
        )
        return Outcome(
            task.run_id,
            task.point,
            task.replication,
            task.seed,
            error=message,
            traceback=traceback.format_exc(),
            seconds=time.perf_counter() - start,
            worker=worker,
        )
    return Outcome(
        task.run_id,
        task.point,
        task.replication,
        task.seed,
        tables=tables,
        seconds=time.perf_counter() - start,
        worker=worker,
    )


def start_worker(parent: int | None = None) -> None:
    """Pool-worker initializer: one BLAS thread; Ctrl-C to the parent; exit with the parent.

    Ctrl-C reaches the whole process group; the parent handles it (stores what
    has finished, then stops the pool), so workers ignore it. A parent killed
    outright (SIGKILL) cannot stop its pool, so each worker watches its parent
    and exits when it is gone rather than linger as an orphan.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # one BLAS/OpenMP thread per worker: the pool already uses every core, and
    # threaded BLAS on small matrices only adds contention between workers
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    # the parent's pid comes from the parent: a worker still starting when the
    # parent is killed would otherwise read its new parent (init) and stay
    parent = os.getppid() if parent is None else parent

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()
