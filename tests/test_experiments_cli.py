"""``workbench sweep`` on the command line and from a notebook cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.experiments import load_results

ROOT = Path(__file__).resolve().parents[1]
BASE = f'base = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"\n'
SMALL = '[fixed]\n"cohort.size" = 40\n"levers.weeks" = 3\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[parameters]\n"levers.mentor_trainin" = { range = [0, 1], steps = 2 }\n',
            "parameters.levers.mentor_trainin: unknown scenario setting 'mentor_trainin'",
        ),
        (
            '[parameters]\n"levers.mentor_training" = { range = [0.4, 0.4], steps = 2 }\n',
            "range: [0.4, 0.4] is empty",
        ),
        ('[parameters]\n"matching.policy" = { levels = [] }\n', "levels: empty"),
        (
            '[parameters]\n"levers.mentor_training" = { range = [0, 1] }\n[design]\nkind = "lhs"\n',
            "design: samples: required for a lhs design",
        ),
        ("[parameters\n", "malformed TOML"),
    ],
    ids=["unknown-parameter", "empty-range", "empty-levels", "missing-samples", "bad-toml"],
)
def test_bad_sweep_files_give_one_line_exit_2_and_no_store(
    tmp_path, capsys, text, expected
) -> None:
    sweep_file = tmp_path / "sweep_bad.toml"
    sweep_file.write_text(BASE + SMALL + text, encoding="utf-8")
    out = tmp_path / "store"
    code = main(["sweep", str(sweep_file), "--out", str(out), "--workers", "1"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith(f"workbench sweep: error: {sweep_file}")
    assert expected in err and "\n" not in err
    assert not out.exists()
    assert not list(tmp_path.glob(".store*"))


def test_sweep_command_runs_resumes_and_reports(tmp_path, capsys) -> None:
    sweep_file = tmp_path / "sweep_ok.toml"
    sweep_file.write_text(
        BASE
        + "replications = 2\n"
        + SMALL
        + '[parameters]\n"levers.mentor_training" = { range = [0.0, 1.0], steps = 3 }\n',
        encoding="utf-8",
    )
    out = tmp_path / "store"
    assert main(["sweep", str(sweep_file), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "6 of 6 runs stored (6 now, 0 before)" in capsys.readouterr().out
    assert main(["sweep", str(sweep_file), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "(0 now, 6 before)" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs"] == 6 and manifest["parameters"] == ["levers.mentor_training"]
    assert manifest["scenario_hash"] and manifest["version"] and manifest["versions"]["mesa"]
    results = load_results(out)
    assert results.design["seed"].nunique() == 2  # common random numbers across points


def test_a_sweep_from_a_notebook_cell_completes_with_a_notebook_bar(tmp_path, monkeypatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(ROOT / "tests" / "data" / "sweep_in_notebook.ipynb", as_version=4)
    out = tmp_path / "store"
    monkeypatch.setenv("SWEEP_OUT", str(out))  # the kernel inherits it
    nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert cells[0].outputs[-1]["data"]["text/plain"] == "'spawn'"
    assert cells[1].outputs[-1]["data"]["text/plain"] == "(4, 0)"
    widgets = [
        o
        for o in cells[1].outputs
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert widgets, "tqdm.auto should draw the notebook (widget) progress bar"
    assert cells[2].outputs[-1]["data"]["text/plain"] == "(4, True)"
