"""Resume trusts only what reads: damaged batches, lost manifests, stale locks, racing creators.

Every test works on a real store in ``tmp_path``; the lock and race tests use real
processes. Each one reproduces a finding of the reliability review (issue 14) that
the store before this change got wrong.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from workbench.cli import main
from workbench.experiments import ResultStore, SweepError, load_results, sweep
from workbench.experiments import store as store_module
from workbench.experiments.design import build_design
from workbench.experiments.executors import SerialExecutor
from workbench.experiments.models import ishigami
from workbench.experiments.runner import as_spec, manifest_for
from workbench.output import MARKER

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def linear(point: dict, seed: int) -> dict[str, pd.DataFrame]:
    """A cheap importable model: two weeks of one metric."""
    value = point["x"] * 10.0 + seed % 1000
    frame = pd.DataFrame(
        {"week": [0, 1], "attribute": "all", "group": "all", "metric": "y", "value": [0.0, value]}
    )
    return {"metrics": frame, "gaps": frame.rename(columns={"value": "gap"})}


SPEC = {"parameters": {"x": {"levels": [0, 1, 2, 3]}}, "replications": 3, "seed": 4}


def small_store(path: Path, batches: int = 3) -> Path:
    """A finished 12-run store written in ``batches`` batches."""
    store = ResultStore(path, flush_seconds=1e9, flush_runs=12 // batches)
    spec = as_spec(SPEC, scenario_required=False)
    design = build_design(spec)
    store.create(manifest_for(spec, design, linear), design.runs)
    from workbench.experiments.runner import _tasks
    from workbench.experiments.worker import execute

    with store.writing():
        for task in _tasks(design, set()):
            store.add(execute(linear, task))
    assert len(store.batches()) == batches
    return path


def resume(path: Path):
    return sweep(SPEC, path, model=linear, workers=1, progress=False)


def tables(path: Path) -> dict[str, pd.DataFrame]:
    results = load_results(path)
    return {name: results.tables[name] for name in ("metrics", "gaps")}


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


# -- damaged batches -----------------------------------------------------------------------
@pytest.mark.parametrize("table", ["metrics", "outcomes"])
def test_a_truncated_table_makes_its_batch_named_not_trusted(tmp_path, table, capsys) -> None:
    path = small_store(tmp_path / "s")
    reference = tables(path)
    last = ResultStore(path).batches()[-1]
    (last / f"{table}.parquet").write_bytes(b"")  # as `truncate -s 0` after a crash
    with pytest.raises(SweepError) as error:
        resume(path)
    message = str(error.value)
    assert message.startswith(f"{last}: damaged batch ({table}.parquet")
    assert "move it out of the store" in message and "\n" not in message
    # compare and sensitivity (through load_results) say the same in one line, exit 2
    assert main(["compare", str(path), "--metric", "y"]) == 2
    err = capsys.readouterr().err.strip()
    assert "damaged batch" in err and "\n" not in err and "Traceback" not in err
    assert main(["sensitivity", str(path), "--metric", "y"]) == 2
    err = capsys.readouterr().err.strip()
    assert "damaged batch" in err and "\n" not in err
    # doing what the message says: its runs are redone, and the store is whole again
    os.rename(last, path / f"damaged-{last.name}")
    report = resume(path)
    assert (report.stored_before, report.completed) == (8, 4)
    assert_same(tables(path), reference)


def test_a_deleted_table_file_makes_its_batch_damaged(tmp_path) -> None:
    path = small_store(tmp_path / "s")
    first = ResultStore(path).batches()[0]
    (first / "gaps.parquet").unlink()
    with pytest.raises(SweepError, match=r"damaged batch \(gaps.parquet: missing\)"):
        load_results(path)


# -- the manifest --------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["deleted", "truncated"])
def test_a_lost_manifest_is_restored_by_the_same_sweep_and_batches_kept(tmp_path, how) -> None:
    path = small_store(tmp_path / "s")
    reference = tables(path)
    manifest = path / "manifest.json"
    if how == "deleted":
        manifest.unlink()
    else:
        manifest.write_text(manifest.read_text()[:40])
    with pytest.raises(SweepError) as error:
        load_results(path)
    message = str(error.value)
    assert "run the same workbench sweep command again to restore it" in message
    assert "remove" not in message and "delete" not in message and "\n" not in message
    # another sweep never adopts the store
    with pytest.raises(SweepError):
        sweep({**SPEC, "seed": 5}, path, model=linear, workers=1, progress=False)
    report = resume(path)
    assert (report.stored_before, report.completed) == (12, 0)
    assert json.loads(manifest.read_text())["sweep_hash"] == as_spec(SPEC, False).hash()
    assert_same(tables(path), reference)


def test_a_store_without_a_manifest_copy_says_how_to_keep_its_batches(tmp_path) -> None:
    path = small_store(tmp_path / "s")
    design = pq.read_table(path / "design.parquet").replace_schema_metadata(None)
    pq.write_table(design, path / "design.parquet")  # as a store from before the copy
    (path / "manifest.json").unlink()
    with pytest.raises(SweepError) as error:
        resume(path)
    message = str(error.value)
    assert "the batches are intact" in message and f"mv {path} {path}.old" in message
    assert len(ResultStore(path).batches()) == 3


# -- the lock ------------------------------------------------------------------------------
def test_a_lock_naming_a_reused_pid_is_stale(tmp_path) -> None:
    """After a container restart the PID in the lock belongs to a new, live process."""
    path = small_store(tmp_path / "s")
    live = os.getpid()  # alive, on this host: what the old liveness test trusted
    (path / ".lock").write_text(f"{socket.gethostname()} {live}")
    assert resume(path).stored_before == 12
    (path / ".lock").write_text(
        json.dumps({"host": socket.gethostname(), "pid": live, "start": "1", "boot_id": "x"})
    )
    assert resume(path).stored_before == 12
    assert not (path / ".lock").exists()


def test_without_flock_the_start_time_tells_a_live_holder_from_a_reused_pid(
    tmp_path, monkeypatch
) -> None:
    path = small_store(tmp_path / "s")
    monkeypatch.setattr(store_module, "fcntl", None)
    me = store_module._me()
    (path / ".lock").write_text(json.dumps(me))
    with pytest.raises(SweepError, match="in use by another sweep"):
        resume(path)
    (path / ".lock").write_text(json.dumps({**me, "start": str(int(me["start"]) - 1)}))
    assert resume(path).stored_before == 12


HOLD = textwrap.dedent(
    """
    import sys, time
    from workbench.experiments.store import ResultStore
    with ResultStore(sys.argv[1]).writing():
        print("locked", flush=True)
        time.sleep(600)
    """
)


def test_a_store_held_by_a_live_sweep_is_refused_with_how_to_clear_it(tmp_path) -> None:
    path = small_store(tmp_path / "s")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], env=ENV, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(SweepError) as error:
            resume(path)
        message = str(error.value)
        assert f"process {holder.pid} on {socket.gethostname()}" in message
        assert f"delete {path / '.lock'}" in message
    finally:
        holder.kill()
        holder.wait()
    # killed outright: the kernel dropped its flock, so the store resumes at once
    assert resume(path).stored_before == 12


# -- creating a store ----------------------------------------------------------------------
CREATE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from workbench.errors import WorkbenchError
    from workbench.experiments.design import build_design
    from workbench.experiments.runner import as_spec, manifest_for
    from workbench.experiments.store import ResultStore
    from workbench.experiments.models import ishigami
    spec = as_spec({"parameters": {"x1": {"levels": [0.0, 1.0]}}}, scenario_required=False)
    design = build_design(spec)
    manifest = manifest_for(spec, design, ishigami)
    go = Path(sys.argv[2])
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.001)
    try:
        ResultStore(sys.argv[1]).create(manifest, design.runs)
    except WorkbenchError as error:
        print(error)
        sys.exit(2)
    """
)


