"""One line, bounded, nothing lost: the command-line findings of the reliability review (issue 14).

Signals and Dask endpoints are tried on real subprocesses and real loopback sockets.
"""

from __future__ import annotations

import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from workbench.cli import main
from workbench.experiments import ResultStore, load_results, sweep
from workbench.experiments.spec import MAX_POINTS, Parameter, SweepError, SweepSpec

ROOT = Path(__file__).resolve().parents[1]
BASELINE = (ROOT / "scenarios" / "baseline.toml").as_posix()
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def workbench(*args: str, cwd: Path = ROOT) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", *args],
        cwd=cwd,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def one_line_refusal(capsys, argv: list[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert "\n" not in err and "Traceback" not in err
    return err


def write_sweep(folder: Path, body: str, name: str = "sweep_t.toml") -> Path:
    path = folder / name
    path.write_text(  # top-level keys first, tables after
        f'base = "{BASELINE}"\n{body}\n[fixed]\n"cohort.size" = 12\n"levers.weeks" = 2\n',
        encoding="utf-8",
    )
    return path


# -- SIGTERM -------------------------------------------------------------------------------
@pytest.mark.parametrize("workers", [1, 2], ids=["serial", "pool"])
def test_sigterm_stores_finished_runs_frees_the_lock_and_resumes_to_the_same_result(
    tmp_path, workers
) -> None:
    sweep_file = write_sweep(
        tmp_path,
        "seed = 3\nreplications = 30\n[parameters]\n"
        '"levers.mentor_training" = { levels = [0.0, 1.0] }\n'
        '"matching.policy" = { levels = ["random", "optimal"] }\n',
    )
    out = tmp_path / "store"
    process = workbench(
        "sweep", str(sweep_file), "--out", str(out), "--workers", str(workers), "--quiet",
        "--flush-seconds", "0.2",
    )  # fmt: skip
    while not ((out / "batches").is_dir() and ResultStore(out).batches()):
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not (out / ".lock").exists()
    partial = len(ResultStore(out).status()[0])
    assert 0 < partial < 120
    resumed = sweep(sweep_file, out, workers=1, progress=False)
    assert (resumed.stored_before, resumed.completed) == (partial, 120 - partial)
    whole = sweep(sweep_file, tmp_path / "uninterrupted", workers=1, progress=False)
    a, b = load_results(out), load_results(whole.path)
    for name in ("metrics", "gaps", "students"):
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])


