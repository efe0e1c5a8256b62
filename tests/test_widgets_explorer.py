"""The sweep explorer widget on a small real sweep."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.experiments.analysis import run_values
from workbench.experiments.runner import sweep
from workbench.widgets.explorer import SweepExplorer


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    spec = {
        "base": None,
        "fixed": {"cohort.size": 40, "levers.weeks": 4},
        "replications": 2,
        "parameters": {
            "levers.mentor_training": {"levels": [0.0, 0.5, 1.0]},
            "rotation.policy": {"levels": ["none", "periodic"]},
        },
    }
    return sweep(spec, tmp_path_factory.mktemp("sweep") / "store", workers=1, progress=False).path


def test_opens_a_store_and_plots_the_mean_of_each_level(store):
    explorer = SweepExplorer(store)
    assert explorer.x.value == "levers.mentor_training"
    assert set(explorer.filters) == {"levers.mentor_training", "rotation.policy"}
    runs = run_values(explorer.results, "belonging")
    summary = explorer.summary.set_index("levers.mentor_training")
    merged = runs.merge(explorer.results.design[["run_id", "levers.mentor_training"]], on="run_id")
    for level, part in merged.groupby("levers.mentor_training"):
        assert summary.loc[level, "mean"] == pytest.approx(part["value"].mean())
        assert summary.loc[level, "runs"] == len(part) == 4
    assert 'src="data:image/png;base64,iVBORw0KGgo' in explorer.image.value
    assert 'alt="Belonging (at the end of the program) against' in explorer.image.value


def test_filters_outcomes_groups_and_axes(store):
    explorer = SweepExplorer(store)
    explorer.filters["rotation.policy"].value = ("periodic",)
    assert set(explorer.current_data["rotation.policy"]) == {"periodic"}
    assert len(explorer.current_data) == 3 * 2
    explorer.metric.value = "retention"
    explorer.attribute.value = "first_gen"
    assert set(explorer.current_data["group"]) <= {"no", "yes"}
    explorer.quantity.value = "gap"
    assert np.isfinite(explorer.summary["mean"]).any()
    explorer.x.value = "rotation.policy"
    assert set(explorer.summary["rotation.policy"]) == {"periodic"}


def test_gap_needs_a_group_and_a_missing_folder_is_a_message(tmp_path, store):
    explorer = SweepExplorer(store)
    explorer.quantity.value = "gap"
    assert 'role="alert"' in explorer.message.value and "group" in explorer.message.value
    explorer.open(tmp_path / "nowhere")
    assert "no such result folder" in explorer.message.value
    assert explorer.results is not None  # the open store stays


def test_before_a_sweep_the_explorer_explains_itself_and_hides_empty_menus():
    explorer = SweepExplorer()
    assert explorer.body.layout.display == "none"
    assert "No sweep is open yet" in explorer.intro.value
    assert "--out" not in explorer.intro.value and explorer.image.value == ""
