"""The roster matcher widget: uploads, policy and weights, tables equal to workbench.match."""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from sis_exports import EXPORT_A, write_export

import workbench
from workbench.cli import main
from workbench.widgets.matcher import RosterMatcher
from workbench.widgets.uploads import upload_entry

ROSTER = Path("examples/roster_synthetic.csv")


@pytest.fixture
def matcher():
    return RosterMatcher(rng=3)


def _upload(matcher, name, content):
    matcher.upload.value = (upload_entry(name, content),)


def test_uploaded_roster_gives_the_pairs_of_workbench_match(matcher):
    _upload(matcher, ROSTER.name, ROSTER.read_bytes())
    expected = workbench.match(
        workbench.load_roster(ROSTER), policy="optimal", weights=matcher.chosen_weights, rng=3
    )
    pd.testing.assert_frame_equal(matcher.pairs, expected.pairs)
    pd.testing.assert_frame_equal(matcher.fairness, expected.fairness)
    assert len(matcher.pairs) > 0 and matcher.pairs["reason"].str.len().gt(0).all()
    assert "syn" in matcher.pairs_table.value and "Why this pair" in matcher.pairs_table.value
    assert 'role="alert"' not in matcher.message.value


def test_policy_weights_and_capacity_rematch(matcher):
    _upload(matcher, ROSTER.name, ROSTER.read_bytes())
    matcher.policy.value = "cross_group"
    matcher.weights["cross_group"].value = 3.0
    matcher.capacity.value = 2
    assert matcher.result.policy == "cross_group"
    expected = workbench.match(
        workbench.load_roster(ROSTER),
        policy="cross_group",
        weights=matcher.chosen_weights,
        rng=3,
        capacity=2,
    )
    pd.testing.assert_frame_equal(matcher.pairs, expected.pairs)


def test_download_is_the_pairing_list(matcher):
    _upload(matcher, ROSTER.name, ROSTER.read_bytes())
    back = pd.read_csv(io.StringIO(matcher.pairs_csv()), dtype={"site": str})
    assert list(back["mentor"]) == list(matcher.pairs["mentor"])
    assert list(back["mentee"]) == list(matcher.pairs["mentee"])
    assert 'download="roster_synthetic_pairs.csv"' in matcher.download.value


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("photo.png", b"\x89PNG\r\n", "not a CSV file"),
        ("roster.csv", b"name,grade\nada,10\n", "id"),
        ("roster.csv", b"id,role\ns1,boss\n", "role"),
        ("roster.csv", b"\xff\xfe\x00id", "UTF-8"),
    ],
)
def test_bad_uploads_give_a_message_and_keep_the_widget_working(matcher, name, content, words):
    _upload(matcher, ROSTER.name, ROSTER.read_bytes())
    good = matcher.pairs.copy()
    _upload(matcher, name, content)
    assert 'role="alert"' in matcher.message.value
    assert words in matcher.message.value
    pd.testing.assert_frame_equal(matcher.pairs, good)  # the last good matching stays
    matcher.policy.value = "random"  # and the widget still works
    assert matcher.result.policy == "random" and len(matcher.pairs) > 0


def test_match_before_upload_asks_for_a_roster(matcher):
    matcher.run()
    assert "Upload a roster first" in matcher.message.value


def _download(html_text: str, css_class: str) -> str:
    found = re.search(rf'class="{css_class}"[^>]*href="data:[^;]+;base64,([^"]+)"', html_text)
    assert found, f"no {css_class} link"
    return base64.b64decode(found.group(1)).decode("utf-8")


@pytest.fixture
def sis(tmp_path):
    return write_export(tmp_path, EXPORT_A, "export.csv")


def test_sis_upload_proposes_columns_shows_warnings_and_waits(matcher, sis):
    _upload(matcher, sis.name, sis.read_bytes())
    form = matcher.column_form
    assert form["Last Name"]["use"].value == "name" and form["Interests"]["separator"].value == ","
    assert form["ELL (Y/N)"]["yes_no"].value and form["ELL (Y/N)"]["sensitive"].value
    assert "Free Periods: 2 students have a blank cell" in matcher.checks.value
    assert matcher.result is None and "warning(s) below" in matcher.message.value
    matcher.shared_periods.value = 1  # setting a rule before reading does not match yet
    assert matcher.result is None
    matcher.match_button.click()
    assert len(matcher.pairs) > 0 and "students paired" in matcher.summary.value
    assert "perfect pair scores" in matcher.summary.value  # the fit score explained


