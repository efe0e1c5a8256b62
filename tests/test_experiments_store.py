"""The result store: resume after SIGINT and SIGKILL, failed runs, atomic batches, locks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.errors import WorkbenchError
from workbench.experiments import ResultStore, SweepError, load_results, sweep
from workbench.experiments.design import build_design
from workbench.experiments.runner import as_spec
from workbench.experiments.worker import RunTask, execute

ROOT = Path(__file__).resolve().parents[1]


def flaky(point: dict, seed: int) -> dict[str, pd.DataFrame]:
    """A model that fails at x = 3 (importable, so spawned workers can run it)."""
    if point["x"] == 3:
        raise RuntimeError(f"boom at x={point['x']}")
    value = point["x"] * 10.0 + seed % 1000
    return {
        "metrics": pd.DataFrame(
            {
                "week": [0, 1],
                "attribute": "all",
                "group": "all",
                "metric": "y",
                "value": [0.0, value],
            }
        )
    }


FLAKY = {"parameters": {"x": {"levels": [0, 1, 2, 3, 4, 5]}}, "replications": 3, "seed": 4}


def stored_run_ids(path: Path) -> list[str]:
    """Every successful run id in every batch on disk (duplicates would show here)."""
    ids: list[str] = []
    for batch in ResultStore(path).batches():
        table = pq.read_table(batch / "outcomes.parquet").to_pandas()
        ids += list(table.loc[table["status"] == "ok", "run_id"])
    return ids


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_run_is_recorded_and_the_rest_complete(tmp_path, workers) -> None:
    report = sweep(FLAKY, tmp_path / "s", model=flaky, workers=workers, progress=False)
    assert (report.completed, report.failed, report.failed_total) == (15, 3, 3)
    results = load_results(report.path)
    assert len(results.failures) == 3
    assert set(results.failures["point"]) == {3}
    assert results.failures["error"].str.startswith("RuntimeError: boom at x=3").all()
    assert "Traceback" in results.failures["traceback"].iloc[0]
    assert results.metrics["run_id"].nunique() == 15
    assert results.missing.empty
    # rerunning skips both the stored and the failed runs ...
    again = sweep(FLAKY, tmp_path / "s", model=flaky, workers=1, progress=False)
    assert (again.stored_before, again.completed, again.failed) == (15, 0, 0)
    # ... unless asked to retry the failures
    retry = sweep(FLAKY, tmp_path / "s", model=flaky, workers=1, progress=False, retry_failed=True)
    assert (retry.completed, retry.failed, retry.failed_total) == (0, 3, 3)
    assert sorted(stored_run_ids(report.path)) == sorted(set(stored_run_ids(report.path)))


def test_stored_values_are_what_the_model_returned(tmp_path) -> None:
    report = sweep(FLAKY, tmp_path / "s", model=flaky, workers=1, progress=False)
    results = load_results(report.path)
    design = build_design(as_spec(FLAKY, scenario_required=False)).runs
    last = results.metrics[results.metrics["week"] == 1].merge(design, on=["run_id", "point"])
    expected = last["x"] * 10.0 + last["seed"].astype("int64") % 1000
    assert (last["value"] == expected).all()
    assert list(results.metrics.columns[:3]) == ["run_id", "point", "replication"]


def test_a_write_that_fails_leaves_no_half_batch(tmp_path, monkeypatch) -> None:
    store_path = tmp_path / "s"
    sweep(FLAKY, store_path, model=flaky, workers=1, progress=False)
    store = ResultStore(store_path, flush_seconds=1e9)
    written: list[str] = []
    real = pq.write_table

    def failing(table, where, *args, **kwargs):
        written.append(str(where))
        if len(written) == 2:
            raise OSError("disk full")
        return real(table, where, *args, **kwargs)

    from workbench.experiments import store as store_module
    from workbench.experiments.worker import Outcome

    before = store.batches()
    monkeypatch.setattr(store_module.pq, "write_table", failing)
    with pytest.raises(OSError, match="disk full"), store.writing():
        store.add(Outcome("p000099-r0000", 99, 0, 1, tables=flaky({"x": 1}, 1)))
        store.add(Outcome("p000099-r0001", 99, 1, 1, tables={}, error="E: x"))
    assert store.batches() == before
    assert not list(store.batches_path.glob(".tmp-*"))
    assert not (store_path / ".lock").exists()


def test_leftovers_of_a_killed_writer_are_cleared(tmp_path) -> None:
    report = sweep(FLAKY, tmp_path / "s", model=flaky, workers=1, progress=False)
    store = ResultStore(report.path)
    (store.batches_path / ".tmp-b000009-deadbeef").mkdir()
    (store.batches_path / ".tmp-b000009-deadbeef" / "metrics.parquet").write_text("half")
    (report.path / ".lock").write_text(f"{socket.gethostname()} 999999999")  # a dead process
    again = sweep(FLAKY, report.path, model=flaky, workers=1, progress=False)
    assert again.stored_before == 15
    assert not list(store.batches_path.glob(".tmp-*"))
    assert len(load_results(report.path).metrics) == 30


def test_a_store_in_use_is_refused(tmp_path) -> None:
    report = sweep(FLAKY, tmp_path / "s", model=flaky, workers=1, progress=False)
    holder = ResultStore(report.path)  # another writer holds the lock
    with holder.writing(), pytest.raises(SweepError, match="in use by another sweep"):
        sweep(FLAKY, report.path, model=flaky, workers=1, progress=False)


def test_a_store_of_another_sweep_is_not_resumed(tmp_path) -> None:
    report = sweep(FLAKY, tmp_path / "s", model=flaky, workers=1, progress=False)
    other = {**FLAKY, "seed": 5}
    with pytest.raises(SweepError, match="holds a different sweep"):
        sweep(other, report.path, model=flaky, workers=1, progress=False)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(WorkbenchError, match="files the workbench did not write"):
        sweep(FLAKY, tmp_path / "busy", model=flaky, workers=1, progress=False)
    assert sorted(p.name for p in (tmp_path / "busy").iterdir()) == ["notes.txt"]


# -- killed part-way ---------------------------------------------------------------------
def write_sweep_file(folder: Path, replications: int) -> Path:
    path = folder / "sweep_kill.toml"
    path.write_text(
        f'base = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"\n'
        f"seed = 3\nreplications = {replications}\n"
        '[fixed]\n"cohort.size" = 12\n"levers.weeks" = 2\n'
        '[parameters]\n"levers.mentor_training" = { levels = [0.0, 1.0] }\n'
        '"matching.policy" = { levels = ["random", "optimal"] }\n',
        encoding="utf-8",
    )
    return path


def start_sweep(sweep_file: Path, out: Path, workers: int = 1) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "workbench.cli", "sweep", str(sweep_file), "--out", str(out)]
    command += ["--workers", str(workers), "--quiet", "--flush-seconds", "0.2"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return (
        Path(f"/proc/{pid}").exists()
        and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    )


def wait_for_batches(process: subprocess.Popen, out: Path, count: int = 1) -> None:
    """Block until the running sweep has written ``count`` batches (it flushes every 0.2 s)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if (out / "batches").is_dir() and len(ResultStore(out).batches()) >= count:
            return
        if process.poll() is not None:
            pytest.fail(f"the sweep ended before it could be interrupted: {process.stderr.read()}")
        time.sleep(0.05)
    process.kill()
    pytest.fail("the sweep wrote no batch")


