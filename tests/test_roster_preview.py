"""The roster preview: every doubtful reading of an export is shown, and --strict stops on it."""

from __future__ import annotations

import pytest
from sis_exports import EXPORT_A, write_export

from workbench.cli import main
from workbench.roster import RosterError
from workbench.roster_preview import preview_roster

HEADER = "Student ID,Student,Grade,Gender,ELL,Clubs,Free Periods,Mentor (Y/N)\n"


def _export(tmp_path, rows: list[str]):
    return write_export(tmp_path, HEADER + "\n".join(rows) + "\n")


ROWS = [
    # id, a name column nothing recognises, grade, gender, ELL, clubs, periods, mentor
    '1,Ava Ng,06,F,Y,"chess, art",2;5,Y',
    '2,Ben Li,6,f,yes,"art, music",2,Y',
    "3,Caro Díaz,7,M,N,chess,,Y",
    '4,Dev Rao,7,M,no,"music, art",5,Maybe',
    "5,Eun Cho,8,F,N,art,3,N",
    '6,Femi Ade,8,M,Y,"chess, music",2;3,N',
    "7,Gus Ek,8,X,N,music,5,N",
    "8,Hoa Vo,6,F,N,art,,N",
]


def _by_column(preview):
    found: dict[str, list] = {}
    for warning in preview.warnings:
        found.setdefault(warning.column, []).append(warning)
    return found


def test_every_kind_of_warning_names_column_example_and_what_to_do(tmp_path) -> None:
    columns = {
        "Student ID": "id",
        "Student": "group",  # a coordinator's mistake: a name as a group
        "Grade": "grade",
        "Gender": "group",
        "ELL": "group",  # Y and yes, N and no, not declared yes/no
        "Clubs": "info",  # lists in a column not declared a list
        "Free Periods": {"use": "schedule", "separator": ";"},
        "Mentor (Y/N)": {"use": "role", "yes_no": True},
    }
    preview = preview_roster(_export(tmp_path, ROWS), columns)
    found = _by_column(preview)
    text = {column: " | ".join(str(w) for w in ws) for column, ws in found.items()}
    assert "8 different values for 8 students" in text["Student"]
    assert 'use = "info"' in text["Student"]
    assert "'F' / 'f' look alike but count as different groups" in text["Gender"]
    assert "'Y' / 'yes', 'N' / 'no' look alike" in text["ELL"] and "yes_no = true" in text["ELL"]
    assert "'06' / '6' are read as the same value" in text["Grade"]
    assert "cells look like lists" in text["Clubs"] and "'chess, art'" in text["Clubs"]
    assert "not a yes/no spelling ('Maybe')" in text["Mentor (Y/N)"]
    assert "row 5" in text["Mentor (Y/N)"]
    assert "2 students have a blank cell (e.g. row 4, id 3)" in text["Free Periods"]
    for warning in preview.warnings:
        assert warning.advice and warning.column in preview.table.header


def test_roles_that_leave_one_side_empty(tmp_path) -> None:
    rows = [r.rsplit(",", 1)[0] + ",N" for r in ROWS]
    preview = preview_roster(_export(tmp_path, rows))
    text = " | ".join(str(w) for w in preview.warnings if w.column == "Mentor (Y/N)")
    assert "no student can be a mentor" in text


def test_a_list_with_the_wrong_separator_is_flagged(tmp_path) -> None:
    rows = [r.replace('"chess, art"', '"chess; art"') for r in ROWS]
    columns = {"Student ID": "id", "Clubs": {"use": "interests", "separator": ","}}
    found = _by_column(preview_roster(_export(tmp_path, rows), columns))
    assert "holds ';' but the separator is ','" in str(found["Clubs"][0])


def test_a_clean_export_has_no_warnings(tmp_path) -> None:
    rows = [
        "1,Ava Ng,6,F,Y,chess,2,Y",
        "2,Ben Li,6,M,N,art,2,N",
        "3,Caro Díaz,7,F,N,chess,5,Y",
        "4,Dev Rao,7,M,Y,art,5,N",
    ]
    preview = preview_roster(_export(tmp_path, rows))
    assert preview.problems == []


def test_strict_turns_warnings_into_a_one_line_error_and_writes_nothing(tmp_path, capsys) -> None:
    roster = write_export(tmp_path, EXPORT_A)  # blank free periods and languages
    out = tmp_path / "pairs.csv"
    status = main(["match", str(roster), "--strict", "--out", str(out), "--no-compare"])
    captured = capsys.readouterr()
    assert status == 2 and not out.exists()
    assert len(captured.err.strip().splitlines()) == 1
    assert "--strict: warning: Home Language: 1 student has a blank cell" in captured.err
    assert "warning: Free Periods" in captured.out  # the preview was printed first
    with pytest.raises(RosterError, match="--strict"):
        preview_roster(roster).check_strict()


def test_cli_prints_the_proposed_map_and_can_save_it(tmp_path, capsys) -> None:
    roster = write_export(tmp_path, EXPORT_A)
    saved = tmp_path / "columns.toml"
    assert main(["match", str(roster), "--write-columns", str(saved), "--preview-only"]) == 0
    out = capsys.readouterr().out
    assert "columns (proposed from the headers):" in out
    assert "Last Name              -> name" in out
    assert f"wrote {saved}" in out
    # the saved map gives the same reading when passed back
    assert preview_roster(roster, saved).columns == preview_roster(roster).columns
    assert main(["match", str(roster), "--columns", str(saved), "--preview-only"]) == 0
    assert "columns (from the column map):" in capsys.readouterr().out
