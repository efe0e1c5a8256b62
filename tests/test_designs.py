"""Several designs side by side in memory: end_values, stack_designs and plot_designs."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

import workbench
from workbench.plots import plot_designs


@pytest.fixture(scope="module")
def designs() -> dict[str, workbench.RunResult]:
    small = workbench.Scenario().with_overrides({"cohort.size": 60, "levers.weeks": 8})
    rotate = small.with_overrides({"rotation.policy": "periodic", "rotation.every_weeks": 3})
    return {
        "keep": workbench.run_scenario(small, replications=2),
        "rotate": workbench.run_scenario(rotate, replications=2),
    }


def test_end_values_are_each_designs_last_week_mean(designs) -> None:
    table = workbench.end_values(designs, ["belonging", "dependency"], "first_gen", "yes")
    assert list(table.index) == ["keep", "rotate"]
    for name, result in designs.items():
        metrics = result.metrics
        last = metrics[
            (metrics["metric"] == "dependency")
            & (metrics["attribute"] == "first_gen")
            & (metrics["group"] == "yes")
            & (metrics["week"] == 8)
        ]
        assert table.loc[name, "dependency"] == pytest.approx(last["value"].mean())
    assert table.loc["rotate", "dependency"] < table.loc["keep", "dependency"]


def test_stack_designs_names_each_design_as_a_group_and_reads_gaps(designs) -> None:
    stacked = workbench.simulation.stack_designs(designs, "belonging", "first_gen", "yes", gap=True)
    assert set(stacked["group"]) == {"keep", "rotate"}
    keep = stacked[stacked["group"] == "keep"].sort_values(["replication", "week"])
    gaps = designs["keep"].gaps
    expected = gaps[
        (gaps["metric"] == "belonging")
        & (gaps["attribute"] == "first_gen")
        & (gaps["group"] == "yes")
    ].sort_values(["replication", "week"])
    assert keep["value"].to_numpy() == pytest.approx(expected["gap"].to_numpy())
    with pytest.raises(ValueError, match="at least one design"):
        workbench.simulation.stack_designs({}, "belonging")


def test_plot_designs_draws_one_line_per_design_through_the_means(designs) -> None:
    fig, ax = plt.subplots()
    plot_designs(designs, "dependency", ax=ax)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"keep", "rotate"}
    end = workbench.end_values(designs, ["dependency"])
    for name, line in lines.items():
        assert line.get_ydata()[-1] == pytest.approx(end.loc[name, "dependency"])
    plt.close(fig)