@pytest.mark.parametrize(
    ("how", "workers"),
    [(signal.SIGINT, 1), (signal.SIGKILL, 1), (signal.SIGINT, 2), (signal.SIGKILL, 2)],
    ids=["SIGINT-serial", "SIGKILL-serial", "SIGINT-pool", "SIGKILL-pool"],
)
def test_a_sweep_killed_part_way_resumes_to_exactly_the_full_set(tmp_path, how, workers) -> None:
    sweep_file = write_sweep_file(tmp_path, replications=30)  # 120 runs, a few seconds
    out = tmp_path / "store"
    process = start_sweep(sweep_file, out, workers)
    wait_for_batches(process, out)
    pool = [pid for pid in children(process.pid) if pid != process.pid]
    process.send_signal(how)
    _, stderr = process.communicate(timeout=120)
    if how == signal.SIGINT:
        assert process.returncode == 130
        assert "interrupted" in stderr and "Traceback" not in stderr
        assert not (out / ".lock").exists()
    else:
        assert process.returncode == -signal.SIGKILL
    if workers > 1 and Path("/proc").is_dir():  # pool workers do not outlive the sweep
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in pool) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in pool)
    partial = stored_run_ids(out)
    assert 0 < len(partial) < 120
    assert len(partial) == len(set(partial))

    report = sweep(sweep_file, out, workers=1, progress=False)
    assert report.stored_before == len(partial)
    assert report.completed == 120 - len(partial)
    every = stored_run_ids(out)
    assert len(every) == len(set(every)) == 120
    resumed = load_results(out)
    assert list(resumed.run["run_id"]) == list(resumed.design["run_id"])
    keys = ["run_id", "week", "attribute", "group", "metric"]
    assert not resumed.metrics.duplicated(keys).any()  # no run stored twice
    if how == signal.SIGKILL and workers == 1:  # the resumed store equals an uninterrupted one
        fresh = load_results(sweep(sweep_file, tmp_path / "whole", workers=1, progress=False))
        for name in ("metrics", "gaps", "run", "students", "links"):
            pd.testing.assert_frame_equal(resumed.tables[name], fresh.tables[name])


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds pool workers through /proc")
def test_a_lost_pool_worker_ends_the_sweep_cleanly_and_it_resumes(tmp_path) -> None:
    sweep_file = write_sweep_file(tmp_path, replications=30)
    out = tmp_path / "store"
    process = start_sweep(sweep_file, out, workers=2)
    wait_for_batches(process, out)
    workers = [pid for pid in children(process.pid) if "spawn_main" in cmdline(pid)]
    assert workers
    os.kill(workers[0], signal.SIGKILL)
    _, stderr = process.communicate(timeout=120)
    if process.returncode == 0:  # the sweep finished before the kill landed
        pytest.skip("the sweep completed before its worker was killed")
    assert process.returncode == 2
    assert "a worker process died" in stderr and "run the same command again" in stderr
    assert "Traceback" not in stderr
    partial = stored_run_ids(out)
    assert len(partial) == len(set(partial))
    report = sweep(sweep_file, out, workers=2, progress=False)
    assert report.stored_before == len(partial)
    every = stored_run_ids(out)
    assert len(every) == len(set(every)) == 120


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.permutations(range(12)), cuts=st.sets(st.integers(1, 11), max_size=5))
def test_any_completion_order_and_batching_loads_the_same_tables(tmp_path, order, cuts) -> None:
    """Whatever order runs finish in and however they are batched, loading gives one table."""
    design = build_design(as_spec({**FLAKY, "replications": 2}, scenario_required=False))
    outcomes = []
    for run, point, replication, seed, x in design.runs[
        ["run_id", "point", "replication", "seed", "x"]
    ].itertuples(index=False):
        task = RunTask(run, int(point), int(replication), int(seed), {"x": int(x)})
        outcomes.append(execute(flaky, task))
    folder = tmp_path / f"s{len(list(tmp_path.iterdir()))}"
    store = ResultStore(folder, flush_seconds=1e9)
    store.create({"sweep_hash": "h", "model": "m", "parameters": ["x"]}, design.runs)
    with store.writing():
        for k, index in enumerate(order, start=1):
            store.add(outcomes[index])
            if k in cuts:
                store.flush()
    assert len(store.batches()) == len(cuts | {12})
    metrics = store.read_table("metrics")
    expected = pd.concat(
        [
            o.tables["metrics"].assign(run_id=o.run_id, point=o.point, replication=o.replication)
            for o in outcomes
            if o.ok
        ],
        ignore_index=True,
    )[metrics.columns]
    pd.testing.assert_frame_equal(metrics, expected, check_dtype=False)
    stored, failed = store.status()
    assert len(stored) == 10 and set(failed) == {"p000003-r0000", "p000003-r0001"}
