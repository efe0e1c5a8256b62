"""The roster matcher widget: uploads, policy and weights, tables equal to workbench.match."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

import workbench
from workbench.widgets.matcher import RosterMatcher
from workbench.widgets.uploads import upload_entry

ROSTER = Path("examples/roster_synthetic.csv")


@pytest.fixture
def matcher():
    return RosterMatcher(seed=3)


def _upload(matcher, name, content):
    matcher.upload.value = (upload_entry(name, content),)


def test_uploaded_roster_gives_the_pairs_of_workbench_match(matcher):
    _upload(matcher, ROSTER.name, ROSTER.read_bytes())
    expected = workbench.match(
        workbench.load_roster(ROSTER), policy="optimal", weights=matcher.chosen_weights, seed=3
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
        seed=3,
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
