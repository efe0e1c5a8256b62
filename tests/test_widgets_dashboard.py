"""The policy dashboard without a browser: controls → scenario → plotted data, pin/compare, save."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench
from workbench.widgets import Dashboard
from workbench.widgets.figures import TRAJECTORY_METRICS
from workbench.widgets.labels import SETTINGS, SETTINGS_BY_KEY, get_value
from workbench.widgets.palette import OKABE_ITO, group_style
from workbench.widgets.runner import LiveRunner
from workbench.widgets.summaries import end_values, trajectories
from workbench.widgets.uploads import upload_entry

REPS = 3


@pytest.fixture(scope="module")
def small():
    return workbench.load_scenario("scenarios/baseline.toml").with_overrides(
        {"cohort.size": 80, "levers.weeks": 8}
    )


@pytest.fixture
def board(small, tmp_path):
    dashboard = Dashboard(small, replications=REPS, save_dir=tmp_path, live=False, worlds=0)
    yield dashboard
    dashboard.close()


def _direct_bands(scenario, attribute):
    result = workbench.run_scenario(scenario, replications=REPS)
    return trajectories(result.metrics, attribute, TRAJECTORY_METRICS), result


def test_every_setting_is_a_valid_scenario_key_over_its_whole_range():
    base = workbench.Scenario()
    for setting in SETTINGS:
        get_value(base.model_dump(), setting.key)  # the key exists
        if setting.kind in ("int", "float"):
            for value in (setting.low, setting.high):
                value = int(value) if setting.kind == "int" else float(value)
                changed = base.with_overrides({setting.key: value})
                assert get_value(changed.model_dump(), setting.key) == value
        if setting.kind == "choice":
            for _, value in setting.options():
                base.with_overrides({setting.key: value})


def test_controls_start_at_the_scenario_and_describe_it(board, small):
    data = small.model_dump()
    for key, control in board.controls.items():
        assert control.value == get_value(data, key), key
    assert board.scenario == small


def test_plotted_data_are_the_replications_of_the_scenario(board, small):
    board.refresh(wait=True)
    data = board.current_data
    assert data["complete"] and data["replications"] == REPS
    expected, _ = _direct_bands(small, data["attribute"])
    pd.testing.assert_frame_equal(
        data["trajectories"].reset_index(drop=True), expected.reset_index(drop=True)
    )


@pytest.mark.parametrize(
    ("key", "value", "metric"),
    [
        ("levers.mentor_training", 1.0, "belonging"),
        ("levers.supports.transport", True, "attendance"),
        ("rotation.policy", "periodic", "dependency"),
        ("levers.sessions_per_week", 0, "confidence"),
    ],
)
def test_a_control_changes_the_settings_and_the_plotted_data(board, key, value, metric):
    board.refresh(wait=True)
    before = board.current_data
    board.controls[key].value = value
    assert get_value(board.scenario.model_dump(), key) == value
    board.refresh(wait=True)
    after = board.current_data
    assert after["scenario_hash"] != before["scenario_hash"]
    expected, _ = _direct_bands(board.scenario, after["attribute"])
    pd.testing.assert_frame_equal(
        after["trajectories"].reset_index(drop=True), expected.reset_index(drop=True)
    )
    old = before["trajectories"].query("metric == @metric")["mean"].to_numpy()
    new = after["trajectories"].query("metric == @metric")["mean"].to_numpy()
    assert not np.allclose(old, new)


def test_no_sessions_means_no_dependency(board):
    board.set("levers.sessions_per_week", 0)
    board.refresh(wait=True)
    bands = board.current_data["trajectories"]
    assert (bands.query("metric == 'dependency'")["mean"] == 0).all()


def test_dependent_settings_are_greyed_out_until_they_apply(board):
    assert board.controls["rotation.every_weeks"].disabled
    board.controls["rotation.policy"].value = "periodic"
    assert not board.controls["rotation.every_weeks"].disabled
    assert board.controls["matching.balance"].disabled
    board.controls["matching.policy"].value = "balanced"
    assert not board.controls["matching.balance"].disabled


def test_group_by_redraws_without_new_runs(board):
    board.refresh(wait=True)
    before = board.current_data
    board.group_by.value = "disability"
    board.wait()
    after = board.current_data
    assert after["scenario_hash"] == before["scenario_hash"]
    groups = set(after["trajectories"].query("metric == 'belonging'")["group"])
    assert groups == {"no", "yes"}
    assert after["attribute"] == "disability"
    outcomes = set(after["end_values"]["outcome"])
    assert "Belonging gap (Disability): no disability − with a disability" in outcomes


def _texts(figure) -> set[str]:
    texts = [t for ax in figure.axes for t in ax.texts] + list(figure.texts)
    for ax in figure.axes:
        legend = ax.get_legend()
        texts += list(legend.get_texts()) if legend is not None else []
    return {" ".join(t.get_text().split()) for t in texts}


def test_pictures_name_groups_in_words_not_roster_levels(board):
    board.group_by.value = "disability"
    board.refresh(wait=True)
    board.pin()
    board.controls["levers.mentor_training"].value = 1.0
    board.refresh(wait=True)
    names = {"no disability", "with a disability"}
    trajectory = _texts(board._trajectory_figure.figure)
    assert names <= trajectory and not trajectory & {"no", "yes"}
    comparison = _texts(board._comparison_figure.figure)
    assert {"pinned: with a disability", "current: with a disability"} <= comparison
    assert not any(text.endswith((": yes", ": no", "− yes")) for text in comparison)
    assert names <= _texts(board._network_figure.figure)
    alt = board.trajectory_image.value
    assert "Belonging gap at the end (no disability − with a disability)" in alt


def test_network_picture_data(board, small):
    board.refresh(wait=True)
    data = board.current_data
    nodes, edges = data["network_nodes"], data["network_edges"]
    assert len(nodes) == small.cohort.size  # below max_network: everyone is drawn
    groups = nodes["group"].to_numpy()
    assert (edges["cross"].to_numpy() == (groups[edges["a"]] != groups[edges["b"]])).all()
    assert edges["mentoring"].any() and (~edges["mentoring"]).any()
    assert np.allclose(np.hypot(nodes["x"], nodes["y"]), 1.0)


def test_pin_and_compare_matches_a_direct_run_of_both_designs(board, small):
    board.refresh(wait=True)
    pinned = board.pin()
    assert pinned == small
    board.set("levers.mentor_training", 1.0)
    board.set("levers.supports.schedule", True)
    board.refresh(wait=True)
    comparison = board.current_data["comparison"].set_index("outcome")
    current = board.scenario
    attribute = board.current_data["attribute"]
    a = workbench.run_scenario(pinned, replications=REPS)
    b = workbench.run_scenario(current, replications=REPS)
    values_a = end_values(a.metrics, a.gaps, attribute)
    values_b = end_values(b.metrics, b.gaps, attribute)
    for outcome in ("Belonging at the end", "Attendance over the program"):
        va = values_a.query("outcome == @outcome").sort_values("replication")["value"].to_numpy()
        vb = values_b.query("outcome == @outcome").sort_values("replication")["value"].to_numpy()
        row = comparison.loc[outcome]
        assert row["pinned"] == pytest.approx(va.mean())
        assert row["current"] == pytest.approx(vb.mean())
        assert row["difference"] == pytest.approx((vb - va).mean())
        assert row["low"] <= row["difference"] <= row["high"]
    assert board.comparison_box.layout.display == "flex"
    assert 'src="data:image/png;base64,iVBORw0KGgo' in board.comparison_image.value
    board.unpin()
    assert board.pinned is None and board.comparison_box.layout.display == "none"


def test_pin_against_itself_shows_no_difference(board):
    board.refresh(wait=True)
    board.pin()
    comparison = board.current_data["comparison"]
    assert np.allclose(comparison["difference"], 0.0)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_saved_settings_load_back_equal(board, tmp_path, data):
    for setting in SETTINGS:
        if setting.kind == "toggle":
            value = data.draw(st.booleans())
        elif setting.kind == "choice":
            value = data.draw(st.sampled_from([v for _, v in setting.options()]))
        elif setting.kind == "int":
            value = data.draw(st.integers(int(setting.low), int(setting.high)))
        else:
            steps = round((setting.high - setting.low) / setting.step)
            value = setting.low + setting.step * data.draw(st.integers(0, steps))
        board.set(setting.key, value)
    path = board.save(tmp_path / "design.toml", name="my design")
    loaded = workbench.load_scenario(path)
    changed = board.scenario.changes(board._base)
    assert loaded.model_copy(update={"description": ""}) == board.scenario.model_copy(
        update={"name": "my design", "description": ""}
    )
    if len(changed):  # the starting design's description would no longer be true
        assert loaded.description.startswith("Made in the dashboard from")
        assert all(key in loaded.description for key in changed["setting"])
    for key, control in board.controls.items():
        assert get_value(loaded.model_dump(), key) == control.value


def test_save_button_writes_a_file_and_a_download_link(board, tmp_path):
    board.save_name.value = "transport plan"
    board.set("levers.supports.transport", True)
    board._save_clicked()
    path = tmp_path / "transport_plan.toml"
    assert workbench.load_scenario(path).levers.supports.transport
    assert 'download="transport_plan.toml"' in board.download.value
    board.set("levers.supports.transport", False)  # the message described other settings
    assert board.download.value == ""


def test_uploaded_scenario_replaces_the_settings_and_a_bad_one_is_refused(board):
    bad = upload_entry("broken.toml", b"[levers]\nmentor_training = 7\n")
    board.upload.value = (bad,)
    assert 'role="alert"' in board.status.value and "mentor_training" in board.status.value
    assert board.scenario.levers.mentor_training == 0.5  # unchanged
    text = Path("scenarios/plan_b.toml").read_bytes()  # uses base = "baseline.toml"
    board.upload.value = (upload_entry("plan_b.toml", text),)
    assert board.controls["rotation.policy"].value == "plan_b"
    assert board.scenario.rotation.policy == "plan_b"


def test_live_changes_run_in_the_background_and_keep_the_last_picture(small):
    board = Dashboard(small, replications=2, debounce=0.05)
    try:
        board.refresh(wait=True)
        count = board.publish_count
        first_png = board.trajectory_image.value
        # hold every new result until checked (on a busy machine a first look can otherwise
        # be drawn before the next line runs)
        gate = threading.Event()
        publish = board._runner.publish
        board._runner.publish = lambda live: (gate.wait(120), publish(live))
        for value in (0.6, 0.7, 0.8):  # quick successive changes: the last one wins
            board.controls["levers.mentor_training"].value = value
        assert board.trajectory_image.value == first_png  # old picture until the new one
        assert board._runner.busy
        gate.set()
        board.wait(timeout=120)
        assert board.publish_count > count
        assert board.current_data["scenario"].levers.mentor_training == 0.8
        assert board.current_data["complete"]
        assert board.trajectory_image.value != first_png
    finally:
        board.close()


def test_runner_abandons_stale_jobs_and_survives_errors():
    published, errors = [], []
    gate = threading.Event()

    def work(job, stale):
        if job == "boom":
            raise ValueError("bad job")
        yield (job, 1)
        gate.wait(5)
        if not stale():
            yield (job, 2)

    runner = LiveRunner(work, published.append, errors.append, debounce=0.0)
    runner.request("boom")
    runner.wait(5)
    assert [str(e) for e in errors] == ["bad job"]
    runner.request("a")
    while not published:
        threading.Event().wait(0.01)
    runner.request("b")
    gate.set()
    runner.wait(5)
    assert ("a", 2) not in published and published[-1] == ("b", 2)
    runner.close()


def test_a_change_after_a_quiet_spell_starts_at_once_and_a_burst_waits():
    published = []
    runner = LiveRunner(lambda job, stale: iter([job]), published.append, debounce=60.0)
    runner.request("a")  # nothing before it: no waiting for the 60 s debounce
    assert runner.wait(timeout=30)
    assert published == ["a"]
    runner.request("b")  # right after another request: part of a burst, so it waits
    threading.Event().wait(0.2)
    assert runner.busy and published == ["a"]
    runner.close()


def test_groups_never_differ_by_colour_alone():
    styles = [group_style(k) for k in range(2 * len(OKABE_ITO))]
    assert len({(s.linestyle, s.marker) for s in styles[: len(OKABE_ITO)]}) >= 6
    assert len({(s.colour, str(s.linestyle), s.marker) for s in styles}) == len(styles)


def test_labels_are_coordinator_words():
    for setting in SETTINGS:
        assert "_" not in setting.label and "." not in setting.label, setting.key
        assert setting.help.endswith("."), setting.key
    assert SETTINGS_BY_KEY["levers.supports.transport"].label == "Transport provided"


def test_docs_list_every_control():
    text = Path("docs/dashboard.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"| {setting.label} | `{setting.key}` |" in text, setting.key


def test_comparison_says_in_words_what_changed_and_what_it_means(board):
    board.refresh(wait=True)
    board.pin()
    board.set("rotation.policy", "periodic")
    board.set("rotation.every_weeks", 2)
    board.refresh(wait=True)
    text = board.comparison_text.value
    assert "When partners change: Keep the same partner all year → " in text
    assert "Weeks between changes" in text
    verdicts = board.current_data["verdicts"]
    comparison = board.current_data["comparison"]
    assert len(verdicts) == len(comparison)
    for sentence, row in zip(verdicts, comparison.itertuples(index=False), strict=True):
        assert sentence.startswith("With the 2 changes listed, ")
        if row.low == row.high == 0:  # e.g. nobody without ties in any run
            assert "the same as in the pinned design in every run" in sentence
        elif row.low <= 0 <= row.high:  # the interval includes no difference
            assert "do not settle it" in sentence
        else:
            assert ("higher" if row.difference > 0 else "lower") in sentence
            assert "95% interval" in sentence and "do not settle" not in sentence
    # the table reads in units, never a raw float
    table = board.comparison_table.value
    assert "95% interval of the difference" in table and "0.6000000000000001" not in table


def test_one_change_is_named_in_the_verdict_and_an_equal_design_is_the_same(board):
    board.refresh(wait=True)
    board.pin()
    assert all("same as in the pinned design" in v for v in board.current_data["verdicts"])
    board.set("levers.mentor_training", 1.0)
    board.refresh(wait=True)
    belonging = board.current_data["verdicts"][0]
    assert belonging.startswith("With “Mentor training” at 1 instead of 0.5, belonging at the end")


def test_summary_gives_every_number_a_scale_and_rounds_it(board):
    board.refresh(wait=True)
    summary = board.summary.value
    assert "0–1 scale" in summary and "% of students" in summary and "ties per student" in summary
    assert "average answer of" in summary  # the latent level in survey terms
    values = board.current_data["headline"].set_index("outcome")["value"]
    expected = f"{values['Belonging at the end']:.2f}"
    assert f"<td>{expected}</td>" in summary
    assert not re.search(r"\d\.\d{4,}", re.sub(r'data-[a-z]+="[^"]*"', "", summary))


def test_everyone_together_explains_the_empty_gap_panel(board):
    board.refresh(wait=True)
    board.group_by.value = "all"
    board.wait()
    board.wait_for_update(0, timeout=60)
    alt = board.trajectory_image.value
    assert "No groups chosen, so no gap is shown" in alt


def test_one_run_is_not_announced_as_more_on_the_way(small, tmp_path):
    board = Dashboard(small, replications=1, live=False, save_dir=tmp_path)
    try:
        board.refresh(wait=True)
        assert "more on the way" not in board.trajectory_image.value
        assert "Up to date" in board.status.value
    finally:
        board.close()


def test_a_large_design_asks_before_running(small, tmp_path):
    board = Dashboard(small, replications=2, save_dir=tmp_path)
    try:
        board.refresh(wait=True)
        board.replications.value = 10
        board.wait(timeout=120)
        shown = board.current_data["scenario_hash"]
        board.controls["cohort.size"].value = 3000  # 30,000 student-runs: asks first
        assert board.confirm_box.layout.display == "flex"
        assert "3,000 students" in board.confirm_text.value
        board.wait(timeout=5)
        assert board.current_data["scenario_hash"] == shown  # nothing ran
        board._cancelled()
        assert "Not run" in board.status.value and board.confirm_box.layout.display == "none"
        board.replications.value = 2  # 6,000: runs at once
        assert board.confirm_box.layout.display == "none"
        board.wait(timeout=300)
        assert board.current_data["scenario"].cohort.size == 3000
    finally:
        board.close()


def test_saved_design_keeps_its_name_and_reopens_as_itself(board, tmp_path):
    board.set("rotation.policy", "periodic")
    board.set("rotation.every_weeks", 6)
    board.save_name.value = "Rotate every 6 weeks (Lincoln MS)"
    board._save_clicked()
    path = tmp_path / "Rotate_every_6_weeks_Lincoln_MS.toml"
    assert workbench.load_scenario(path).name == "Rotate every 6 weeks (Lincoln MS)"
    other = Dashboard(None, replications=1, live=False, save_dir=tmp_path)
    try:
        other.upload.value = (upload_entry(path.name, path.read_bytes()),)
        assert other.save_name.value == "Rotate every 6 weeks (Lincoln MS)"
        label = dict((v, k) for k, v in other.start.options)[other.start.value]
        assert label == "Rotate every 6 weeks (Lincoln MS) (opened)"
        assert other.controls["rotation.every_weeks"].value == 6
    finally:
        other.close()


def test_design_file_errors_name_the_file_not_a_temporary_path(board):
    board.upload.value = (upload_entry("mine.toml", b"[levers]\nmentor_training = 7\n"),)
    status = board.status.value
    assert "mine.toml" in status and "workbench-upload" not in status and "/tmp" not in status


def test_large_cohort_network_shows_its_pairs():
    from workbench.widgets.figures import sample_network
    from workbench.widgets.runs import run_live

    scenario = workbench.load_scenario("scenarios/baseline.toml").with_overrides(
        {"cohort.size": 3000, "levers.weeks": 2}
    )
    live = run_live(scenario, 1)
    nodes, edges = sample_network(live.network, "first_gen", 300)
    assert len(nodes) <= 300
    assert edges["mentoring"].sum() >= 50  # an even 10% sample keeps 1% of the pairs


def _label_boxes(figure):
    renderer = figure.canvas.get_renderer()
    figure.canvas.draw()
    boxes = []
    for ax in figure.axes:
        for text in ax.texts:
            if hasattr(text, "xy") and text.get_text():
                boxes.append((ax, text.get_text(), text.get_window_extent(renderer)))
    return boxes


def test_direct_labels_never_overprint_or_run_into_another_chart(board):
    board.refresh(wait=True)
    board.pin()  # pinned and current identical: their lines and labels coincide
    for figure in (board._comparison_figure.figure, board._trajectory_figure.figure):
        boxes = _label_boxes(figure)
        assert boxes
        whole = figure.bbox
        for i, (ax, text, box) in enumerate(boxes):
            assert whole.x0 <= box.x0 and box.x1 <= whole.x1, f"{text!r} leaves the picture"
            for other in figure.axes:
                if other is not ax:
                    assert not box.overlaps(other.bbox), f"{text!r} runs into another chart"
            for ax2, text2, box2 in boxes[i + 1 :]:
                if ax2 is ax:
                    assert not box.overlaps(box2), f"{text!r} and {text2!r} overprint"


def test_network_picture_keeps_its_title_when_the_grouping_changes(board):
    import base64
    import io

    from PIL import Image

    def title_ink() -> int:
        payload = re.search(r'base64,([^"]+)"', board.network_image.value).group(1)
        image = Image.open(io.BytesIO(base64.b64decode(payload))).convert("L")
        return int((np.asarray(image)[:45] < 100).sum())  # dark pixels in the title band

    board.refresh(wait=True)
    assert title_ink() > 200
    for attribute in ("disability", "all", "first_gen"):
        count = board.publish_count
        board.group_by.value = attribute
        board.wait_for_update(count, timeout=60)
        assert title_ink() > 200, f"no title after choosing {attribute}"


def test_the_pictures_first_show_the_groups_with_a_modelled_gap(small, board):
    # attributes are kept in name order, so the first grouping must not follow the listing
    effects = [effect.attribute for effect in small.cohort.group_effects]
    assert effects and board.group_by.value == effects[0]
    board.load(small.with_overrides({"cohort.group_effects": []}))
    assert board.group_by.value == next(iter(board.scenario.cohort.attributes))
    assert board.group_by.value != "all"


def test_pinned_comparison_is_also_judged_over_plausible_worlds(small, tmp_path):
    """The page's worlds verdict is the one workbench.verdict gives for the same two designs."""
    import time

    from workbench.worlds import PlausibleWorlds, verdict

    board = Dashboard(small, replications=REPS, save_dir=tmp_path, live=False, worlds=6)
    board.refresh(wait=True)
    pinned = board.pin()
    board.set("rotation.policy", "periodic")
    board.refresh(wait=True)
    deadline = time.monotonic() + 300
    while 'data-complete="true"' not in board.worlds_text.value:
        assert time.monotonic() < deadline, board.worlds_text.value
        time.sleep(0.2)
    judged = board.current_data["worlds_verdict"]
    direct = verdict(
        board.scenario.with_overrides({"name": "the current design"}),
        pinned.with_overrides({"name": "the pinned design"}),
        worlds=PlausibleWorlds.default(n=6, rng=0),
        rng=pinned.seed,
    )
    assert judged.table["share_a_better"].tolist() == direct.table["share_a_better"].tolist()
    text = board.worlds_text.value
    assert "Across 6 plausible worlds" in text and "of plausible worlds" in text
    board.unpin()
    assert board.worlds_text.value == ""
