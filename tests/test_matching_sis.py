"""A school export matched end to end: every hard rule checked from the written files.

The checks read the export and the outputs with the csv module and parse the
cells themselves (not through the workbench), so a misreading in the
workbench cannot hide a broken rule.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sis_exports import EXPORT_A, SENSITIVE_A, write_export

import workbench
from workbench.cli import main
from workbench.matching.scores import neutral_overlap, neutral_shared, pairwise_terms

RULES = """\
min_schedule_overlap = 1
language_required = true
capacity = 2
"""


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def _export_facts(path: Path) -> dict[str, dict]:
    facts = {}
    for row in _rows(path):
        facts[row["Student ID"]] = {
            "periods": {p.strip() for p in row["Free Periods"].split(";") if p.strip()},
            "languages": {p.strip() for p in row["Home Language"].split(";") if p.strip()},
            "grade": int(row["Grade"]),
            "mentor": row["Wants to mentor (Y/N)"] == "Y",
            "avoid": {p for p in row["Do Not Pair With"].split(";") if p},
            "name": f"{row['First Name']} {row['Last Name']}",
            "homeroom": row["Homeroom"],
        }
    return facts


@pytest.fixture
def matched(tmp_path):
    roster = write_export(tmp_path, EXPORT_A)
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    columns = tmp_path / "columns.toml"
    assert main(["match", str(roster), "--write-columns", str(columns), "--preview-only"]) == 0
    out = {name: tmp_path / f"{name}.csv" for name in ("pairs", "waiting")}
    status = main(
        ["match", str(roster), "--columns", str(columns), "--weights", str(rules)]
        + ["--out", str(out["pairs"]), "--unmatched-out", str(out["waiting"])]
        + ["--teacher-lists", str(tmp_path / "lists"), "--lists-by", "Homeroom", "--no-compare"]
    )
    assert status == 0
    return roster, out, tmp_path / "lists"


def test_every_hard_rule_holds_in_the_written_pairs(matched) -> None:
    roster, out, _ = matched
    facts = _export_facts(roster)
    pairs = _rows(out["pairs"])
    assert pairs, "no pairs were made"
    mentees_of: dict[str, int] = {}
    for pair in pairs:
        a, b = facts[pair["mentor"]], facts[pair["mentee"]]
        assert a["periods"] & b["periods"], pair  # min_schedule_overlap = 1
        assert a["languages"] & b["languages"], pair  # language_required
        assert pair["mentee"] not in a["avoid"] and pair["mentor"] not in b["avoid"]
        assert a["mentor"] and not b["mentor"]  # Wants to mentor: Y mentors, N is mentored
        assert pair["mentor_name"] == a["name"] and pair["mentee_name"] == b["name"]
        assert pair["mentee_Homeroom"] == b["homeroom"]
        mentees_of[pair["mentor"]] = mentees_of.get(pair["mentor"], 0) + 1
    assert max(mentees_of.values()) <= 2  # capacity
    assert len({p["mentee"] for p in pairs}) == len(pairs)  # a mentee once


def test_every_student_is_paired_or_listed_with_a_reason(matched) -> None:
    roster, out, _ = matched
    facts = _export_facts(roster)
    pairs, waiting = _rows(out["pairs"]), _rows(out["waiting"])
    paired = {p["mentor"] for p in pairs} | {p["mentee"] for p in pairs}
    listed = {w["id"] for w in waiting}
    assert paired | listed == set(facts) and not paired & listed
    assert all(w["reason"] and w["name"] == facts[w["id"]]["name"] for w in waiting)
    # a blank schedule is named in the reason, not silently excluded
    for student in ("100235", "100242"):  # blank Free Periods
        reason = next(w["reason"] for w in waiting if w["id"] == student)
        assert reason.startswith("their Free Periods cell is blank"), reason


def test_teacher_lists_show_names_and_hide_sensitive_columns(matched, tmp_path) -> None:
    roster, out, lists = matched
    facts = _export_facts(roster)
    pairs = _rows(out["pairs"])
    homerooms = {f["homeroom"] for f in facts.values()}
    assert {p.name for p in lists.glob("pairs_*.html")} == {f"pairs_{h}.html" for h in homerooms}
    for pair in pairs:
        for side in ("mentor", "mentee"):
            room = facts[pair[side]]["homeroom"]
            page = (lists / f"pairs_{room}.html").read_text(encoding="utf-8")
            assert facts[pair["mentor"]]["name"] in page and facts[pair["mentee"]]["name"] in page
    for path in lists.iterdir():
        text = path.read_text(encoding="utf-8-sig")
        for header in SENSITIVE_A:
            column = header.split(" (")[0]
            assert f"Mentor {column}" not in text and f"are both {column}" not in text
        if path.suffix == ".html":
            assert "http" not in text and "<script" not in text and "<link" not in text
            assert "nothing was sent anywhere" in text
    rows = _rows(lists / "pairs_8-Rivera.csv")
    assert rows and all(r["Why they were paired"].endswith(".") for r in rows)
    # opting in shows them
    opted = tmp_path / "opted"
    assert (
        main(
            ["match", str(roster), "--teacher-lists", str(opted), "--include-sensitive"]
            + ["--no-compare"]
        )
        == 0
    )
    assert "Mentor ELL" in (opted / "pairs_site.csv").read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("gap", [1, 2])
def test_cross_age_grade_gap_holds_in_the_written_pairs(tmp_path, gap) -> None:
    roster = write_export(tmp_path, EXPORT_A)
    rules = tmp_path / "rules.toml"
    rules.write_text(f"grade_gap = {gap}\n", encoding="utf-8")
    out = tmp_path / "pairs.csv"
    status = main(
        ["match", str(roster), "--policy", "cross_age", "--weights", str(rules)]
        + ["--out", str(out), "--no-compare"]
    )
    assert status == 0
    facts = _export_facts(roster)
    rows = _rows(out)
    assert rows
    for pair in rows:
        assert facts[pair["mentor"]]["grade"] - facts[pair["mentee"]]["grade"] >= gap


# ---------------------------------------------------------------- missing data is neutral


def _brute_overlap(matrix: np.ndarray) -> float:
    known = [row for row in matrix if row.any()]
    values = [
        (a & b).sum() / min(a.sum(), b.sum())
        for (i, a), (j, b) in itertools.product(enumerate(known), repeat=2)
        if i != j
    ]
    return float(np.mean(values)) if values else 1.0


def _brute_shared(matrix: np.ndarray) -> float:
    known = [row for row in matrix if row.any()]
    values = [
        float((a & b).any())
        for (i, a), (j, b) in itertools.product(enumerate(known), repeat=2)
        if i != j
    ]
    return float(np.mean(values)) if values else 1.0


@given(arrays(bool, st.tuples(st.integers(0, 9), st.integers(1, 5))))
@settings(max_examples=80, deadline=None)
def test_neutral_values_equal_the_mean_over_known_pairs(matrix) -> None:
    assert neutral_overlap(matrix) == pytest.approx(_brute_overlap(matrix))
    assert neutral_shared(matrix) == pytest.approx(_brute_shared(matrix))


def test_a_blank_schedule_or_language_scores_as_the_average_known_pair(tmp_path) -> None:
    roster = workbench.load_roster(write_export(tmp_path, EXPORT_A))
    n = len(roster)
    a, b = (x.ravel() for x in np.meshgrid(np.arange(n), np.arange(n), indexing="ij"))
    keep = a != b
    terms = pairwise_terms(roster, a[keep], b[keep], only=["schedule", "language"])
    for term, matrix, reference in (
        ("schedule", roster.schedule, _brute_overlap),
        ("language", roster.languages, _brute_shared),
    ):
        blank = ~matrix.any(1)
        assert blank.any()
        involved = blank[a[keep]] | blank[b[keep]]
        assert np.allclose(terms[term][involved], reference(matrix))
        # and on average a blank student is neither helped nor hurt
        known_mean = terms[term][~involved].mean()
        assert terms[term][involved].mean() == pytest.approx(known_mean)


@pytest.mark.parametrize(
    ("settings", "student", "column"),
    [
        ({"language_required": True}, "100242", "Home Language"),
        ({"min_schedule_overlap": 1}, "100235", "Free Periods"),
        ({"policy": "cross_age"}, "100239", "Grade"),
    ],
)
def test_a_hard_rule_on_a_blank_cell_is_the_students_reason(
    tmp_path, settings, student, column
) -> None:
    text = EXPORT_A.replace("100239,Johnson,Maya,6,", "100239,Johnson,Maya,,")
    result = workbench.match(write_export(tmp_path, text), rng=0, **settings)
    reasons = dict(zip(result.unmatched["id"], result.unmatched["reason"], strict=True))
    assert reasons[student].startswith(f"their {column} cell is blank in the roster"), reasons
    assert "cannot be checked" in reasons[student]
