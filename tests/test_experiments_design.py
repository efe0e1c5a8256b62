"""Sweep files and designs: validation to one line, grid/LHS/Sobol' points, seeds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from SALib.sample import sobol as sobol_sample

from workbench.experiments.design import build_design, run_id
from workbench.experiments.spec import Parameter, SweepError, SweepSpec, load_sweep
from workbench.seeding import derive_seeds

SMALL = {"cohort.size": 40, "levers.weeks": 4}


def spec(parameters, **extra) -> SweepSpec:
    return SweepSpec.from_dict({"fixed": SMALL, "parameters": parameters, **extra})


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"parameters": {"levers.mentor_trainin": {"range": [0, 1], "steps": 2}}},
            "parameters.levers.mentor_trainin: unknown scenario setting 'mentor_trainin' in levers",
        ),
        ({"parameters": {"levels.weeks": {"levels": [2]}}}, "unknown scenario setting 'levels'"),
        (
            {"parameters": {"levers.mentor_training": {"range": [0.5, 0.5], "steps": 2}}},
            "[0.5, 0.5] is empty",
        ),
        ({"parameters": {"levers.mentor_training": {"range": [0.9, 0.1], "steps": 2}}}, "is empty"),
        ({"parameters": {"matching.policy": {"levels": []}}}, "levels: empty"),
        (
            {"parameters": {"matching.policy": {"levels": ["random", "psychic"]}}},
            "level 'psychic' is not allowed",
        ),
        (
            {"parameters": {"levers.mentor_training": {"range": [0.0, 2.0], "steps": 2}}},
            "value 2.0 is not allowed",
        ),
        ({"parameters": {"levers.mentor_training": {"range": [0.0, 1.0]}}}, "needs steps"),
        ({"parameters": {"matching.policy": {"range": [0, 1], "steps": 2}}}, "is not a number"),
        ({"parameters": {"levers": {"levels": [1]}}}, "is a table of settings"),
        ({"parameters": {}}, "no parameters to sweep"),
        ({"parameters": {"levers.weeks": {"levels": [2]}}, "colour": 1}, "colour: unknown key"),
        (
            {
                "parameters": {"levers.weeks": {"range": [2, 4]}},
                "design": {"kind": "sobol", "samples": 12},
            },
            "needs a power of two",
        ),
        (
            {"parameters": {"levers.weeks": {"range": [2, 4]}}, "design": {"kind": "lhs"}},
            "samples: required",
        ),
        (
            {"parameters": {"levers.weeks": {"levels": [2]}}, "design": {"kind": "factorial"}},
            "design.kind: Input should be 'grid', 'lhs' or 'sobol' (got 'factorial')",
        ),
        (
            {"parameters": {"levers.weeks": {"levels": [2]}}, "replications": 0},
            "replications: Input should be greater than or equal to 1",
        ),
        ({"parameters": {"levers.weeks": {"levels": [2, 2]}}}, "values repeat"),
        (
            {"parameters": {"levers.weeks": {"levels": [2]}}, "base": "nowhere.toml"},
            "no such scenario file",
        ),
        (
            {"parameters": {"cohort.sites": {"levels": [1, 30]}}},
            "level 30 is not allowed: cohort: size",
        ),
        (
            {
                "parameters": {
                    "cohort.size": {"levels": [40, 4]},
                    "cohort.sites": {"levels": [1, 10]},
                }
            },
            "design point 3 {'cohort.size': 4, 'cohort.sites': 10}: cohort: size must give every site",
        ),
    ],
)
def test_bad_sweeps_are_refused_in_one_line(data, expected) -> None:
    data = {"fixed": SMALL, **data}
    with pytest.raises(SweepError) as error:
        build_design(SweepSpec.from_dict(data, source="s.toml"))
    message = str(error.value)
    assert expected in message
    assert "\n" not in message and message.startswith("s.toml")
    assert len(message) < 300


def test_nested_tables_name_the_same_parameter() -> None:
    flat = spec({"levers.mentor_training": {"range": [0.0, 1.0], "steps": 3}})
    nested = spec({"levers": {"mentor_training": {"range": [0.0, 1.0], "steps": 3}}})
    assert flat.parameters == nested.parameters
    assert flat.hash() == nested.hash()


def test_grid_is_the_full_factorial_with_replications() -> None:
    s = spec(
        {
            "matching.policy": {"levels": ["random", "optimal", "cross_group"]},
            "levers.mentor_training": {"range": [0.0, 1.0], "steps": 3},
            "levers.sessions_per_week": {"range": [1, 2]},  # integer setting: every whole value
        },
        replications=4,
    )
    design = build_design(s)
    assert len(design.points) == 3 * 3 * 2
    assert len(design.runs) == 18 * 4
    assert sorted(design.points["levers.mentor_training"].unique()) == [0.0, 0.5, 1.0]
    assert design.points["levers.sessions_per_week"].dtype == np.int64
    combos = design.points.drop(columns="point").drop_duplicates()
    assert len(combos) == 18
    assert design.runs["run_id"].is_unique
    assert list(design.runs["run_id"][:2]) == [run_id(0, 0), run_id(0, 1)]


def test_common_seeds_repeat_across_points_and_independent_seeds_do_not() -> None:
    params = {"levers.mentor_training": {"levels": [0.0, 0.5, 1.0]}}
    common = build_design(spec(params, replications=5, seed=11)).runs
    assert common.groupby("replication")["seed"].nunique().eq(1).all()
    assert list(common[common["point"] == 0]["seed"]) == derive_seeds(11, 5)
    independent = build_design(
        spec(params, replications=5, seed=11, design={"seeds": "independent"})
    ).runs
    assert independent["seed"].is_unique


@settings(max_examples=25, deadline=None)
@given(root=st.integers(0, 2**32), reps=st.integers(1, 6), more=st.integers(1, 6))
def test_a_runs_seed_does_not_depend_on_how_many_replications(root, reps, more) -> None:
    params = {"levers.mentor_training": {"levels": [0.0, 1.0]}}
    few = build_design(spec(params, replications=reps, seed=root, design={"seeds": "independent"}))
    many = build_design(
        spec(params, replications=reps + more, seed=root, design={"seeds": "independent"})
    )
    merged = few.runs.merge(many.runs, on=["point", "replication"], suffixes=("", "_many"))
    assert len(merged) == len(few.runs)
    assert (merged["seed"] == merged["seed_many"]).all()


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 40), seed=st.integers(0, 10_000))
def test_latin_hypercube_puts_one_point_in_every_slice(n, seed) -> None:
    params = {
        "levers.mentor_training": {"range": [0.0, 1.0]},
        "levers.activity_variety": {"range": [0.2, 0.6]},
    }
    design = build_design(spec(params, design={"kind": "lhs", "samples": n}, seed=seed))
    assert len(design.points) == n
    for column, (low, high) in zip(params, [(0.0, 1.0), (0.2, 0.6)], strict=True):
        slices = np.floor((design.points[column] - low) / (high - low) * n).astype(int)
        assert sorted(slices.clip(0, n - 1)) == list(range(n))


def test_sobol_design_is_salibs_saltelli_sample_mapped_to_the_ranges() -> None:
    params = {
        "levers.mentor_training": {"range": [0.0, 1.0]},
        "levers.activity_variety": {"range": [0.2, 0.6]},
        "levers.coordinator_response": {"range": [0.0, 0.5]},
    }
    s = spec(params, design={"kind": "sobol", "samples": 16}, seed=5)
    design = build_design(s)
    assert len(design.points) == 16 * (3 + 2)
    problem = {"num_vars": 3, "names": list(params), "bounds": [[0, 1], [0.2, 0.6], [0, 0.5]]}
    expected = sobol_sample.sample(problem, 16, calc_second_order=False, scramble=True, seed=5)
    np.testing.assert_allclose(design.points[list(params)].to_numpy(), expected, atol=1e-12)
    second = build_design(
        spec(params, design={"kind": "sobol", "samples": 16, "second_order": True})
    )
    assert len(second.points) == 16 * (2 * 3 + 2)


@settings(max_examples=50, deadline=None)
@given(low=st.integers(-5, 5), width=st.integers(1, 6), u=st.floats(0, 1))
def test_integer_ranges_give_every_whole_value_an_equal_slice(low, width, u) -> None:
    p = Parameter("x", low=low, high=low + width, integer=True)
    value = p.from_unit(u)
    assert isinstance(value, int) and low <= value <= low + width
    counts = np.bincount([p.from_unit(k / 7000) - low for k in range(7000)], minlength=width + 1)
    assert counts.min() > 0 and counts.max() - counts.min() <= 1 + 7000 // (width + 1) // 100


def test_levels_split_the_unit_interval_equally() -> None:
    p = Parameter("policy", levels=("a", "b", "c"))
    assert [p.from_unit(u) for u in (0.0, 0.33, 0.34, 0.66, 0.67, 1.0)] == list("aabbcc")


@pytest.mark.parametrize("name", ["sweep_policies", "sweep_levers_lhs", "sweep_sensitivity"])
def test_bundled_sweep_files_are_valid(name) -> None:
    s = load_sweep(f"scenarios/{name}.toml")
    design = build_design(s)
    assert s.name == name and s.description
    assert len(design.runs) == len(design.points) * s.replications


def test_the_sweep_hash_is_the_one_stores_were_made_with() -> None:
    """The hash changes only when the runs would: validating with pydantic kept it; model v2
    changed the scenarios' defaults (and so their runs), so v1 stores are not resumed; so did
    the check-in rules (waiting_penalty, checkin_reengagement: stop 25)."""
    s = SweepSpec.from_dict(
        {
            "fixed": SMALL,
            "parameters": {
                "levers.mentor_training": {"range": [0, 1], "steps": 3},
                "levers.sessions_per_week": {"range": [1, 3]},
                "matching.policy": ["random", "optimal"],
            },
            "replications": 2,
            "seed": 9,
        }
    )
    # check-in rules (was f214dd0c5aa6fc4b in model v2, 48c23f248a32b6f0 in v1)
    assert s.hash() == "b2e91c7dcb8d7c21"
    for name, expected in (
        ("sweep_policies", "577ac2c60f6113ac"),
        ("sweep_levers_lhs", "32fcb52fbd48e79a"),
        ("sweep_sensitivity", "330204d2852a51d4"),
    ):
        assert load_sweep(f"scenarios/{name}.toml").hash() == expected
