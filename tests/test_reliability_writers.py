"""Every file compare and validate write goes through workbench.output: a user's files stay,
an error mid-write leaves nothing behind and the previous file untouched (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from workbench.cli import main
from workbench.commands import compare as compare_command
from workbench.experiments import sweep
from workbench.experiments.models import ishigami
from workbench.validation import load_cases, run_validation, write_report

GRID = {"parameters": {f"x{i}": {"levels": [0.0, 1.0]} for i in (1, 2, 3)}, "replications": 2}


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("writers") / "ish"
    return sweep(GRID, out, model=ishigami, workers=1, progress=False).path


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_compare_writes_beside_a_users_files(store, tmp_path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    csv, png = tmp_path / "c.csv", tmp_path / "p.png"
    argv = ["compare", str(store), "--metric", "y", "--by", "x1"]
    assert main([*argv, "--csv", str(csv), "--plot", str(png)]) == 0
    assert listing(tmp_path) == ["c.csv", "notes.txt", "p.png"]
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert len(pd.read_csv(csv)) == 2 and png.read_bytes()[:4] == b"\x89PNG"


def test_an_error_while_drawing_leaves_no_csv_no_temporary_and_the_old_files(
    store, tmp_path, monkeypatch, capsys
) -> None:
    csv, png = tmp_path / "c.csv", tmp_path / "p.png"
    csv.write_text("earlier result\n")

    def failing(table, path):
        Path(path).write_bytes(b"\x89PNG half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(compare_command, "draw_comparison", failing)
    argv = ["compare", str(store), "--metric", "y", "--csv", str(csv), "--plot", str(png)]
    assert main(argv) == 2  # cli.main: one line, exit 2
    assert "No space left" in capsys.readouterr().err
    assert listing(tmp_path) == ["c.csv"]  # no p.png, no .c.csv.*.tmp, no .p.png.*.tmp.png
    assert csv.read_text() == "earlier result\n"


def test_an_unwritable_plot_path_is_refused_before_any_work(store, tmp_path, capsys) -> None:
    (tmp_path / "file").write_text("not a folder")
    csv = tmp_path / "c.csv"
    argv = ["compare", str(store), "--metric", "y", "--csv", str(csv)]
    assert main([*argv, "--plot", str(tmp_path / "file" / "p.png")]) == 2
    assert capsys.readouterr().out == ""  # nothing computed or printed
    assert listing(tmp_path) == ["file"]


def test_compare_week_and_level_are_checked(store, capsys) -> None:
    for flags, expected in ((["--week", "-5"], "--week -5"), (["--level", "nan"], "--level nan")):
        assert main(["compare", str(store), "--metric", "y", *flags]) == 2
        err = capsys.readouterr().err.strip()
        assert expected in err and "\n" not in err


@pytest.fixture(scope="module")
def validation():
    book = load_cases()
    result = run_validation(
        book, replications=2, cohort_size=40, cases=["overall_effect"], progress=False
    )
    return result, book


def test_a_validation_report_keeps_the_users_files(validation, tmp_path) -> None:
    (tmp_path / "calibrate_defaults.py").write_text("# the user's script")
    written = write_report(*validation, tmp_path, "workbench validate")
    assert sorted(p.name for p in written) == [
        "report.md",
        "validation_checks.png",
        "validation_summary.csv",
        "validation_values.csv",
    ]
    assert listing(tmp_path) == sorted(["calibrate_defaults.py", *(p.name for p in written)])


def test_an_error_mid_report_leaves_the_previous_report(validation, tmp_path, monkeypatch) -> None:
    (tmp_path / "report.md").write_text("previous report")
    calls = []
    real = pd.DataFrame.to_csv

    def failing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", failing)
    with pytest.raises(OSError, match="No space left"):
        write_report(*validation, tmp_path, "workbench validate")
    assert listing(tmp_path) == ["report.md"]
    assert (tmp_path / "report.md").read_text() == "previous report"
