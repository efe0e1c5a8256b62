"""Executors: serial, a local process pool and a Dask cluster give identical result tables."""

from __future__ import annotations

import socket

import pandas as pd
import pytest

from workbench.cli import main
from workbench.experiments import (
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    SweepError,
    load_results,
    make_executor,
    sweep,
)
from workbench.experiments.runner import as_spec
from workbench.simulation import simulate

SPEC = {
    "base": "scenarios/baseline.toml",
    "seed": 17,
    "replications": 3,
    "fixed": {"cohort.size": 40, "levers.weeks": 6},
    "parameters": {
        "matching.policy": {"levels": ["random", "cross_group"]},
        "levers.mentor_training": {"levels": [0.2, 0.9]},
    },
}
TABLES = ("metrics", "gaps", "run", "students", "links")


def test_serial_processes_and_dask_give_identical_tables(tmp_path) -> None:
    distributed = pytest.importorskip("distributed")
    serial = load_results(sweep(SPEC, tmp_path / "serial", workers=1, progress=False))
    pool = load_results(sweep(SPEC, tmp_path / "pool", workers=2, progress=False))
    with distributed.LocalCluster(
        host="127.0.0.1", n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None
    ) as cluster:
        report = sweep(SPEC, tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False)
    assert report.executor.startswith("dask (2 workers)")
    on_dask = load_results(report)
    assert len(serial.run) == 12
    for name in TABLES:
        pd.testing.assert_frame_equal(serial.tables[name], pool.tables[name])
        pd.testing.assert_frame_equal(serial.tables[name], on_dask.tables[name])
    assert serial.outcomes["worker"].nunique() == 1
    assert pool.outcomes["worker"].nunique() >= 1


def test_a_stored_run_is_exactly_workbench_simulate(tmp_path) -> None:
    results = load_results(sweep(SPEC, tmp_path / "s", workers=1, progress=False))
    spec = as_spec(SPEC)
    row = results.design.iloc[7]
    point = {p.name: row[p.name] for p in spec.parameters}
    direct = simulate(spec.scenario.with_overrides(point), seed=int(row["seed"]))
    stored = results.metrics[results.metrics["run_id"] == row["run_id"]]
    stored = stored.drop(columns=["run_id", "point", "replication"]).reset_index(drop=True)
    expected = direct.metrics.drop(columns=["replication"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(stored, expected)
    assert results.run.loc[7, "seed"] == row["seed"]
    assert results.run.loc[7, "scenario_hash"] == spec.scenario.with_overrides(point).hash()


def test_make_executor_picks_the_backend() -> None:
    assert isinstance(make_executor(1), SerialExecutor)
    assert isinstance(make_executor(2), ProcessExecutor)
    assert make_executor(None).workers >= 1
    assert isinstance(make_executor(scheduler="tcp://127.0.0.1:8786"), DaskExecutor)
    with pytest.raises(SweepError, match="not both"):
        make_executor(2, scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(SweepError, match="at least 1"):
        make_executor(0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_scheduler_that_does_not_answer_is_one_line_and_no_store(tmp_path, capsys) -> None:
    sweep_file = tmp_path / "sweep_small.toml"
    sweep_file.write_text('[parameters]\n"levers.weeks" = { levels = [2] }\n')
    out = tmp_path / "store"
    address = f"tcp://127.0.0.1:{free_port()}"
    code = main(
        ["sweep", str(sweep_file), "--scheduler", address, "--timeout", "1", "--out", str(out)]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith(
        f"workbench sweep: error: --scheduler {address}: no Dask scheduler answered within 1 s"
    )
    assert "\n" not in err
    assert not out.exists()