# -- Dask endpoints ------------------------------------------------------------------------
def silent_listener() -> tuple[socket.socket, int]:
    """A TCP port that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    threading.Thread(target=lambda: [held.append(server.accept()[0]) for _ in iter(int, 1)],
                     daemon=True).start()  # fmt: skip
    return server, server.getsockname()[1]


def web_server() -> tuple[http.server.HTTPServer, int]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


@pytest.mark.parametrize("endpoint", ["silent", "http"])
def test_a_non_dask_endpoint_ends_in_one_line_within_the_timeout(tmp_path, endpoint) -> None:
    server, port = silent_listener() if endpoint == "silent" else web_server()
    sweep_file = write_sweep(tmp_path, '[parameters]\n"levers.weeks" = { levels = [2] }\n')
    process = workbench(
        "sweep", str(sweep_file), "--scheduler", f"tcp://127.0.0.1:{port}", "--timeout", "2",
        "--out", str(tmp_path / "store"),
    )  # fmt: skip
    try:
        _, stderr = process.communicate(timeout=120)  # the old code waited forever here
    finally:
        process.kill()
        server.close() if endpoint == "silent" else server.shutdown()
    assert process.returncode == 2
    assert stderr.strip().count("\n") == 0, stderr
    assert "no Dask scheduler answered within 2 s" in stderr
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("foo", "expected HOST:PORT"),
        ("ucx://127.0.0.1:8786", "ucx:// is not supported"),
        ("tcp://127.0.0.1:99999", "expected HOST:PORT"),
    ],
)
def test_an_unusable_scheduler_address_is_one_line_and_nothing_after(
    tmp_path, address, expected
) -> None:
    sweep_file = write_sweep(tmp_path, '[parameters]\n"levers.weeks" = { levels = [2] }\n')
    process = workbench("sweep", str(sweep_file), "--scheduler", address, "--timeout", "2")
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    assert stderr.strip().count("\n") == 0, stderr  # no Client.__del__ traceback at exit
    assert expected in stderr


# -- bounds and NaN ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--timeout", "nan"], "--timeout nan: must be a number of seconds above 0"),
        (["--timeout", "inf"], "--timeout inf"),
        (["--flush-seconds", "nan"], "--flush-seconds nan"),
        (["--flush-seconds", "-1"], "--flush-seconds -1.0"),
        (["--workers", "10000"], "--workers 10000: at most"),
        (["--workers", "0"], "--workers 0"),
    ],
)
def test_sweep_flags_are_bounded(tmp_path, capsys, flags, expected) -> None:
    sweep_file = write_sweep(tmp_path, '[parameters]\n"levers.weeks" = { levels = [2] }\n')
    out = tmp_path / "store"
    err = one_line_refusal(capsys, ["sweep", str(sweep_file), "--out", str(out), *flags])
    assert expected in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'replications = 10000000\n[parameters]\n"levers.weeks" = { levels = [2] }\n',
            "replications: Input should be less than or equal to 100000",
        ),
        (
            '[design]\nkind = "lhs"\nsamples = 100000000\n'
            '[parameters]\n"levers.mentor_training" = { range = [0, 1] }\n',
            "design.samples: Input should be less than or equal to 1000000",
        ),
        (
            '[parameters]\n"levers.mentor_training" = { range = [0, 1], steps = 1000000000 }\n',
            "parameters.levers.mentor_training.steps: Input should be less than or equal to 10000",
        ),
        (
            '[parameters]\n"cohort.size" = { range = [2, 2000000] }\n',
            "design: 1,999,999 points, over the limit of 1,000,000; use lhs or sobol",
        ),
        (
            'replications = 1000\n[parameters]\n"cohort.size" = { range = [2, 2000] }\n',
            "1,999 points x 1,000 replications = 1,999,000 runs, over the limit",
        ),
        (
            '[parameters]\n"levers.mentor_training" = { range = [0, nan], steps = 2 }\n',
            "parameters.levers.mentor_training.range.1: Input should be a finite number",
        ),
        ('seed = -1\n[parameters]\n"levers.weeks" = { levels = [2] }\n', "seed: Input should"),
        ('[parameters]\n"levers.weeks" = { levels = [2], colour = 1 }\n', "colour: unknown key"),
    ],
    ids=["replications", "samples", "steps", "int-range", "runs", "nan", "seed", "key"],
)
def test_sweep_files_are_bounded_before_anything_is_built(
    tmp_path, capsys, monkeypatch, body, expected
) -> None:
    real = Parameter.grid_values

    def listing(self):  # the old check listed 2 million values to count them
        assert self.grid_size() <= MAX_POINTS, "listed a grid too big to run"
        return real(self)

    monkeypatch.setattr(Parameter, "grid_values", listing)
    sweep_file = write_sweep(tmp_path, body)
    out = tmp_path / "store"
    err = one_line_refusal(capsys, ["sweep", str(sweep_file), "--out", str(out)])
    assert err.startswith(f"workbench sweep: error: {sweep_file}: ")
    assert expected in err
    assert not out.exists()


def test_a_sweep_announces_its_size_before_it_runs(tmp_path, capsys) -> None:
    sweep_file = write_sweep(
        tmp_path, 'replications = 2\n[parameters]\n"levers.weeks" = { levels = [1, 2] }\n'
    )
    assert main(["sweep", str(sweep_file), "--out", str(tmp_path / "s"), "--workers", "1",
                 "--quiet"]) == 0  # fmt: skip
    err = capsys.readouterr().err
    assert "4 runs (2 points x 2 replications); the design takes" in err and "MB" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", BASELINE, "--replications", "10000000"], "--replications 10000000: must be"),
        (["run", BASELINE, "--seed", "-1"], "--seed -1"),
        (["validate", "--replications", "10000000"], "--replications 10000000: must be from 2"),
        (["validate", "--cohort-size", "1000000000"], "--cohort-size 1000000000"),
        (["validate", "--seed", "-3"], "--seed -3"),
    ],
)
def test_run_and_validate_flags_are_bounded(tmp_path, capsys, monkeypatch, argv, expected) -> None:
    monkeypatch.chdir(tmp_path)
    err = one_line_refusal(capsys, [*argv, "--out", str(tmp_path / "out")])
    assert expected in err
    assert list(tmp_path.iterdir()) == []


def test_sweep_spec_keeps_the_scenario_cap_on_replications() -> None:
    with pytest.raises(SweepError, match="less than or equal to 100000"):
        SweepSpec.from_dict(
            {"parameters": {"levers.weeks": {"levels": [2]}}, "replications": 100_001}
        )


# -- a real Dask cluster on loopback, its scheduler killed mid-sweep ----------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dask(*args: str) -> subprocess.Popen:
    """``dask scheduler`` / ``dask worker`` of this environment."""
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("dask")), *args],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_runs_in_flight_when_the_scheduler_dies_are_redone_on_rerun(tmp_path) -> None:
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = dask("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
    worker = dask("worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard")
    sweep_file = write_sweep(
        tmp_path,
        "seed = 3\nreplications = 40\n[parameters]\n"
        '"levers.mentor_training" = { levels = [0.0, 1.0] }\n'
        '"matching.policy" = { levels = ["random", "optimal"] }\n',
    )
    out = tmp_path / "store"
    try:
        process = workbench(
            "sweep", str(sweep_file), "--out", str(out), "--scheduler", address, "--timeout",
            "60", "--quiet", "--flush-seconds", "0.2",
        )  # fmt: skip
        while not ((out / "batches").is_dir() and ResultStore(out).batches()):
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
        scheduler.kill()
        _, stderr = process.communicate(timeout=300)
    finally:
        for server in (scheduler, worker):
            server.kill()
            server.wait()
    assert process.returncode == 2, stderr
    lines = [line for line in stderr.strip().splitlines() if "runs (" not in line]
    assert len(lines) == 1 and "run the same command again to resume" in lines[0], stderr
    stored, failed = ResultStore(out).status()
    assert failed == {} and 0 < len(stored) < 160
    report = sweep(sweep_file, out, workers=1, progress=False)
    assert (report.stored_before, report.completed, report.failed_total) == (
        len(stored),
        160 - len(stored),
        0,
    )
    assert load_results(out).metrics["run_id"].nunique() == 160
