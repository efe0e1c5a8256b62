"""Screened plausible worlds: the shipped pool matches the model, and only allowed worlds are used.

The pool (``workbench/worlds/screened.csv``) is written by
``validation/screen_worlds.py``; these tests fail when it no longer matches the
model, the posterior or the parameters' ranges (re-run that script), and check
its implausibilities against the hand formula.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.worlds import PlausibleWorlds
from workbench.worlds.plausible import load_screened, plausible
from workbench.worlds.screening import (
    IMPLAUSIBILITY,
    MEAN,
    calibration_checks,
    pooled_noise_sd,
    replication_seeds,
    world_values,
)

POOL, FACTS = load_screened()
PARAMETERS = list(FACTS["how"])


def test_pool_is_the_current_candidates() -> None:
    """Same seed, same posterior, same ranges ⇒ the same candidate worlds as the shipped file."""
    candidates = PlausibleWorlds.unscreened(n=FACTS["candidates"], rng=FACTS["candidate_seed"])
    assert candidates.posterior_id == FACTS["posterior_id"]
    assert list(candidates.how) == PARAMETERS, "a drawn parameter was added: re-screen"
    shipped = POOL[PARAMETERS].reset_index(drop=True)
    drawn = candidates.table.reset_index(drop=True)
    for name in PARAMETERS:
        if name == "identity":
            assert shipped[name].tolist() == drawn[name].tolist()
        else:
            np.testing.assert_allclose(shipped[name], drawn[name], rtol=0, atol=1e-15)


def test_pool_still_matches_the_simulator() -> None:
    """Re-simulate a kept and a ruled-out world: the stored figures are what the model gives."""
    checks = calibration_checks()
    assert checks.names == list(FACTS["checks"]), "the calibration checks changed: re-screen"
    seeds = replication_seeds(FACTS["replications"])
    for kept in (True, False):
        world = POOL.index[POOL["kept"] == kept][0]
        row = {name: _plain(POOL.loc[world, name]) for name in PARAMETERS}
        means = world_values(row, seeds).mean(axis=0)
        stored = POOL.loc[world, [MEAN + name for name in checks.names]].to_numpy(float)
        np.testing.assert_allclose(means, stored, rtol=1e-9, atol=1e-12)


def test_implausibility_is_the_hand_formula_and_kept_means_below_cutoff() -> None:
    names = list(FACTS["checks"])
    r = FACTS["replications"]
    for name in names:
        c = FACTS["checks"][name]
        by_hand = (POOL[MEAN + name] - c["observed"]).abs() / np.sqrt(
            c["sd"] ** 2 + c["noise_sd"] ** 2 / r
        )
        np.testing.assert_allclose(POOL[IMPLAUSIBILITY + name], by_hand, rtol=1e-12)
    largest = POOL[[IMPLAUSIBILITY + name for name in names]].max(axis=1)
    assert (POOL["kept"] == (largest < FACTS["cutoff"])).all()
    assert int(POOL["kept"].sum()) == FACTS["kept"]
    # the screening rules something out, and what it keeps is what the evidence says
    assert 0 < FACTS["kept"] < FACTS["candidates"]
    kept = POOL[POOL["kept"]]
    g = FACTS["checks"]["overall_effect.g"]
    assert (kept[MEAN + "overall_effect.g"] > 0).all(), "a kept world where mentoring harms"
    assert abs(kept[MEAN + "overall_effect.g"].mean() - g["observed"]) < 2 * g["sd"]


def test_pooled_noise_is_the_within_world_variance() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(size=(4000, 2, 3)) * np.array([0.1, 1.0, 2.0]) + rng.normal(
        size=(4000, 1, 3)
    )
    np.testing.assert_allclose(pooled_noise_sd(values), [0.1, 1.0, 2.0], rtol=0.05)
    with pytest.raises(ValueError, match="two replications"):
        pooled_noise_sd(values[:, :1])


@settings(max_examples=10, deadline=None)
@given(n=st.integers(2, 200), seed=st.integers(0, 2**32))
def test_default_worlds_are_kept_candidates_balanced_and_reproducible(n: int, seed: int) -> None:
    worlds = PlausibleWorlds.default(n=n, rng=seed)
    assert len(worlds) == n and list(worlds.table.columns) == PARAMETERS
    kept = POOL[POOL["kept"]]
    rows = set(map(tuple, kept[PARAMETERS].astype(str).to_numpy()))
    assert all(tuple(row) in rows for row in worlds.table.astype(str).to_numpy())
    assert not worlds.table.duplicated().any()  # without replacement
    counts = worlds.table["identity"].value_counts()
    assert counts.max() - counts.min() <= 1
    assert len(counts) == min(n, len(plausible("identity")))
    pd.testing.assert_frame_equal(worlds.table, PlausibleWorlds.default(n=n, rng=seed).table)


def test_default_worlds_say_they_were_screened_and_refuse_too_many() -> None:
    worlds = PlausibleWorlds.default(n=12, rng=0)
    assert f"{FACTS['kept']:,} of {FACTS['candidates']:,} candidate worlds kept" in repr(worlds)
    assert "not screened" in repr(PlausibleWorlds.unscreened(n=12, rng=0))
    with pytest.raises(ValueError, match=r"ask for \d+ or fewer"):
        PlausibleWorlds.default(n=FACTS["candidates"] + 1)


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value
