"""``compare(..., worlds=N)`` and ``workbench compare --worlds``: sweep policies judged over
plausible worlds, the same verdict :func:`workbench.worlds.verdicts` gives directly."""

from __future__ import annotations

import subprocess
import sys

import pytest

from workbench.experiments import compare, load_results, sweep
from workbench.scenario import load_scenario
from workbench.worlds import PlausibleWorlds, verdicts

SPEC = {
    "name": "rotation",
    "base": "scenarios/baseline.toml",
    "replications": 2,
    "seed": 3,
    "fixed": {"cohort.size": 60, "levers.weeks": 10},
    "design": {"kind": "grid", "seeds": "common"},
    "parameters": {"rotation.policy": {"levels": ["none", "periodic"]}},
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("worlds") / "store"
    sweep(SPEC, folder, workers=1, progress=False)
    return folder


def test_compare_adds_the_share_of_worlds_that_verdicts_gives(store) -> None:
    worlds = PlausibleWorlds.default(n=6, rng=2)
    table = compare(store, "belonging", reference="none", worlds=worlds)
    row = table[table["rotation.policy"] == "periodic"].iloc[0]
    assert table.loc[table["rotation.policy"] == "none", "worlds_better"].isna().all()
    base = load_scenario("scenarios/baseline.toml").with_overrides(SPEC["fixed"])
    direct = verdicts(
        {"p": base.with_overrides({"rotation.policy": "periodic"})},
        base,
        worlds=worlds,
        outcomes=["belonging"],
        rng=3,
    )["p"].table.loc["belonging"]
    assert row["worlds_better"] == pytest.approx(direct["share_a_better"])
    assert row["worlds_verdict"] in {"better", "worse", "uncertain", "no real difference"}
    assert "plausible worlds" in row["worlds_reading"]


def test_compare_with_worlds_needs_a_reference(store) -> None:
    from workbench.experiments.spec import SweepError

    with pytest.raises(SweepError, match="reference"):
        compare(load_results(store), "belonging", worlds=4)


def test_cli_worlds_without_reference_is_one_line_exit_2(store) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "compare", str(store), "--worlds", "4"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "--reference" in done.stderr


@pytest.mark.parametrize("count", ["1", "100000"])
def test_cli_worlds_out_of_range_is_the_verdict_commands_one_line(store, count) -> None:
    """``compare --worlds`` and ``verdict --worlds`` refuse a count with the same sentence."""
    from workbench.worlds.plausible import most_worlds

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "compare",
            str(store),
            "--worlds",
            count,
            "--reference",
            "rotation.policy=none",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    message = done.stderr.strip()
    assert message.count("\n") == 0 and "Traceback" not in message
    assert f"--worlds {count}: must be from 2 to {most_worlds():,}, the screened" in message
