"""The one write helper: --out never deletes a user's files, and errors leave nothing behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from workbench.errors import WorkbenchError
from workbench.output import MARKER, atomic_file, atomic_files, atomic_folder, check_out_folder

ROOT = Path(__file__).parents[1]


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_refuses_a_folder_with_the_users_files(tmp_path: Path) -> None:
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "notes.txt").write_text("x")
    with pytest.raises(WorkbenchError, match="did not write"), atomic_folder(keep, command="run"):
        pass
    assert (keep / "notes.txt").read_text() == "x"
    assert _names(tmp_path) == ["keep"]


@pytest.mark.parametrize("where", [".", ".."])
def test_refuses_the_working_folder_and_its_parents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    with pytest.raises(WorkbenchError, match="working folder"):
        check_out_folder(where, "run")


def test_refuses_an_out_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(WorkbenchError, match="is a file"):
        check_out_folder(tmp_path / "f.txt" / "out", "run")


def test_replaces_only_its_own_earlier_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with atomic_folder(out, command="run") as folder:
        (folder / "a.txt").write_text("1")
    with atomic_folder(out, command="run") as folder:
        (folder / "b.txt").write_text("2")
    assert _names(out) == [MARKER, "b.txt"]
    with pytest.raises(WorkbenchError, match="workbench run"), atomic_folder(out, command="survey"):
        pass
    assert _names(tmp_path) == ["out"]


def test_an_error_keeps_the_old_result_and_leaves_no_temporary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with atomic_folder(out, command="run") as folder:
        (folder / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), atomic_folder(out, command="run") as folder:
        (folder / "new.txt").write_text("new")
        raise RuntimeError("crash while writing")
    assert _names(tmp_path) == ["out"]
    assert (out / "old.txt").read_text() == "old"


def test_atomic_files_write_all_or_none(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder should be")
    first = tmp_path / "m.csv"
    with pytest.raises(OSError), atomic_files([first, blocked / "u.csv"]) as temporaries:
        for temporary in temporaries:  # pragma: no cover - never reached
            temporary.write_text("x")
    assert _names(tmp_path) == ["blocked"]


def test_atomic_file_keeps_the_suffix_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "s.png"
    with pytest.raises(ValueError), atomic_file(target) as temporary:
        assert temporary.suffix == ".png"
        raise ValueError("no picture")
    assert _names(tmp_path) == []
    with atomic_file(tmp_path / "t.csv") as temporary:
        pd.DataFrame({"a": [1, 2]}).to_csv(temporary, index=False)
    assert pd.read_csv(tmp_path / "t.csv")["a"].tolist() == [1, 2]


def test_leftovers_of_a_killed_writer_are_swept(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(dead.stdout)
    leftover = tmp_path / f".out.{pid}.abcd1234.tmp"
    leftover.mkdir()
    alive = tmp_path / f".out.{os.getpid() + 0}.ffff0000.tmp"  # our own: in use, kept
    alive.mkdir()
    with atomic_folder(tmp_path / "out", command="run"):
        pass
    assert not leftover.exists()
    assert alive.exists()


def test_cli_run_keeps_a_users_folder(tmp_path: Path) -> None:
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "notes.txt").write_text("x")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "run",
            str(ROOT / "scenarios/baseline.toml"),
            "--replications",
            "1",
            "--set",
            "cohort.size=20",
            "--out",
            str(keep),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "did not write" in done.stderr
    assert _names(keep) == ["notes.txt"]
