"""``workbench verdict``: the table and sentences, one-line errors with exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from workbench.worlds.plausible import most_worlds

SMALL = """
name = "{name}"
[cohort]
size = 40
[levers]
weeks = 6
[rotation]
policy = "{policy}"
every_weeks = 2
"""


def _workbench(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", "verdict", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


@pytest.fixture
def designs(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "rotating.toml", tmp_path / "staying.toml"
    a.write_text(SMALL.format(name="rotating", policy="periodic"))
    b.write_text(SMALL.format(name="staying", policy="none"))
    return a, b


def test_prints_table_and_sentences_and_writes_csv(designs, tmp_path: Path) -> None:
    out = tmp_path / "verdict.csv"
    done = _workbench(*map(str, designs), "--worlds", "4", "--csv", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "rotating (A) against staying (B) over 4 plausible worlds" in done.stdout
    sentences = [
        line
        for line in done.stdout.splitlines()
        if line.startswith(("Uncertain", "No real", "rotating ")) and line.endswith(".")
    ]
    assert len(sentences) == 4 and all("plausible worlds" in line for line in sentences)
    assert "Knock-outs" in done.stdout  # the default 3 knock-outs, run or not
    assert "worlds: screened against the 9 calibration checks" in done.stdout
    table = pd.read_csv(out, index_col="outcome")
    assert table.index.tolist() == ["belonging", "confidence", "retention", "enrolled"]
    assert set(table["verdict"]) <= {"holds", "uncertain", "reversed", "no real difference"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--worlds", "1"], "--worlds 1: must be from 2"),
        (["--worlds", "5000"], f"--worlds 5000: must be from 2 to {most_worlds()}, the screened"),
        (["--outcome", "happiness"], "outcome 'happiness': expected one of"),
        (["--outcome", "belonging_gap:shoe_size"], "no group attribute 'shoe_size'"),
        (["--seed", "-3"], "--seed -3: must be 0 or more"),
        (["--replications", "0"], "--replications 0: must be from 1"),
        (["--knockout-worlds", "1"], "--knockout-worlds 1: must be 2 or more"),
    ],
)
def test_bad_input_is_one_line_exit_2(designs, tmp_path: Path, extra, message) -> None:
    out = tmp_path / "verdict.csv"
    done = _workbench(*map(str, designs), *extra, "--csv", str(out), cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert message in lines[0]
    assert not out.exists()


def test_missing_file_is_one_line_exit_2(designs, tmp_path: Path) -> None:
    done = _workbench(str(designs[0]), str(tmp_path / "nowhere.toml"), cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "nowhere.toml" in lines[0]
