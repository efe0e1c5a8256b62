"""The column map: proposed from school exports, saved and loaded as TOML, bad maps refused."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sis_exports import EXPECTED_A, EXPECTED_B, EXPORT_A, EXPORT_B, SENSITIVE_A, write_export

import workbench
from workbench.cli import main
from workbench.columns import (
    ColumnMap,
    ColumnMapError,
    columns_toml,
    normalise,
    parse_columns,
    propose_columns,
)
from workbench.roster import grade_number, load_roster, read_roster_table


@pytest.mark.parametrize(
    ("text", "expected"), [(EXPORT_A, EXPECTED_A), (EXPORT_B, EXPECTED_B)], ids=["A", "B"]
)
def test_proposed_map_is_right_for_the_common_columns(tmp_path, text, expected) -> None:
    table = read_roster_table(write_export(tmp_path, text))
    proposal = propose_columns(table.header, table.rows)
    assert {h: c.use for h, c in proposal.columns.items()} == expected


def test_export_a_is_read_as_a_coordinator_means_it(tmp_path) -> None:
    roster = load_roster(write_export(tmp_path, EXPORT_A))
    row = {str(i): k for k, i in enumerate(roster.ids)}
    # leading zeros of ids kept; names carried, never groups
    assert "100231" in row and roster.attribute_names == ("Gender", "ELL", "IEP", "First Gen")
    assert roster.info_columns["First Name"][row["100235"]] == "Zoé"
    assert roster.display_names()[row["100233"]] == "Caleb Smith, Jr."
    # 06 == 6; "Y"/"N" -> yes/no; "robotics, art" is two interests
    assert roster.grade[row["100238"]] == 6 == roster.grade[row["100239"]]
    assert set(roster.attribute_columns["ELL"]) == {"yes", "no"}
    assert roster.interest_names.count("robotics") == 1 and "robotics, art" not in (
        roster.interest_names
    )
    assert roster.interests[row["100231"]].sum() == 2
    # wants to mentor: Y = mentor, N = mentee
    assert roster.role[row["100231"]] == "mentor" and roster.role[row["100238"]] == "mentee"
    # "2;5" is two free periods; must-not-meet by id
    assert roster.schedule[row["100231"]].sum() == 2
    pair = sorted((row["100232"], row["100245"]))
    assert pair in roster.must_not_meet.tolist()
    assert set(roster.sensitive) == {"Gender", "ELL", "IEP", "First Gen"}


def test_export_b_separators_sites_and_yes_no_spellings(tmp_path) -> None:
    roster = load_roster(write_export(tmp_path, EXPORT_B))
    assert sorted(set(roster.site)) == ["North", "South"]
    assert roster.interests.sum(1).max() == 2  # "chess|debate"
    # "Yes", "yes", "No", "no", "NO" read alike
    assert sorted(set(roster.role)) == ["mentee", "mentor"]
    assert (roster.role == "mentor").sum() == 5


def test_map_round_trips_through_toml(tmp_path) -> None:
    table = read_roster_table(write_export(tmp_path, EXPORT_A))
    proposal = propose_columns(table.header, table.rows)
    text = columns_toml(proposal, "export.csv")
    assert parse_columns(tomllib.loads(text), "map.toml") == proposal
    for header in SENSITIVE_A:
        assert proposal.columns[header].sensitive


@given(st.text(min_size=1, max_size=12))
@settings(max_examples=60, deadline=None)
def test_header_matching_ignores_case_space_and_punctuation(noise) -> None:
    punctuation = "".join(c for c in noise if not c.isalnum())
    spelled = f"{punctuation}sTuDeNt {punctuation}iD{punctuation}"
    assert normalise(spelled) == "studentid"
    proposal = propose_columns([spelled, "Last Name"], [["1", "Ng"], ["2", "Li"]])
    assert proposal.columns[spelled].use == "id"


NAMES = ["Ava", "Ben", "Caro", "Dev", "Eun", "Femi", "Gus", "Hoa", "Ivo", "Jin", "Kai", "Lea"]


@given(st.sampled_from(["Student", "Nickname", "Preferred", "Kid", "Alias", "Pupil"]))
@settings(max_examples=12, deadline=None)
def test_a_column_of_names_is_never_a_group(header) -> None:
    # 24 students, each first name twice, in a column nothing recognises
    rows = [[str(k), NAMES[k % 12], "Y" if k % 2 else "N"] for k in range(24)]
    proposal = propose_columns(["id", header, "Mentor"], rows)
    assert proposal.columns[header].use in ("info", "name")
    assert proposal.columns["Mentor"].use == "role" and proposal.columns["Mentor"].yes_no


def test_grades_as_exports_write_them() -> None:
    assert [grade_number(g) for g in ("06", "6", "6th", "Grade 6", "K", " 12 ")] == [
        6,
        6,
        6,
        6,
        0,
        12,
    ]
    with pytest.raises(ValueError):
        grade_number("six")


def _map(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "map.toml"
    path.write_text("[columns]\n" + body, encoding="utf-8")
    return path


GOOD_MAP = (
    '"Student ID" = "id"\n"Last Name" = "name"\n"First Name" = "name"\n'
    '"Interests" = { use = "interests", separator = "," }\n'
    '"Wants to mentor (Y/N)" = { use = "role", yes_no = true }\n'
)
BAD_MAPS = {
    "unknown column": (GOOD_MAP + '"Student Name" = "name"\n', "column 'Student Name': not in"),
    "two ids": (GOOD_MAP + '"Email" = "id"\n', "column 'Email': a second 'id' column"),
    "separator that splits nothing": (
        GOOD_MAP.replace('separator = ","', 'separator = ";"'),
        "column 'Interests': separator ';' splits no cell, but cells use ','",
    ),
    "unknown use": (GOOD_MAP + '"Grade" = "grad"\n', "column Grade.use: Input should be"),
    "a name as a group": (
        GOOD_MAP.replace('"Last Name" = "name"', '"Last Name" = "group"'),
        "column 'Last Name': a name or email cannot be a group attribute",
    ),
    "no id": (GOOD_MAP.replace('"Student ID" = "id"\n', ""), 'no column has use = "id"'),
}


@pytest.mark.parametrize("case", sorted(BAD_MAPS))
def test_bad_map_is_one_line_naming_file_and_column_and_nothing_written(
    case, tmp_path, capsys
) -> None:
    body, expected = BAD_MAPS[case]
    roster = write_export(tmp_path, EXPORT_A)
    columns = _map(tmp_path, body)
    outputs = [tmp_path / "pairs.csv", tmp_path / "left.csv", tmp_path / "saved.toml"]
    status = main(
        ["match", str(roster), "--columns", str(columns), "--out", str(outputs[0])]
        + ["--unmatched-out", str(outputs[1]), "--write-columns", str(outputs[2])]
        + ["--teacher-lists", str(tmp_path / "lists"), "--no-compare"]
    )
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert str(columns) in err and expected in err, err
    assert not any(p.exists() for p in outputs) and not (tmp_path / "lists").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv", "map.toml"]


def test_api_takes_the_map_as_a_file_a_mapping_or_a_columnmap(tmp_path) -> None:
    roster = write_export(tmp_path, EXPORT_A)
    path = _map(tmp_path, GOOD_MAP)
    from_file = load_roster(roster, columns=path)
    mapping = tomllib.loads(path.read_text())["columns"]
    from_mapping = load_roster(roster, columns=mapping)
    from_model = load_roster(
        roster,
        columns=ColumnMap.model_validate(
            {"columns": {h: {"use": v} if isinstance(v, str) else v for h, v in mapping.items()}}
        ),
    )
    for other in (from_mapping, from_model):
        assert np.array_equal(other.role, from_file.role)
        assert other.interest_names == from_file.interest_names
    # columns left out of a map are not read: no groups, no schedule here
    assert from_file.attribute_names == () and from_file.schedule.shape[1] == 0
    result = workbench.match(roster, columns=path, rng=0)
    assert {"mentor_name", "mentee_name"} <= set(result.pairs.columns)


def test_no_id_column_says_how_to_name_one(tmp_path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("Name,Grade\nAva,6\nBen,7\n", encoding="utf-8")
    with pytest.raises(ColumnMapError, match=r"r\.csv: no student id column \(columns: Name"):
        load_roster(path)


def test_latin1_file_names_the_row_not_the_byte(tmp_path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes("Student ID,Last Name\n1,Ng\n2,Lefèvre\n".encode("latin-1"))
    with pytest.raises(
        workbench.roster.RosterError, match=r"row 3: not UTF-8 text near '2,Lef.vre'"
    ):
        load_roster(path)


def test_more_spellings_schools_use() -> None:
    header = ["ID", "LAST_NAME", "FIRST_NAME", "GRADE_LEVEL", "Gender Identity", "EL Status"]
    header += ["504 Plan", "FRL Status", "HOME_LANG", "Open Periods", "Hobbies/Interests"]
    header += [
        "Mentor/Mentee",
        "EMAIL_ADDRESS",
        "HOMEROOM_TEACHER",
        "Student Name",
        "Race/Ethnicity",
    ]
    rows = [
        [
            "1",
            "Ng",
            "Al",
            "6",
            "F",
            "Y",
            "N",
            "Y",
            "en",
            "2;5",
            "a, b",
            "Mentor",
            "a@s",
            "T",
            "Al Ng",
            "W",
        ],
        [
            "2",
            "Li",
            "Bo",
            "7",
            "M",
            "N",
            "N",
            "N",
            "es",
            "3",
            "c",
            "Mentee",
            "b@s",
            "U",
            "Bo Li",
            "B",
        ],
    ]
    proposal = propose_columns(header, rows)
    uses = [proposal.columns[h].use for h in header]
    assert uses == [
        "id", "name", "name", "grade", "group", "group", "group", "group", "languages",
        "schedule", "interests", "role", "info", "info", "name", "group",
    ]  # fmt: skip
    assert all(proposal.columns[h].sensitive for h in header[4:8] + ["Race/Ethnicity"])


def test_extra_export_columns_are_carried_never_matched(tmp_path) -> None:
    extra = EXPORT_A.splitlines()
    extra = [extra[0] + ",Bus Route,Photo Release (Y/N),Allergies"] + [
        line + f",{3 + k % 4},{'Y' if k % 3 else 'N'},{'peanuts' if k == 2 else ''}"
        for k, line in enumerate(extra[1:])
    ]
    path = write_export(tmp_path, "\n".join(extra) + "\n")
    from workbench.roster_preview import preview_roster

    preview = preview_roster(path)
    for header in ("Bus Route", "Photo Release (Y/N)", "Allergies"):
        assert preview.columns.columns[header].use == "info"
        assert header in preview.roster.info_columns
        assert any(w.column == header and w.level == "note" for w in preview.warnings)
    assert preview.roster.attribute_names == ("Gender", "ELL", "IEP", "First Gen")
    result = workbench.match(path, rng=0)
    assert "mentor_Bus Route" in result.pairs and "Bus Route" not in " ".join(
        result.pairs["reason"]
    )
