"""A verdict does not depend on how many processes run it, and chunks of worlds are paired."""

from __future__ import annotations

import importlib

import pandas as pd

from workbench.scenario import Scenario
from workbench.worlds import PlausibleWorlds, verdict

verdict_module = importlib.import_module("workbench.worlds.verdict")  # the module, not the function


def test_verdict_is_the_same_in_one_process_or_two(monkeypatch) -> None:
    monkeypatch.setattr(verdict_module, "WORLDS_PER_RUN", 3)  # 7 worlds: chunks 3 + 3 + 1
    base = Scenario().with_overrides({"cohort.size": 40, "levers.weeks": 6})
    rotating = base.with_overrides({"rotation.policy": "periodic", "rotation.every_weeks": 2})
    worlds = PlausibleWorlds.default(n=7, rng=1)
    one = verdict(rotating, base, worlds, outcomes=["belonging", "retention"], workers=1)
    two = verdict(rotating, base, worlds, outcomes=["belonging", "retention"], workers=2)
    pd.testing.assert_frame_equal(one.differences, two.differences)
    pd.testing.assert_frame_equal(one.table, two.table)
    # the first chunk is the stacked run of its worlds alone (same root seed)
    first = verdict(rotating, base, worlds.take([0, 1, 2]), outcomes=["belonging", "retention"])
    pd.testing.assert_frame_equal(one.differences.iloc[:3], first.differences)
    # a later chunk is seeded differently from the first (not a copy of its chance)
    assert (
        not one.outcomes_b.iloc[3:6]
        .reset_index(drop=True)
        .equals(first.outcomes_b.reset_index(drop=True))
    )
