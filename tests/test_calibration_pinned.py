"""Calibration gives the same result for the same rng as when tests/data/calibration_pinned.json was made.

The cases (``scripts/calibration_pinned.py``) are small analytic targets, not the
Mesa model, so model changes do not move them; they take every path of
:func:`workbench.calibration.calibrate` (waves, no-match waves, held-out
summaries, simulator noise, uninformed, edge and traded-off parameters). This
is also the reproducibility test (the same rng gives the same result, here in
another process than the one that made the file). A refactor must leave every
table bit-identical (to 12 significant digits); a
change meant to alter the method regenerates the file with the script and says
so in its commit.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PINNED = json.loads((ROOT / "tests" / "data" / "calibration_pinned.json").read_text())


def _script():
    spec = importlib.util.spec_from_file_location(
        "calibration_pinned", ROOT / "scripts" / "calibration_pinned.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCRIPT = _script()


def test_every_case_is_pinned() -> None:
    assert sorted(SCRIPT.cases()) == sorted(PINNED)


@pytest.mark.parametrize("case", sorted(PINNED))
def test_same_rng_same_result(case: str) -> None:
    found = SCRIPT.fingerprint(SCRIPT.cases()[case]())
    assert found["warnings"] == PINNED[case]["warnings"]
    assert found == PINNED[case]
