"""The roster matcher end to end: workbench.match, the CLI, bad files, reasons, fairness."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench
from workbench.cli import main
from workbench.errors import WorkbenchError
from workbench.matching import POLICIES

EXAMPLE = "examples/roster_synthetic.csv"
PREFERENCES = "examples/preferences_synthetic.csv"
WEIGHTS = "examples/match_weights.toml"

HEADER = "id,site,role,interests,schedule,languages,first_gen\n"
GOOD_ROWS = (
    "a,x,mentor,music;sport,mon,en,yes\n"
    "b,x,mentee,music,mon,en,no\n"
    "c,x,mentor,art,tue,es,no\n"
    "d,x,mentee,art;sport,tue,es,yes\n"
)


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


BAD_ROSTERS = {
    "missing id column": ("name,site\nx,a\n", "no student id column (columns: name, site)"),
    "duplicate ids": (HEADER + GOOD_ROWS + "a,x,mentee,art,mon,en,no\n", "duplicate id 'a'"),
    "empty file": ("", "empty file"),
    "non-UTF-8": (HEADER.encode() + "é,x,mentor,,,,no\n".encode("latin-1"), "not UTF-8"),
    "unknown must_not_meet id": (
        "id,must_not_meet\na,zz\nb,\n",
        "unknown student 'zz'",
    ),
    "bad role": ("id,role\na,boss\nb,mentee\n", "field 'role'"),
    # blank lines count: the message names the line a spreadsheet user sees
    "bad role after blank lines": ("id,role\n\na,mentor\n\nb,boss\n", "row 5: field 'role'"),
    "unknown must_not_meet after a blank line": (
        "id,must_not_meet\n\na,\nb,zz\n",
        "row 4: field 'must_not_meet': unknown student 'zz'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_ROSTERS))
def test_bad_roster_is_one_line_exit_2_and_no_output(case, tmp_path, capsys) -> None:
    text, expected = BAD_ROSTERS[case]
    roster = write(tmp_path, "roster.csv", text)
    out = tmp_path / "pairs.csv"
    assert main(["match", str(roster), "--out", str(out), "--no-compare"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err and "Traceback" not in err
    assert not out.exists()


BAD_INPUTS = {
    "unknown attribute in weights": (
        "weights.toml",
        'cross_group_attributes = ["nope"]\n',
        "unknown attribute 'nope'",
    ),
    "unknown quota attribute": (
        "weights.toml",
        'quota_attribute = "nope"\nmax_per_group = 1\n',
        "unknown attribute 'nope'",
    ),
    "unknown score term": ("weights.toml", "[weights]\nkindness = 1.0\n", "weights.kindness"),
    "weight out of range": ("weights.toml", "[weights]\naffinity = -1\n", "weights.affinity"),
    "preference names unknown student": (
        "prefs.csv",
        "id,ranking\nb,a;ghost\n",
        "unknown student 'ghost'",
    ),
    "preference from unknown student": ("prefs.csv", "id,ranking\nghost,a\n", "'ghost'"),
    "preferences not UTF-8": ("prefs.csv", "id,ranking\nb,\xe9\n".encode("latin-1"), "not UTF-8"),
    "preferences missing column": ("prefs.csv", "id,choices\nb,a\n", "'ranking'"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_weights_or_preferences_refused_before_writing(case, tmp_path, capsys) -> None:
    name, text, expected = BAD_INPUTS[case]
    roster = write(tmp_path, "roster.csv", HEADER + GOOD_ROWS)
    extra = write(tmp_path, name, text)
    option = "--weights" if name.endswith(".toml") else "--preferences"
    out = tmp_path / "pairs.csv"
    args = ["match", str(roster), option, str(extra), "--out", str(out), "--no-compare"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err, err
    assert not out.exists()


def test_infeasible_constraint_is_an_error_naming_it(tmp_path) -> None:
    roster = write(tmp_path, "roster.csv", "id,role,schedule\na,mentor,mon\nb,mentee,tue\n")
    with pytest.raises(WorkbenchError, match="min_schedule_overlap"):
        workbench.match(roster, min_schedule_overlap=1)
    with pytest.raises(WorkbenchError, match="must_not_meet"):
        workbench.match(roster, forbidden=[("a", "b")])


def test_impossible_roles_or_circles_are_errors(tmp_path) -> None:
    roster = write(tmp_path, "roster.csv", "id,role\na,mentee\nb,mentee\nc,mentee\n")
    with pytest.raises(WorkbenchError, match="no mentors"):
        workbench.match(roster)
    roster = write(tmp_path, "roster2.csv", "id,role\na,mentor\nb,mentee\nc,mentee\n")
    with pytest.raises(WorkbenchError, match="circle_mentors"):
        workbench.match(roster, policy="circles", circle_mentors=2)


def test_cli_writes_pairing_list_and_prints_summary_and_comparison(tmp_path, capsys) -> None:
    out = tmp_path / "pairs.csv"
    args = ["match", EXAMPLE, "--policy", "stable", "--weights", WEIGHTS]
    args += ["--preferences", PREFERENCES, "--seed", "3", "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "matched 60 of 60" in printed and "cross-group links" in printed
    assert "score: mean" in printed and "fairness by group" in printed
    for name in POLICIES:  # the comparison covers every policy
        assert f" {name} " in printed or f"{name}\n" in printed
    pairs = pd.read_csv(out)
    assert list(pairs.columns[:6]) == ["group", "site", "mentor", "mentee", "score", "reason"]
    assert len(pairs) == 30 and pairs["reason"].str.len().min() > 10


def test_match_api_is_reproducible_and_explains_pairs() -> None:
    first = workbench.match(EXAMPLE, policy="optimal", rng=5)
    again = workbench.match(EXAMPLE, policy="optimal", rng=5)
    pd.testing.assert_frame_equal(first.pairs, again.pairs)
    roster = first.roster
    row_of = {str(v): i for i, v in enumerate(roster.ids)}
    for _, link in first.pairs.iterrows():
        a, b = row_of[link["mentor"]], row_of[link["mentee"]]
        shared = set(np.asarray(roster.interest_names)[roster.interests[a] & roster.interests[b]])
        if "interest" in link["reason"] and "shares" in link["reason"]:
            listed = link["reason"].split("interest")[1].split("(")[1].split(")")[0]
            assert {s.strip() for s in listed.split(",") if "+" not in s} <= shared
    assert "policy optimal" in first.summary()
    assert isinstance(first._repr_html_(), str)


def test_match_honours_must_not_meet_column_and_forbidden_pairs() -> None:
    result = workbench.match(EXAMPLE, policy="optimal", rng=0, forbidden=[("syn05", "syn01")])
    pairs = set(zip(result.pairs["mentor"], result.pairs["mentee"], strict=True))
    for a, b in [("syn01", "syn03"), ("syn06", "syn08"), ("syn05", "syn01")]:
        assert (a, b) not in pairs and (b, a) not in pairs


def test_fairness_report_known_case(tmp_path) -> None:
    roster = write(tmp_path, "roster.csv", HEADER + GOOD_ROWS)
    result = workbench.match(roster, policy="affinity", rng=0)
    # affinity pairs a-b (music, mon, en) and c-d (art, tue, es)
    assert set(zip(result.pairs["mentor"], result.pairs["mentee"], strict=True)) == {
        ("a", "b"),
        ("c", "d"),
    }
    fair = result.fairness.set_index(["attribute", "level"])
    assert fair.loc[("first_gen", "yes"), "mentor_share"] == 0.5
    assert fair.loc[("first_gen", "yes"), "mentee_share"] == 0.5
    assert fair.loc[("all", "all"), "cross_group_share"] == 1.0  # both pairs differ on first_gen
    assert fair.loc[("first_gen", "yes"), "matched_rate"] == 1.0
    scores = result.pairs.set_index("mentee")["score"]
    assert fair.loc[("first_gen", "yes"), "mean_score_mentee"] == pytest.approx(scores["d"])


def test_unmatched_students_are_reported_with_why(tmp_path) -> None:
    roster = write(
        tmp_path,
        "roster.csv",
        "id,role,schedule\na,mentor,mon\nb,mentee,mon\nc,mentee,tue\nd,mentee,mon\n",
    )
    result = workbench.match(roster, policy="optimal", min_schedule_overlap=1, rng=0)
    reasons = dict(zip(result.unmatched["id"], result.unmatched["reason"], strict=True))
    assert "min_schedule_overlap" in reasons["c"]
    assert len(reasons) == 2
    assert any("capacity" in why or "taken" in why for why in reasons.values())


def test_compare_covers_every_policy() -> None:
    table = workbench.match(EXAMPLE, rng=0).compare()
    assert set(table["policy"]) == set(POLICIES)
    assert (table["matched"] <= 60).all()


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_every_policy_copes_with_all_zero_weights(name) -> None:
    zero = dict.fromkeys(["affinity", "complementarity", "challenge", "cross_group"], 0.0)
    zero.update(schedule=0.0, language=0.0)
    result = workbench.match(EXAMPLE, policy=name, weights=zero, rng=0)
    assert len(result.pairs) > 0 and (result.pairs["score"] == 0).all()


def test_rng_is_the_argument_and_seed_still_works_with_a_warning() -> None:
    new = workbench.match(EXAMPLE, policy="random", rng=7)
    with pytest.warns(DeprecationWarning, match="use rng="):
        old = workbench.match(EXAMPLE, policy="random", seed=7)
    pd.testing.assert_frame_equal(new.pairs, old.pairs)
    generator = workbench.match(EXAMPLE, policy="random", rng=np.random.default_rng(7))
    pd.testing.assert_frame_equal(generator.pairs, new.pairs)
    assert new.seed == 7 and generator.seed == "generator"
    with (
        pytest.raises(WorkbenchError, match="either seed or rng"),
        pytest.warns(DeprecationWarning),
    ):
        workbench.match(EXAMPLE, seed=1, rng=2)


def test_compare_reuses_the_seed_of_the_match() -> None:
    result = workbench.match(EXAMPLE, policy="random", rng=11)
    row = result.compare(["random"]).iloc[0]
    assert row["mean_score"] == pytest.approx(result.pairing.score.mean())
    assert row["links"] == len(result.pairs)
