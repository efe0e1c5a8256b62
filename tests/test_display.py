"""Workbench objects show themselves as readable cards in a notebook (``_repr_html_``)."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import workbench
from workbench.display import card, table_html
from workbench.plots import summary_table

SMALL = {"cohort.size": 60, "levers.weeks": 6}


@pytest.fixture(scope="module")
def run() -> workbench.RunResult:
    scenario = workbench.Scenario(name="tiny <school>").with_overrides(SMALL)
    return workbench.run_scenario(scenario, replications=3)


@pytest.fixture(scope="module")
def swept(
    tmp_path_factory,
) -> tuple[workbench.experiments.SweepReport, workbench.experiments.SweepResults]:
    spec = {
        "name": "training",
        "base": None,
        "fixed": SMALL,
        "replications": 2,
        "parameters": {"levers.mentor_training": {"levels": [0.0, 1.0]}},
    }
    report = workbench.sweep(
        spec, tmp_path_factory.mktemp("sweep") / "s", workers=1, progress=False
    )
    return report, workbench.load_results(report)


def test_card_escapes_text_and_shows_tables_and_a_picture() -> None:
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    html = card("a <b> & c", ["x < y"], {"numbers": pd.DataFrame({"v": [0.123456]})}, fig)
    assert "a &lt;b&gt; &amp; c" in html and "x &lt; y" in html
    assert "0.123" in html and "0.123456" not in html  # rounded
    assert html.count("<img") == 1
    assert not plt.fignum_exists(fig.number)  # closed: not drawn a second time


def test_long_tables_are_cut_and_the_rest_counted() -> None:
    html = table_html(pd.DataFrame({"v": range(30)}), max_rows=5)
    assert html.count("<tr>") == 5  # the body rows (the header row has a style)
    assert "25 more rows of 30" in html


def test_scenario_changes_lists_exactly_the_settings_that_differ() -> None:
    base = workbench.load_scenario("scenarios/baseline.toml")
    changed = base.with_overrides({"rotation.policy": "periodic", "levers.weeks": 20})
    table = changed.changes(base)
    assert dict(zip(table["setting"], table["value"], strict=True)) == {
        "rotation.policy": "periodic",
        "levers.weeks": 20,
    }
    assert dict(zip(table["setting"], table["reference"], strict=True)) == {
        "rotation.policy": "none",
        "levers.weeks": 36,
    }
    assert base.changes(base).empty
    assert workbench.Scenario(seed=5, name="x").changes().empty  # who/which run is not design


def test_scenario_card_says_the_design_in_words() -> None:
    scenario = workbench.load_scenario("scenarios/supports_on.toml")
    html = scenario._repr_html_()
    assert "Scenario “supports_on”" in html
    assert "supports: transport, schedule, language, caregiving" in html
    assert "levers.supports.transport" in html  # the changes table
    periodic = scenario.with_overrides({"rotation.policy": "periodic", "rotation.every_weeks": 4})
    assert "partners change every 4 weeks" in periodic._repr_html_()


def test_run_card_shows_the_summary_numbers_and_a_plot(run) -> None:
    html = run._repr_html_()
    assert "Run of “tiny &lt;school&gt;”" in html
    assert "3 runs of 60 students over 6 weeks (replications 0–2)" in html
    table = summary_table(run)
    end = table.loc[("first_gen", "yes"), "belonging end"]
    gap = table.loc[("first_gen", "yes"), "belonging gap end"]
    row = re.search(r"<th>first_gen = yes</th>(.*?)</tr>", html, re.S).group(1)
    assert f"{end:.3f}" in row and f"{gap:.3f}" in row
    assert html.count("<img") == 1


def test_sweep_results_by_point_matches_the_runs(swept) -> None:
    _, results = swept
    table = results.by_point()
    assert list(table["levers.mentor_training"]) == [0.0, 1.0]
    assert list(table["runs"]) == [2, 2]
    metrics = results.with_parameters("metrics")
    last = metrics[
        (metrics["metric"] == "belonging")
        & (metrics["attribute"] == "all")
        & (metrics["week"] == metrics["week"].max())
    ]
    expected = last.groupby("levers.mentor_training")["value"].mean().to_numpy()
    assert table["belonging"].to_numpy() == pytest.approx(expected)


def test_sweep_cards_count_runs(swept) -> None:
    report, results = swept
    assert report.missing == 0
    assert "4 runs stored now and 0 before, of 4; 0 failed" in report._repr_html_()
    html = results._repr_html_()
    assert "Sweep “training”" in html
    assert "2 design points × 2 replications = 4 runs: 4 stored, 0 failed, 0 not run yet" in html
    assert html.count("<img") == 1


def test_match_card_lists_pairs_and_why_students_are_left_out() -> None:
    roster = workbench.load_roster("examples/roster_synthetic.csv")
    result = workbench.match(roster, policy="optimal", rng=1, min_schedule_overlap=3)
    assert len(result.unmatched) > 0
    html = result._repr_html_()
    assert html.startswith("<div") and "Matching: policy optimal" in html
    first = result.pairs.iloc[0]
    assert f"<td>{first['mentor']}</td>" in html and f"<td>{first['mentee']}</td>" in html
    reason = result.unmatched["reason"].iloc[0]
    assert reason.replace("<", "&lt;").replace(">", "&gt;") in html


def test_roster_card_counts_who_is_on_the_roster() -> None:
    roster = workbench.load_roster("examples/roster_synthetic.csv")
    frame = roster.to_frame()
    parts = roster.composition()
    assert parts["sites"].set_index("site")["students"].to_dict() == (
        frame["site"].value_counts().to_dict()
    )
    groups = parts["groups"].set_index(["attribute", "level"])["students"]
    assert groups[("first_gen", "yes")] == (frame["first_gen"] == "yes").sum()
    transport = frame["barriers"].str.contains("transport").sum()
    assert parts["barriers"].set_index("barrier").loc["transport", "students"] == transport
    html = roster._repr_html_()
    mentors = (frame["role"] == "mentor").sum()
    assert f"{len(frame)} students in 2 site(s): {mentors} mentors" in html
    assert "who can be either" not in html  # no student has role "both" here
    assert repr(roster).startswith("<Roster: 60 students in 2 site(s)")