def test_two_sweeps_creating_one_store_give_one_clean_refusal(tmp_path) -> None:
    for attempt in range(4):
        out, go = tmp_path / f"store{attempt}", tmp_path / f"go{attempt}"
        racers = [
            subprocess.Popen(
                [sys.executable, "-c", CREATE, str(out), str(go)],
                env=ENV,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        try:
            for racer in racers:  # both have imported everything and wait for the go file
                assert racer.stdout.readline().strip() == "ready"
            go.touch()
            results = [(r.wait(timeout=120), *r.communicate()) for r in racers]
        finally:  # a failed or timed-out attempt leaves no racer polling for its go file
            for racer in racers:
                if racer.poll() is None:
                    racer.kill()
                    racer.wait()
        codes = sorted(code for code, _, _ in results)
        assert codes == [0, 2], results
        loser = next(out_ for code, out_, _ in results if code == 2)
        assert "another sweep created this store at the same moment" in loser
        assert all("Traceback" not in err for _, _, err in results)
        assert ResultStore(out).manifest()["points"] == 2
        assert sorted(p.name for p in tmp_path.glob(f".store{attempt}*")) == []


def test_a_creation_killed_part_way_is_swept_and_a_store_carries_a_marker(tmp_path) -> None:
    out = tmp_path / "s"
    leftover = tmp_path / ".s.999999999.deadbeef.tmp"  # a dead process's half-made store
    (leftover / "batches").mkdir(parents=True)
    report = sweep(SPEC, out, model=linear, workers=1, progress=False)
    assert report.completed == 12
    assert not leftover.exists()
    assert json.loads((out / MARKER).read_text())["command"] == "sweep"
    # the marker keeps other commands from replacing a store
    assert main(["run", str(ROOT / "scenarios" / "baseline.toml"), "--out", str(out)]) == 2


def test_an_error_while_creating_leaves_nothing(tmp_path, monkeypatch) -> None:
    def failing(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_module.pq, "write_table", failing)
    with pytest.raises(OSError, match="No space left"):
        sweep(SPEC, tmp_path / "s", model=linear, workers=1, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_sweep_refuses_the_working_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(Exception, match="working folder"):
        sweep(SPEC, ".", model=linear, workers=1, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


# -- runs lost with the executor -----------------------------------------------------------
class LosesTheScheduler(SerialExecutor):
    """Serial, but the fifth run comes back cancelled, as when a Dask scheduler dies."""

    def imap_unordered(self, fn, items, *args):
        from concurrent.futures import CancelledError

        for index, (item, result, error) in enumerate(super().imap_unordered(fn, items, *args)):
            if index == 4:
                yield item, None, CancelledError("scheduler-connection-lost")
            else:
                yield item, result, error

    def lost(self, error):
        from concurrent.futures import CancelledError

        return isinstance(error, CancelledError)


def test_runs_lost_with_the_scheduler_are_redone_not_recorded_failed(tmp_path) -> None:
    path = tmp_path / "s"
    with pytest.raises(SweepError, match="run the same command again to resume"):
        sweep(SPEC, path, model=linear, executor=LosesTheScheduler(), progress=False)
    outcomes = ResultStore(path).outcomes()
    assert len(outcomes) == 4 and (outcomes["status"] == "ok").all()
    report = resume(path)
    assert (report.stored_before, report.completed, report.failed_total) == (4, 8, 0)
    assert_same(tables(path), tables(small_store(tmp_path / "reference")))


def test_ishigami_store_loads(tmp_path) -> None:
    """The stores written before this change (no table list) still read."""
    report = sweep(
        {"parameters": {f"x{i}": {"levels": [0.0, 1.0]} for i in (1, 2, 3)}},
        tmp_path / "ish",
        model=ishigami,
        workers=1,
        progress=False,
    )
    batch = ResultStore(report.path).batches()[0]
    outcomes = pq.read_table(batch / "outcomes.parquet").replace_schema_metadata(None)
    pq.write_table(outcomes, batch / "outcomes.parquet")
    assert len(load_results(report.path).metrics) == 8


class BreaksOnSubmit(SerialExecutor):
    """A pool that breaks while the next run is being submitted (not in a run's result)."""

    def imap_unordered(self, fn, items, *args):
        from concurrent.futures.process import BrokenProcessPool

        for index, found in enumerate(super().imap_unordered(fn, items, *args)):
            if index == 3:
                raise BrokenProcessPool("A child process terminated abruptly")
            yield found


def test_a_pool_broken_while_submitting_is_one_line_and_resumes(tmp_path) -> None:
    path = tmp_path / "s"
    with pytest.raises(SweepError, match="a worker process died"):
        sweep(SPEC, path, model=linear, executor=BreaksOnSubmit(), progress=False)
    assert not (path / ".lock").exists()
    report = resume(path)
    assert (report.stored_before, report.completed) == (3, 9)