def test_widget_gives_the_pairs_of_the_cli_for_the_same_roster_map_and_rules(
    matcher, sis, tmp_path
):
    _upload(matcher, sis.name, sis.read_bytes())
    matcher.column_form["Gender"]["use"].value = "info"  # the coordinator edits the map
    matcher.use_columns()
    matcher.shared_periods.value = 1
    matcher.shared_language.value = True
    matcher.capacity.value = 2
    matcher.policy.value = "capacity"
    matcher.quota_attribute.value = "First Gen"
    matcher.weights["cross_group"].value = 0.5
    matcher.run()
    assert matcher.roster.attribute_names == ("ELL", "IEP", "First Gen")
    columns = tmp_path / "columns.toml"
    columns.write_text(_download(matcher.columns_download.value, "wb-download-columns"))
    rules = tmp_path / "rules.toml"
    rules.write_text(_download(matcher.download.value, "wb-download-rules"))
    out, waiting = tmp_path / "pairs.csv", tmp_path / "waiting.csv"
    status = main(
        ["match", str(sis), "--columns", str(columns), "--weights", str(rules), "--seed", "3"]
        + ["--policy", "capacity", "--out", str(out), "--unmatched-out", str(waiting)]
        + ["--no-compare"]
    )
    assert status == 0
    assert out.read_text(encoding="utf-8") == _download(matcher.download.value, "wb-download")
    assert waiting.read_text(encoding="utf-8") == _download(
        matcher.download.value, "wb-download-waiting"
    )
    pairs = pd.read_csv(out, dtype=str)
    assert len(pairs) > 0 and pairs["mentor_name"].notna().all()


def test_every_rule_reaches_the_matching(matcher, sis):
    _upload(matcher, sis.name, sis.read_bytes())
    matcher.run()
    matcher.shared_periods.value = 2
    matcher.shared_language.value = True
    matcher.grade_gap.value = 2
    matcher.capacity.value = 3
    matcher.quota_attribute.value = "ELL"
    matcher.max_per_group.value = 2
    config = matcher.result.config
    assert (config.min_schedule_overlap, config.language_required, config.grade_gap) == (2, True, 2)
    assert (config.capacity, config.quota_attribute, config.max_per_group) == (3, "ELL", 2)


def test_must_not_meet_from_a_second_upload(matcher, sis):
    _upload(matcher, sis.name, sis.read_bytes())
    matcher.run()
    first = matcher.pairs.iloc[0]
    avoid = f"student,keep apart from\n{first['mentor']},{first['mentee']}\n".encode()
    matcher.avoid_upload.value = (upload_entry("apart.csv", avoid),)
    assert "1 must-not-meet pair(s)" in matcher.avoid_note.value
    links = set(zip(matcher.pairs["mentor"], matcher.pairs["mentee"], strict=True))
    assert (first["mentor"], first["mentee"]) not in links
    matcher.avoid_upload.value = (upload_entry("apart.csv", b"100231,999\n"),)
    assert "unknown student '999'" in html.unescape(matcher.message.value)


def test_a_bad_column_form_is_one_line_and_keeps_the_roster(matcher, sis):
    _upload(matcher, sis.name, sis.read_bytes())
    matcher.run()
    good = matcher.pairs.copy()
    matcher.column_form["Interests"]["separator"].value = ";"
    matcher.use_columns()
    message = html.unescape(matcher.message.value)
    assert "column form: column 'Interests': separator ';' splits no cell, but cells use ','" in (
        message
    )
    assert 'role="alert"' in matcher.message.value
    pd.testing.assert_frame_equal(matcher.pairs, good)
    matcher.column_form["Interests"]["separator"].value = ","
    matcher.column_form["First Name"]["use"].value = "group"
    matcher.use_columns()
    assert "a name or email cannot be a group attribute" in html.unescape(matcher.message.value)


def test_downloads_waiting_list_and_private_teacher_list(matcher, sis):
    _upload(matcher, sis.name, sis.read_bytes())
    matcher.shared_periods.value = 1
    matcher.run()
    assert matcher.download.value.count('class="wb-download"') == 1  # one pairing list link
    waiting = pd.read_csv(io.StringIO(_download(matcher.download.value, "wb-download-waiting")))
    assert set(waiting.columns) >= {"id", "name", "reason"} and len(waiting) >= 2
    teacher = _download(matcher.download.value, "wb-download-teacher")
    assert "Minh Trần" in teacher and "Left out for privacy: Gender, ELL, IEP, First Gen" in teacher
    assert "Mentor ELL" not in teacher and "http" not in teacher


def test_a_saved_column_map_can_be_uploaded(matcher, sis, tmp_path):
    _upload(matcher, sis.name, sis.read_bytes())
    saved = tmp_path / "columns.toml"
    assert main(["match", str(sis), "--write-columns", str(saved), "--preview-only"]) == 0
    edited = saved.read_text().replace(
        '"Gender" = { use = "group", sensitive = true }', '"Gender" = { use = "ignore" }'
    )
    matcher.columns_upload.value = (upload_entry("columns.toml", edited.encode()),)
    assert matcher.column_form["Gender"]["use"].value == "ignore"
    assert "Gender" not in matcher.roster.attribute_names
    bad = edited.replace('"Email" = { use = "info" }', '"E-mail" = { use = "info" }')
    matcher.columns_upload.value = (upload_entry("columns.toml", bad.encode()),)
    assert "columns.toml: column &#x27;E-mail&#x27;: not in" in matcher.message.value
    assert "Gender" not in matcher.roster.attribute_names  # the last good reading stays
