"""Every bundled scenario gives the same tables as when tests/data/golden_tables.json was made.

A refactor must leave results bit-identical (to 12 significant digits); a change
meant to alter results regenerates the file with ``scripts/golden_tables.py``
and says so in its commit.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
GOLDEN = json.loads((ROOT / "tests" / "data" / "golden_tables.json").read_text())


@pytest.fixture(scope="module")
def fingerprints() -> dict[str, dict[str, str]]:
    spec = importlib.util.spec_from_file_location("golden", ROOT / "scripts" / "golden_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.fingerprints()


def test_every_bundled_scenario_is_covered(fingerprints: dict) -> None:
    assert sorted(fingerprints) == sorted(GOLDEN)


@pytest.mark.parametrize("scenario", sorted(GOLDEN))
def test_tables_unchanged(fingerprints: dict, scenario: str) -> None:
    assert fingerprints[scenario] == GOLDEN[scenario]
