"""``workbench run``: outputs on success; one line, exit 2, nothing written on bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from workbench.cli import main


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args], capture_output=True, text=True, check=False
    )


def test_run_writes_tables_plot_and_summary(tmp_path: Path, capsys) -> None:
    out = tmp_path / "base"
    code = main(
        [
            "run",
            "scenarios/baseline.toml",
            "--out",
            str(out),
            "--replications",
            "2",
            "--seed",
            "7",
            "--set",
            "cohort.size=60",
            "--set",
            "levers.weeks=8",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "belonging gap end" in printed and "first_gen" in printed
    for name in ("metrics", "gaps", "run", "students", "links"):
        frame = pd.read_parquet(out / f"{name}.parquet")
        assert len(frame) > 0
    assert (out / "trajectories.png").stat().st_size > 10_000
    runs = pd.read_parquet(out / "run.parquet")
    assert list(runs["replication"]) == [0, 1] and (runs["students"] == 60).all()
    # the same command gives the same tables
    again = tmp_path / "again"
    main(
        [
            "run",
            "scenarios/baseline.toml",
            "--out",
            str(again),
            "--replications",
            "2",
            "--seed",
            "7",
            "--set",
            "cohort.size=60",
            "--set",
            "levers.weeks=8",
        ]
    )
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "metrics.parquet"), pd.read_parquet(again / "metrics.parquet")
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[cohort]\nsize = 100\nsise = 3\n", "cohort.sise: unknown key"),
        ("[cohort]\nsize = 'big'\n", "cohort.size"),
        ("[levers]\nweeks = 500\n", "levers.weeks"),
        ("[levers\n", "malformed TOML"),
        (None, "no such scenario file"),
    ],
    ids=["unknown-key", "wrong-type", "out-of-range", "malformed", "missing"],
)
def test_bad_scenario_one_line_exit_2_nothing_written(tmp_path: Path, content, expected) -> None:
    scenario = tmp_path / "bad.toml"
    if content is not None:
        scenario.write_text(content)
    out = tmp_path / "out"
    result = run_cli("run", str(scenario), "--out", str(out))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert expected in lines[0] and str(scenario) in lines[0]
    assert not out.exists()
    assert list(tmp_path.iterdir()) == ([scenario] if content is not None else [])


def test_bad_override_is_one_line(tmp_path: Path) -> None:
    result = run_cli(
        "run",
        "scenarios/baseline.toml",
        "--set",
        "levers.mentor_training=7",
        "--out",
        str(tmp_path / "o"),
    )
    assert result.returncode == 2
    assert "levers.mentor_training" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()
