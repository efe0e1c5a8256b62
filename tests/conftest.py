"""Shared fixtures: small, fast scenarios."""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")

from workbench.scenario import Scenario, load_scenario  # noqa: E402


@pytest.fixture
def small() -> Scenario:
    """The baseline scenario shrunk to 80 students over 12 weeks."""
    return load_scenario("scenarios/baseline.toml").with_overrides(
        {"cohort.size": 80, "levers.weeks": 12, "replications": 3}
    )
