"""Analysis: Sobol' recovery (Ishigami, a lever built in), bootstrap comparisons, plots, CLI."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from workbench.cli import main
from workbench.errors import WorkbenchError
from workbench.experiments import (
    SweepError,
    compare,
    ishigami,
    ishigami_indices,
    load_results,
    sensitivity,
    sweep,
)
from workbench.experiments.analysis import diff_ci, mean_ci, run_values
from workbench.experiments.plots import plot_comparison, plot_sensitivity, plot_trajectories

ISHIGAMI = {
    "parameters": {f"x{i}": {"range": [-math.pi, math.pi]} for i in (1, 2, 3)},
    "design": {"kind": "sobol", "samples": 1024},
    "seed": 2,
}


def test_sobol_recovers_the_ishigami_indices(tmp_path) -> None:
    report = sweep(ISHIGAMI, tmp_path / "ish", model=ishigami, workers=1, progress=False)
    assert report.runs == 1024 * 5
    table = sensitivity(report.path, metric="y", rng=1)
    exact = ishigami_indices()
    # the bootstrap is seeded: the same store gives the same intervals (also by default)
    pd.testing.assert_frame_equal(table, sensitivity(report.path, metric="y", rng=1))
    pd.testing.assert_frame_equal(
        sensitivity(report.path, metric="y"), sensitivity(report.path, metric="y")
    )
    assert table.attrs["base_samples"] == 1024
    # x3 has S1 = 0 exactly: a small negative estimate is read as 0, nothing else is flagged
    assert all("read it as 0" in line for line in table.attrs["warnings"])
    np.testing.assert_allclose(table["S1"], exact["S1"], atol=0.06)
    np.testing.assert_allclose(table["ST"], exact["ST"], atol=0.06)
    # the intervals are honest: each exact value lies within about two half-widths
    assert (np.abs(table["ST"] - exact["ST"]) <= 2 * table["ST_conf"] + 0.01).all()
    assert table["ST"].idxmin() == "x3" and table["S1"].idxmax() == "x2"


def test_sobol_with_too_few_samples_says_so(tmp_path, capsys) -> None:
    small = ISHIGAMI | {"design": {"kind": "sobol", "samples": 16}}
    report = sweep(small, tmp_path / "few", model=ishigami, workers=1, progress=False)
    table = sensitivity(report.path, metric="y")
    caveats = table.attrs["warnings"]
    assert caveats, table
    widest = table[["S1_conf", "ST_conf"]].to_numpy().max()
    assert widest > 0.1
    # 1/sqrt(N): the advice is N * (widest / 0.1)^2, rounded up to a power of two
    needed = 2 ** math.ceil(math.log2(16 * (widest / 0.1) ** 2))
    assert f"about {needed} base samples (now 16), i.e. {needed * 5} design points" in caveats[-1]
    impossible = (table["ST"] > 1) | (table["S1"] < 0)
    assert sum("cannot be" in line or "read it as 0" in line for line in caveats) == int(
        impossible.sum() + ((table["ST"] > 1) & (table["S1"] < 0)).sum()
    )
    assert main(["sensitivity", str(report.path), "--metric", "y"]) == 0
    out = capsys.readouterr().out
    assert "NOT RELIABLE, see the warnings below" in out
    assert out.count("\nwarning: ") == len(caveats)
    with pytest.warns(DeprecationWarning, match="rng="):
        old = sensitivity(report.path, metric="y", seed=4)
    pd.testing.assert_frame_equal(old, sensitivity(report.path, metric="y", rng=4))
    # resample counts are n_resamples everywhere (scipy's name); SALib's name still works
    fewer = sensitivity(report.path, metric="y", n_resamples=50)
    with pytest.warns(DeprecationWarning, match=r"sensitivity\(num_resamples=.*use n_resamples="):
        pd.testing.assert_frame_equal(fewer, sensitivity(report.path, metric="y", num_resamples=50))
    assert not fewer[["S1_conf", "ST_conf"]].equals(table[["S1_conf", "ST_conf"]])


BUILT = {
    "base": "scenarios/baseline.toml",
    "seed": 3,
    "replications": 1,
    "design": {"kind": "sobol", "samples": 16},
    # a school where meeting quality hangs on training (quality_training at its maximum)
    "fixed": {
        "cohort.size": 40,
        "levers.weeks": 8,
        "dynamics.quality_training": 5.0,
        "dynamics.quality_noise": 0.2,
        "dynamics.dropout_hazard": 0.0,  # no one leaves: outcomes hang on meeting quality alone
    },
    "parameters": {
        "levers.mentor_training": {"range": [0.0, 1.0]},
        "levers.activity_variety": {"range": [0.0, 1.0]},
        "levers.coordinator_response": {"range": [0.0, 1.0]},
    },
}


def test_sobol_finds_the_lever_a_scenario_was_built_to_depend_on(tmp_path, capsys) -> None:
    report = sweep(BUILT, tmp_path / "built", workers=1, progress=False)
    for metric in ("belonging", "confidence"):
        table = sensitivity(report.path, metric=metric, change=True)
        assert table["ST"].idxmax() == "levers.mentor_training"
        others = table.drop(index="levers.mentor_training")["ST"]
        assert table.loc["levers.mentor_training", "ST"] > 5 * others.max()
    with pytest.raises(SweepError, match="group 'maybe' not stored"):
        sensitivity(report.path, attribute="first_gen", group="maybe", gap=True)
    gap = sensitivity(report.path, attribute="first_gen", group="yes", gap=True)
    assert list(gap.index) == list(BUILT["parameters"])
    plot = tmp_path / "sobol.png"
    assert main(["sensitivity", str(report.path), "--change", "--plot", str(plot)]) == 0
    assert "largest total effect: levers.mentor_training" in capsys.readouterr().out
    assert plot.stat().st_size > 0


SMALL = {
    "base": "scenarios/baseline.toml",
    "seed": 8,
    "replications": 6,
    "fixed": {"cohort.size": 40, "levers.weeks": 6},
    "parameters": {
        "levers.sessions_per_week": {"levels": [0, 2]},
        "matching.policy": {"levels": ["random", "optimal"]},
    },
}


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    return sweep(SMALL, tmp_path_factory.mktemp("cmp") / "store", workers=1, progress=False).path


def test_compare_means_are_the_replication_means_and_cis_cover_them(small_store) -> None:
    results = load_results(small_store)
    table = compare(results, "belonging", attribute="first_gen")
    values = run_values(results, "belonging", attribute="first_gen").merge(
        results.design[["run_id", *results.parameters]], on="run_id"
    )
    expected = values.groupby([*results.parameters, "group"])["value"].mean()
    got = table[table["quantity"] == "value"].set_index([*results.parameters, "group"])["mean"]
    got, expected = got.sort_index(), expected.sort_index()
    assert [tuple(map(str, k)) for k in got.index] == [tuple(map(str, k)) for k in expected.index]
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12)
    assert (table["low"] <= table["mean"]).all() and (table["mean"] <= table["high"]).all()
    assert set(table["n"]) == {6}
    gaps = table[table["quantity"] == "gap"]
    assert set(gaps["group"]) == {"yes"}  # the gap of each level to the reference level "no"
    by_group = table[table["quantity"] == "value"].set_index([*results.parameters, "group"])["mean"]
    for (sessions, policy), row in gaps.set_index(results.parameters).iterrows():
        start = by_group[(sessions, policy, "no")] - by_group[(sessions, policy, "yes")]
        assert row["mean"] == pytest.approx(start, abs=0.02)


def test_compare_finds_that_sessions_raise_belonging_and_pairs_by_seed(small_store) -> None:
    table = compare(
        small_store, "belonging", by="levers.sessions_per_week", change=True, reference=0
    )
    with_sessions = table[table["levers.sessions_per_week"] == 2].iloc[0]
    assert with_sessions["diff_low"] > 0  # meeting twice a week beats no program
    none = table[table["levers.sessions_per_week"] == 0].iloc[0]
    assert none["diff"] == 0
    # by one of two parameters pools the other: 12 runs per level, not paired
    assert set(table["n"]) == {12}
    paired = compare(
        small_store,
        "belonging",
        change=True,
        reference={"levers.sessions_per_week": 0, "matching.policy": "random"},
    )
    assert len(paired) == 4 and paired["n"].eq(6).all()


def test_compare_bootstrap_is_seeded_by_rng_and_seed_still_works(small_store) -> None:
    first = compare(small_store, "belonging", n_resamples=200)
    pd.testing.assert_frame_equal(first, compare(small_store, "belonging", n_resamples=200, rng=0))
    with pytest.warns(DeprecationWarning, match=r"compare\(seed=.*use rng="):
        old = compare(small_store, "belonging", n_resamples=200, seed=5)
    new = compare(small_store, "belonging", n_resamples=200, rng=np.random.default_rng(5))
    pd.testing.assert_frame_equal(old, new)
    assert not old[["low", "high"]].equals(first[["low", "high"]])  # the seed matters
    pd.testing.assert_series_equal(old["mean"], first["mean"])  # the means do not resample
    with (
        pytest.raises(WorkbenchError, match="either seed or rng"),
        pytest.warns(DeprecationWarning),
    ):
        compare(small_store, "belonging", seed=5, rng=6)


def test_compare_refuses_what_is_not_there(small_store) -> None:
    with pytest.raises(SweepError, match="metric 'happiness' not stored"):
        compare(small_store, "happiness")
    with pytest.raises(SweepError, match="not a swept parameter"):
        compare(small_store, by="levers.weeks")
    with pytest.raises(SweepError, match="needs a sobol design"):
        sensitivity(small_store)


def test_bootstrap_intervals_cover_the_mean_at_the_stated_rate() -> None:
    rng = np.random.default_rng(4)
    hits = 0
    for _ in range(200):
        _, low, high = mean_ci(rng.normal(1.0, 2.0, size=30), n_resamples=500, rng=rng)
        hits += low <= 1.0 <= high
    assert 0.88 <= hits / 200 <= 0.99
    assert mean_ci(np.array([0.5, 0.5, 0.5])) == (0.5, 0.5, 0.5)
    assert np.isnan(mean_ci(np.array([0.5]))[1])
    a = rng.normal(0, 1, 40)
    paired = diff_ci(a + 0.1, a, paired=True, rng=rng)
    unpaired = diff_ci(a + 0.1, a, paired=False, rng=rng)
    assert paired[0] == pytest.approx(0.1)
    assert paired[2] - paired[1] < 1e-9 < unpaired[2] - unpaired[1]


def test_plots_draw(small_store, tmp_path) -> None:
    results = load_results(small_store)
    figure, axes = plt.subplots(1, 3, figsize=(12, 4))
    plot_trajectories(results, "belonging", by="levers.sessions_per_week", ax=axes[0])
    assert len(axes[0].get_lines()) == 2
    table = compare(results, "belonging", attribute="first_gen")
    plot_comparison(table, ax=axes[1])
    assert len(axes[1].get_yticklabels()) == 4
    fake = pd.DataFrame(
        {"S1": [0.5, 0.1], "S1_conf": [0.1, 0.1], "ST": [0.6, 0.2], "ST_conf": [0.1, 0.1]},
        index=pd.Index(["a", "b"], name="parameter"),
    )
    plot_sensitivity(fake, ax=axes[2])
    assert [t.get_text() for t in axes[2].get_yticklabels()] == ["b", "a"]
    plt.close(figure)


def test_compare_and_sensitivity_commands(small_store, tmp_path, capsys) -> None:
    plot = tmp_path / "cmp.png"
    code = main(
        [
            "compare",
            str(small_store),
            "--attribute",
            "first_gen",
            "--reference",
            "levers.sessions_per_week=0",
            "--plot",
            str(plot),
            "--csv",
            str(tmp_path / "cmp.csv"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "diff_low" in out and plot.stat().st_size > 0
    assert len(pd.read_csv(tmp_path / "cmp.csv")) == 2 * 2 + 2  # two policies x (2 levels + gap)
    assert main(["sensitivity", str(small_store)]) == 2
    assert "needs a sobol design" in capsys.readouterr().err
    assert main(["compare", str(tmp_path / "nowhere")]) == 2
    assert "not a sweep store" in capsys.readouterr().err
